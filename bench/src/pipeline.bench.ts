// Pipeline benchmark: N fake RTSP cameras streaming a 1080p25 clip of faces, decoded by ffmpeg and analysed
// at 5 fps by a real IngestService with a real Redis; finds the largest N with < 5 % frames lost and p99
// alert latency < 1 s, and splits the CPU between decoding (ffmpeg), analysis (node) and the fake cameras.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import pino from 'pino';
import { loadConfig, type LoadedConfig } from '@argus/config';
import { IngestService } from '@argus/ingest';
import {
  AlertRepository,
  CameraRepository,
  SightingRepository,
  WatchlistRepository,
  connectRedis,
  msFromStreamId,
  redisProcessId,
  silentLog,
  startLocalRedis,
  type LocalRedis,
  type RedisClient,
  type StoredAlert,
} from '@argus/store';
import { childProcesses, makeFaceClip, startFakeCamera, type FaceClip, type FakeCamera, type Frame } from '@argus/video';
import { FaceAnalyzer, encodeJpeg } from '@argus/vision';

export interface PipelineBenchOptions {
  /** Camera counts to run, in order, all of them. Default: 1, 2, 4, 6, 8, 10, ... until one fails, then the count between. */
  cameras?: number[];
  /** Measured seconds per camera count, after every camera is live and a warm-up (default 45). */
  seconds?: number;
  log?: (line: string) => void;
}

export class PipelineBenchError extends Error {
  constructor(
    readonly code: 'BENCH_BAD_OPTION' | 'BENCH_FIXTURE_MISSING' | 'BENCH_NO_PROC',
    message: string,
  ) {
    super(message);
    this.name = 'PipelineBenchError';
  }
}

/** Shown one after another, each alone on screen; the gap (> tracking.close_after_ms) makes every appearance its own track. */
const CLIP_PEOPLE = ['penny', 'raj', 'sheldon', 'howard'] as const;
const ENROLLED: readonly string[] = ['penny', 'sheldon'];
const SECONDS_PER_PERSON = 3;
const GAP_SECONDS = 2.5;
const CLIP_WIDTH = 1920;
const CLIP_HEIGHT = 1080;
const CLIP_FPS = 25;
const ANALYSIS_FPS = 5;

const DEFAULT_WINDOW_S = 45;
/** After the last camera went live, before the window opens: tracks and the embedder settle. */
const WARMUP_S = 5;
/** After the window: tracks alerted inside it close (close_after_ms 2 s) and write their sighting (its start). */
const TAIL_S = 6;
const LIVE_TIMEOUT_MS = 30_000;
/** Appearances that start later than this before the window's end are not expected to alert inside it. */
const APPEARANCE_MARGIN_MS = 3_000;

/** perf_hooks samples the event loop with a timer this often; its figures include the interval itself, removed by lag(). */
const LOOP_DELAY_RESOLUTION_MS = 10;
const lag = (ns: number): number => Math.max(0, ns / 1e6 - LOOP_DELAY_RESOLUTION_MS);

const MAX_LOST = 0.05;
const MAX_P99_MS = 1_000;
const GOAL_CAMERAS = 8;
const LADDER = [1, 2, 4, 6, 8, 10, 12, 16, 20];
/** No new camera count is started once the next run would end after this (the issue: about 12 minutes in all). */
const BUDGET_MS = 11 * 60_000;

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

// ---------------------------------------------------------------- CPU accounting from /proc

interface ProcStat {
  pid: number;
  ppid: number;
  comm: string;
  /** utime + stime, all threads, in clock ticks. */
  ticks: number;
}

function readStat(path: string, pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined; // exited between readdir and read
  }
  const close = text.lastIndexOf(')');
  const fields = text.slice(close + 2).split(' ');
  // After "pid (comm) ": state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime
  return { pid, ppid: Number(fields[1]), comm: text.slice(text.indexOf('(') + 1, close), ticks: Number(fields[11]) + Number(fields[12]) };
}

function scanProcesses(): ProcStat[] {
  const out: ProcStat[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(`/proc/${name}/stat`, Number(name));
    if (stat) out.push(stat);
  }
  return out;
}

/** Node 20 names all its own threads "node" (V8 platform workers, the libuv pool, onnxruntime's pools); sharp's are named by libvips. */
function threadGroup(stat: ProcStat): string {
  // onnxruntime-node 1.30 runs each session.run() synchronously on the main thread (inside setImmediate).
  if (stat.pid === process.pid) return 'main thread (all JavaScript + the calling thread of every onnxruntime run)';
  if (stat.comm === 'node') return 'other node threads (onnxruntime intra-op pool, libuv pool, V8 GC)';
  if (stat.comm.startsWith('libvips')) return 'libvips workers (sharp JPEG)';
  return stat.comm;
}

/** This process's threads, grouped: the main (JavaScript) thread, then by thread name (libuv-worker, V8 workers, onnxruntime's). */
function scanThreads(): ProcStat[] {
  const out: ProcStat[] = [];
  for (const tid of readdirSync('/proc/self/task')) {
    const stat = readStat(`/proc/self/task/${tid}/stat`, Number(tid));
    if (stat) out.push({ ...stat, comm: threadGroup(stat) });
  }
  return out;
}

function machineTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const values = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = values.reduce((s, v) => s + v, 0);
  const idle = (values[3] ?? 0) + (values[4] ?? 0); // idle + iowait
  return { busy: total - idle, total };
}

type ProcKind = 'decoder' | 'camera' | 'redis';

/**
 * CPU seconds of processes over a window, by kind: sampled every second, so a process that exits inside the
 * window loses at most its last second. A process first seen after the window opened counts from zero.
 */
class CpuMeter {
  private readonly baseline = new Map<number, number>();
  private readonly latest = new Map<number, number>();
  private readonly kinds = new Map<number, ProcKind>();
  private readonly threadBase = new Map<number, number>();
  private readonly threadLatest = new Map<number, { group: string; ticks: number }>();
  private nodeStart = process.cpuUsage();
  private machineStart = machineTicks();
  private machineEnd = this.machineStart;
  private nodeUs = 0;

  constructor(private readonly classify: (p: ProcStat) => ProcKind | undefined) {}

  start(): void {
    this.sample(true);
    this.nodeStart = process.cpuUsage();
    this.machineStart = machineTicks();
  }

  sample(first = false): void {
    for (const p of scanProcesses()) {
      const kind = this.kinds.get(p.pid) ?? this.classify(p);
      if (!kind) continue;
      this.kinds.set(p.pid, kind);
      if (!this.baseline.has(p.pid)) this.baseline.set(p.pid, first ? p.ticks : 0);
      this.latest.set(p.pid, p.ticks);
    }
    for (const t of scanThreads()) {
      if (!this.threadBase.has(t.pid)) this.threadBase.set(t.pid, first ? t.ticks : 0);
      this.threadLatest.set(t.pid, { group: t.comm, ticks: t.ticks });
    }
  }

  stop(): void {
    this.sample();
    const used = process.cpuUsage(this.nodeStart);
    this.nodeUs = used.user + used.system;
    this.machineEnd = machineTicks();
  }

  secondsOf(kind: ProcKind): number {
    let ticks = 0;
    for (const [pid, k] of this.kinds) if (k === kind) ticks += (this.latest.get(pid) ?? 0) - (this.baseline.get(pid) ?? 0);
    return ticks / CLK_TCK;
  }

  processesOf(kind: ProcKind): number {
    return [...this.kinds.values()].filter((k) => k === kind).length;
  }

  nodeSeconds(): number {
    return this.nodeUs / 1e6;
  }

  /** Busy share of all cores over the window (every process on the machine, ours and others'), 0..1. */
  machineBusy(): number {
    const total = this.machineEnd.total - this.machineStart.total;
    return total > 0 ? (this.machineEnd.busy - this.machineStart.busy) / total : NaN;
  }

  /** Node's CPU seconds by thread group, largest first. */
  nodeThreads(): Array<{ group: string; seconds: number; threads: number }> {
    const groups = new Map<string, { seconds: number; threads: number }>();
    for (const [tid, { group, ticks }] of this.threadLatest) {
      const g = groups.get(group) ?? { seconds: 0, threads: 0 };
      g.seconds += (ticks - (this.threadBase.get(tid) ?? 0)) / CLK_TCK;
      g.threads += 1;
      groups.set(group, g);
    }
    return [...groups].map(([group, g]) => ({ group, ...g })).sort((a, b) => b.seconds - a.seconds);
  }
}

// ---------------------------------------------------------------- statistics

interface Percentiles {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles. With fewer than 100 samples p99 is the maximum. */
function percentiles(samples: readonly number[]): Percentiles {
  if (samples.length === 0) return { n: 0, p50: NaN, p99: NaN, max: NaN };
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
  return { n: sorted.length, p50: rank(0.5), p99: rank(0.99), max: sorted[sorted.length - 1]! };
}

interface HistogramSnapshot {
  buckets: Map<number, number>;
  sum: number;
  count: number;
}

async function histogramSnapshot(service: IngestService): Promise<HistogramSnapshot> {
  const { values } = await service.metrics.alertLatencyMs.get();
  const buckets = new Map<number, number>();
  let sum = 0;
  let count = 0;
  for (const v of values) {
    const name = (v as { metricName?: string }).metricName ?? '';
    if (name.endsWith('_bucket')) {
      const le = v.labels.le;
      buckets.set(le === '+Inf' || le === undefined ? Infinity : Number(le), v.value);
    } else if (name.endsWith('_sum')) sum = v.value;
    else if (name.endsWith('_count')) count = v.value;
  }
  return { buckets, sum, count };
}

/** The window's part of the cumulative histogram: count, mean and the bucket bound under which 99 % fall. */
function histogramWindow(a: HistogramSnapshot, b: HistogramSnapshot): { count: number; meanMs: number; p99AtMostMs: number } {
  const count = b.count - a.count;
  const bounds = [...b.buckets.keys()].sort((x, y) => x - y);
  let p99AtMostMs = NaN;
  for (const le of bounds) {
    if ((b.buckets.get(le) ?? 0) - (a.buckets.get(le) ?? 0) >= Math.ceil(0.99 * count)) {
      p99AtMostMs = le;
      break;
    }
  }
  return { count, meanMs: count > 0 ? (b.sum - a.sum) / count : NaN, p99AtMostMs: count > 0 ? p99AtMostMs : NaN };
}

// ---------------------------------------------------------------- one camera count

interface CameraCounters {
  decoded: number;
  gateDropped: number;
  pipelineIn: number;
  keepLatestDropped: number;
  analysed: number;
  detectMsTotal: number;
  embeddings: number;
  embedMsTotal: number;
  restarts: number;
}

interface RunResult {
  cameras: number;
  windowS: number;
  /** Why the run is not valid at all (cameras never live): no numbers. */
  broken?: string;
  decoded: number;
  gateDropped: number;
  keepLatestDropped: number;
  analysed: number;
  /** Frames not analysed out of the nominal analysisFps x window x cameras: drops of both kinds and any decoder shortfall. */
  lost: number;
  detectMsMean: number;
  embedMsMean: number;
  embeddings: number;
  expectedAppearances: number;
  alertedAppearances: number;
  duplicateAlerts: number;
  unmatchedAlerts: number;
  alertsWithoutTrackStart: number;
  /** XADD - track start (first analysed frame with the face). */
  latency: Percentiles;
  /** XADD - the moment the publisher sent the appearance's first frame (the fake camera's clip clock). */
  cameraLatency: Percentiles;
  /** Track start - the clip-clock moment: RTSP relay + decode + sampling at 5 fps, as seen by this run. */
  visibleToDetected: Percentiles;
  /** The ingest's own figure on each alert: deciding frame ts -> just before XADD. */
  decisionLatency: Percentiles;
  histogram: { count: number; meanMs: number; p99AtMostMs: number };
  cpu: { decoders: number; node: number; camera: number; redis: number; machineBusy: number; cameraProcesses: number };
  nodeThreads: Array<{ group: string; seconds: number; threads: number }>;
  /** Node event-loop delay over the window (perf_hooks), ms: how long ready work waited for the main thread. */
  eventLoop: { p50: number; p99: number; max: number };
  restarts: number;
  publisherRestarts: number;
  load1End: number;
  pass: boolean;
  why: string[];
}

interface BenchContext {
  config: LoadedConfig;
  redis: RedisClient;
  redisPid: number | undefined;
  clip: FaceClip;
  analyzer: FaceAnalyzer;
  log: (line: string) => void;
  windowS: number;
  /** A decoded analysis frame kept for the JPEG cost estimate. */
  sampleFrame?: Frame;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function counters(service: IngestService, id: string): CameraCounters {
  const w = service.worker(id);
  if (!w) return { decoded: 0, gateDropped: 0, pipelineIn: 0, keepLatestDropped: 0, analysed: 0, detectMsTotal: 0, embeddings: 0, embedMsTotal: 0, restarts: 0 };
  const s = w.source.status();
  const m = w.pipelineMetrics;
  return {
    decoded: s.framesIn,
    gateDropped: s.framesDropped,
    pipelineIn: m.framesIn,
    keepLatestDropped: m.framesDropped,
    analysed: m.framesAnalyzed,
    detectMsTotal: m.detectMsTotal,
    embeddings: m.embeddings,
    embedMsTotal: m.embedMsTotal,
    restarts: s.restarts,
  };
}

function sumDelta(before: CameraCounters[], after: CameraCounters[]): CameraCounters {
  const total: CameraCounters = { decoded: 0, gateDropped: 0, pipelineIn: 0, keepLatestDropped: 0, analysed: 0, detectMsTotal: 0, embeddings: 0, embedMsTotal: 0, restarts: 0 };
  after.forEach((a, i) => {
    const b = before[i]!;
    for (const key of Object.keys(total) as Array<keyof CameraCounters>) total[key] += a[key] - b[key];
  });
  return total;
}

interface Appearance {
  camera: string;
  person: string;
  /** Wall-clock ms at which the publisher sent the appearance's first frame. */
  atMs: number;
}

/** Every appearance of every person on each camera from its publisher's start until `untilMs`, by the clip clock. */
function appearances(cameraStarts: Map<string, number>, clip: FaceClip, untilMs: number): Appearance[] {
  const out: Appearance[] = [];
  const loopMs = clip.durationS * 1000;
  for (const [camera, startMs] of cameraStarts) {
    for (let k = 0; startMs + k * loopMs <= untilMs; k++) {
      for (const a of clip.manifest) out.push({ camera, person: a.person, atMs: startMs + k * loopMs + a.fromS * 1000 });
    }
  }
  return out;
}

async function runOnce(ctx: BenchContext, n: number, runIndex: number): Promise<RunResult> {
  const { config, redis, clip, log, windowS } = ctx;
  const ids = Array.from({ length: n }, (_, i) => `bench${runIndex}-cam${String(i + 1).padStart(2, '0')}`);
  const cameras: FakeCamera[] = [];
  const cameraStarts = new Map<string, number>();
  const publisherPids = new Map<string, number | undefined>();
  const cameraRepo = new CameraRepository(redis);
  let service: IngestService | undefined;
  try {
    // All cameras at once: each is its own RTSP server + publisher, as N real cameras would be N hosts.
    const started = await Promise.all(
      ids.map(async (id) => {
        const camera = await startFakeCamera({ clip: clip.path, path: `/${id}` });
        // The publisher was spawned just before startFakeCamera resolved: its -re clock starts about now.
        cameraStarts.set(id, Date.now());
        publisherPids.set(id, camera.publisherPid);
        return camera;
      }),
    );
    cameras.push(...started);
    for (const [i, id] of ids.entries()) await cameraRepo.upsert({ id, url: cameras[i]!.url, analysisFps: ANALYSIS_FPS, record: false });

    const ingestLog = pino({ level: 'warn', base: { bench: 'pipeline' } }, pino.destination(2));
    service = new IngestService({ config, redis, analyzer: ctx.analyzer, log: ingestLog, reconcileIntervalMs: 500 });
    const svc = service;
    await svc.start();

    const liveDeadline = Date.now() + LIVE_TIMEOUT_MS;
    const isLive = () => ids.every((id) => svc.worker(id)?.source.status().state === 'live');
    while (!isLive()) {
      if (Date.now() > liveDeadline) {
        const states = ids.map((id) => `${id}: ${svc.worker(id)?.source.status().state ?? 'not started'}`).join(', ');
        return brokenRun(n, windowS, `not every camera was live within ${LIVE_TIMEOUT_MS / 1000} s (${states})`);
      }
      await sleep(250);
    }
    if (!ctx.sampleFrame) {
      const sub = svc.worker(ids[0]!)!.source.frames$.subscribe((f) => {
        ctx.sampleFrame = f;
        sub.unsubscribe();
      });
    }
    log(`[pipeline] ${n} camera${n === 1 ? '' : 's'} live; warm-up ${WARMUP_S} s, then ${windowS} s measured`);
    await sleep(WARMUP_S * 1000);

    const cameraPids = () => new Set(cameras.flatMap((c) => [c.publisherPid, c.serverPid]).filter((p): p is number => p !== undefined));
    const meter = new CpuMeter((p) => {
      if (p.pid === ctx.redisPid) return 'redis';
      if (p.ppid !== process.pid) return undefined;
      if (cameraPids().has(p.pid) || p.comm.startsWith('python')) return 'camera';
      if (p.comm === 'ffmpeg') return 'decoder';
      return undefined;
    });
    const before = ids.map((id) => counters(svc, id));
    const histBefore = await histogramSnapshot(svc);
    const loopDelay = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
    loopDelay.enable();
    meter.start();
    const t0 = Date.now();
    const t1 = t0 + windowS * 1000;
    let nextReport = t0 + 15_000;
    while (Date.now() < t1) {
      await sleep(Math.min(1000, Math.max(0, t1 - Date.now())));
      meter.sample();
      if (Date.now() >= nextReport && Date.now() < t1 - 2000) {
        nextReport += 15_000;
        const d = sumDelta(before, ids.map((id) => counters(svc, id)));
        const s = (Date.now() - t0) / 1000;
        log(
          `[pipeline]   ${n} cam: ${s.toFixed(0)} s: decoded ${(d.decoded / s / n).toFixed(2)} fps/cam, analysed ${(d.analysed / s / n).toFixed(2)} fps/cam, ` +
            `dropped ${d.gateDropped + d.keepLatestDropped}, load ${os.loadavg()[0]!.toFixed(2)}`,
        );
      }
    }
    meter.stop();
    loopDelay.disable();
    const tEnd = Date.now();
    const after = ids.map((id) => counters(svc, id));
    const histAfter = await histogramSnapshot(svc);
    const actualWindowS = (tEnd - t0) / 1000;

    await sleep(TAIL_S * 1000);
    const alerts = (await new AlertRepository(redis).list({ since: t0 - 60_000, limit: 1000 })).filter((a) => ids.includes(a.camera));
    const sightings = (await new SightingRepository(redis).readRange({ from: t0 - 60_000, count: 10_000 })).filter((s) => ids.includes(s.camera));
    const publisherRestarts = cameras.filter((c, i) => c.publisherPid !== publisherPids.get(ids[i]!)).length;

    return summarizeRun({
      n,
      windowS: actualWindowS,
      t0,
      t1: tEnd,
      delta: sumDelta(before, after),
      histogram: histogramWindow(histBefore, histAfter),
      meter,
      alerts,
      trackStarts: new Map(sightings.map((s) => [`${s.camera}/${s.trackId}`, s.start])),
      expected: appearances(cameraStarts, clip, tEnd),
      publisherRestarts,
      loopDelay,
    });
  } finally {
    await service?.stop().catch((err: Error) => log(`[pipeline] ingest stop failed: ${err.message}`));
    await Promise.all(cameras.map((c) => c.stop()));
    for (const id of ids) await cameraRepo.remove(id).catch(() => undefined);
    const left = childProcesses(process.pid).filter((p) => /ffmpeg|python/.test(p.command));
    if (left.length > 0) log(`[pipeline] warning: child processes still running after the run: ${left.map((p) => `${p.pid} ${p.command.slice(0, 60)}`).join('; ')}`);
  }
}

function brokenRun(n: number, windowS: number, why: string): RunResult {
  const none = percentiles([]);
  return {
    cameras: n,
    windowS,
    broken: why,
    decoded: 0,
    gateDropped: 0,
    keepLatestDropped: 0,
    analysed: 0,
    lost: 1,
    detectMsMean: NaN,
    embedMsMean: NaN,
    embeddings: 0,
    expectedAppearances: 0,
    alertedAppearances: 0,
    duplicateAlerts: 0,
    unmatchedAlerts: 0,
    alertsWithoutTrackStart: 0,
    latency: none,
    cameraLatency: none,
    visibleToDetected: none,
    decisionLatency: none,
    histogram: { count: 0, meanMs: NaN, p99AtMostMs: NaN },
    cpu: { decoders: NaN, node: NaN, camera: NaN, redis: NaN, machineBusy: NaN, cameraProcesses: 0 },
    nodeThreads: [],
    eventLoop: { p50: NaN, p99: NaN, max: NaN },
    restarts: 0,
    publisherRestarts: 0,
    load1End: os.loadavg()[0] ?? 0,
    pass: false,
    why: [why],
  };
}

interface RunData {
  n: number;
  windowS: number;
  t0: number;
  t1: number;
  delta: CameraCounters;
  histogram: RunResult['histogram'];
  meter: CpuMeter;
  alerts: StoredAlert[];
  trackStarts: Map<string, number>;
  expected: Appearance[];
  publisherRestarts: number;
  loopDelay: IntervalHistogram;
}

/**
 * Matches each alert to the appearance it belongs to (same camera and person, its track starting between
 * 1 s before and show + 3 s after the appearance by the clip clock), then measures over the appearances of
 * enrolled people that began inside the window (up to APPEARANCE_MARGIN_MS before its end).
 */
function summarizeRun(d: RunData): RunResult {
  const { n, delta } = d;
  const nominal = ANALYSIS_FPS * d.windowS * n;
  const lost = Math.max(0, nominal - delta.analysed) / nominal;
  const inWindow = d.expected.filter((a) => ENROLLED.includes(a.person) && a.atMs >= d.t0 && a.atMs <= d.t1 - APPEARANCE_MARGIN_MS);
  const inWindowSet = new Set(inWindow);
  const hits = new Map<Appearance, StoredAlert[]>();
  let unmatched = 0;
  let withoutStart = 0;
  const latency: number[] = [];
  const cameraLatency: number[] = [];
  const visibleToDetected: number[] = [];
  const decision: number[] = [];
  for (const alert of d.alerts) {
    const xadd = msFromStreamId(alert.id);
    const start = d.trackStarts.get(`${alert.camera}/${alert.trackId}`);
    const at = start ?? alert.ts;
    const candidates = d.expected.filter(
      (a) => a.camera === alert.camera && a.person === alert.personName && at >= a.atMs - 1000 && at <= a.atMs + (SECONDS_PER_PERSON + 3) * 1000,
    );
    const match = candidates.sort((a, b) => Math.abs(at - a.atMs) - Math.abs(at - b.atMs))[0];
    if (!match) {
      if (xadd >= d.t0 && xadd <= d.t1) unmatched += 1;
      continue;
    }
    if (!inWindowSet.has(match)) continue;
    hits.set(match, [...(hits.get(match) ?? []), alert]);
    if (hits.get(match)!.length > 1) continue; // a duplicate: its latency is not a "first alert"
    cameraLatency.push(xadd - match.atMs);
    if (alert.latencyMs !== undefined) decision.push(alert.latencyMs);
    if (start === undefined) {
      withoutStart += 1;
      continue;
    }
    latency.push(xadd - start);
    visibleToDetected.push(start - match.atMs);
  }
  const lat = percentiles(latency);
  const result: RunResult = {
    cameras: n,
    windowS: d.windowS,
    decoded: delta.decoded,
    gateDropped: delta.gateDropped,
    keepLatestDropped: delta.keepLatestDropped,
    analysed: delta.analysed,
    lost,
    detectMsMean: delta.analysed > 0 ? delta.detectMsTotal / delta.analysed : NaN,
    embedMsMean: delta.embeddings > 0 ? delta.embedMsTotal / delta.embeddings : NaN,
    embeddings: delta.embeddings,
    expectedAppearances: inWindow.length,
    alertedAppearances: hits.size,
    duplicateAlerts: [...hits.values()].reduce((s, list) => s + list.length - 1, 0),
    unmatchedAlerts: unmatched,
    alertsWithoutTrackStart: withoutStart,
    latency: lat,
    cameraLatency: percentiles(cameraLatency),
    visibleToDetected: percentiles(visibleToDetected),
    decisionLatency: percentiles(decision),
    histogram: d.histogram,
    cpu: {
      decoders: d.meter.secondsOf('decoder'),
      node: d.meter.nodeSeconds(),
      camera: d.meter.secondsOf('camera'),
      redis: d.meter.secondsOf('redis'),
      machineBusy: d.meter.machineBusy(),
      cameraProcesses: d.meter.processesOf('camera'),
    },
    nodeThreads: d.meter.nodeThreads(),
    eventLoop: { p50: lag(d.loopDelay.percentile(50)), p99: lag(d.loopDelay.percentile(99)), max: lag(d.loopDelay.max) },
    restarts: delta.restarts,
    publisherRestarts: d.publisherRestarts,
    load1End: os.loadavg()[0] ?? 0,
    pass: false,
    why: [],
  };
  if (lost >= MAX_LOST) result.why.push(`${pct(lost)} of frames not analysed`);
  if (lat.n === 0) result.why.push('no alert with a measured latency');
  else if (!(lat.p99 < MAX_P99_MS)) result.why.push(`p99 latency ${ms(lat.p99)}`);
  if (inWindow.length > 0 && hits.size < inWindow.length * 0.5) result.why.push(`only ${hits.size} of ${inWindow.length} appearances alerted`);
  result.pass = result.why.length === 0;
  return result;
}

// ---------------------------------------------------------------- formatting

const pct = (x: number, digits = 1): string => (Number.isFinite(x) ? `${(x * 100).toFixed(digits)} %` : 'n/a');
const ms = (x: number): string => (Number.isFinite(x) ? `${Math.round(x)} ms` : 'n/a');
const num = (x: number, digits = 2): string => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
const plural = (k: number, word: string): string => `${k} ${word}${k === 1 ? '' : 's'}`;

/** Share of the machine's cores that `seconds` of CPU over the window amounts to. */
const coreShare = (seconds: number, r: RunResult, cores: number): string => pct(seconds / (r.windowS * cores), 0);

function latencyCell(p: Percentiles): string {
  return p.n === 0 ? 'n/a' : `${Math.round(p.p50)} / ${Math.round(p.p99)} (${p.n})`;
}

interface Report {
  runs: RunResult[];
  clip: FaceClip;
  config: LoadedConfig;
  cores: number;
  durationS: number;
  jpegMs: { wallMs: number; cpuMs: number } | undefined;
  explicitSeries: boolean;
}

function largestPassing(runs: RunResult[]): number | undefined {
  // The largest count that passed with every smaller count tested also passing (noise above a failure does not count).
  let best: number | undefined;
  for (const r of [...runs].sort((a, b) => a.cameras - b.cameras)) {
    if (!r.pass) break;
    best = r.cameras;
  }
  return best;
}

function formatReport(rep: Report): string {
  const { runs, clip, config, cores } = rep;
  const lines: string[] = [];
  const best = largestPassing(runs);
  const enrolled = ENROLLED.join(' and ');
  const loop = clip.durationS;
  lines.push('## Pipeline: cameras per machine, frames lost and alert latency', '');
  lines.push(
    `Setup, all real and all on this machine: one H.264 clip, ${clip.width}x${clip.height} at ${clip.fps} fps (keyframe every second, no B-frames), ` +
      `${loop} s looped: ${CLIP_PEOPLE.join(', ')} (photo 1 of each) shown alone for ${SECONDS_PER_PERSON} s each, ${GAP_SECONDS} s of empty background before each and at the end. ` +
      `Each camera is its own fake RTSP camera (\`startFakeCamera\`: GStreamer RTSP server on loopback + an ffmpeg publisher sending the clip with \`-re -stream_loop -1 -c copy\`), ` +
      `started at its own moment, so appearances are staggered across cameras. ` +
      `A real \`IngestService\` (one node process) runs every camera: per camera one ffmpeg reads RTSP over TCP, decodes the full 1080p25 stream and outputs ${config.ingest.analysisWidth}-wide RGB at ${ANALYSIS_FPS} fps; ` +
      `analysis: UltraFace detection + landmarks on every frame, tracking, ArcFace embeddings batched across cameras (max batch ${config.embedding.maxBatch}), HNSW gallery, alerts and sightings to a local redis-server, live-view JPEG at ${config.ingest.liveViewFps} fps per camera. ` +
      `${enrolled} are enrolled (photos 2 to 5), so each of their appearances should raise one alert (cooldown 0); the others are unknown. ` +
      `Inference: ${config.inference.providers.join(',')}, ${config.inference.intraOpThreads} intra-op threads.`,
    '',
    `Per camera count: all cameras live, ${WARMUP_S} s warm-up, then a ${runs[0]?.windowS.toFixed(0) ?? '?'} s measured window; the run ends ${TAIL_S} s later so tracks alerted in the window close and store their sighting.`,
    '',
    'How each figure is taken:',
    '',
    `- **decoded / analysed fps**: frames out of ffmpeg (CameraSource \`framesIn\`) and frames analysed (pipeline \`framesAnalyzed\`) per camera per second over the window (nominal ${ANALYSIS_FPS}).`,
    `- **frames lost**: 1 - analysed / (${ANALYSIS_FPS} fps x window x cameras): the keep-latest drops while analysis is busy, the source's burst drops and any shortfall of the decoder itself (a decoder that falls behind delivers fewer frames); the count of each drop kind is given. Criterion: under ${pct(MAX_LOST, 0)}.`,
    `- **alert latency**: (time of the alert's XADD, the ms part of its Redis stream id, same clock) - (track start: the frame timestamp of the first analysed frame in which the tracker saw that face, i.e. \`sighting.start\` of the alert's track; a frame's timestamp is when its decoded RGB reached node). p50 / p99 nearest rank (with fewer than 100 samples p99 is the maximum), sample count in brackets. Only the first alert of each appearance counts. Criterion: p99 under ${ms(MAX_P99_MS)}.`,
    `- **camera -> alert**: XADD - the moment the fake camera's publisher sent the appearance's first frame, from the clip clock (publisher start + loop x ${loop} s + the appearance's offset in the clip; \`-re\` paces the publisher in real time). It adds what the track start misses: the RTSP relay (GStreamer jitter buffer 200 ms), ffmpeg's demux and decode delay, the wait for the next 5 fps sample and frames dropped before the face was first detected. Its first column is that added part alone (camera -> track start, p50 / p99). The clip clock starts when the publisher is spawned, so both also include the publisher's own start-up (launching ffmpeg, opening the clip: about 0.1 to 0.3 s): upper bounds.`,
    `- **decision frame -> XADD**: the ingest's own \`latencyMs\` on each alert (frame timestamp of the frame whose embedding decided the identity -> just before XADD); the ingest's \`argus_alert_latency_ms\` histogram over the window gives the mean and the bucket bound under which 99 % fall.`,
    `- **appearances alerted**: appearances of ${enrolled} that began in the window (up to ${APPEARANCE_MARGIN_MS / 1000} s before its end), by the clip clock, with at least one alert for the right person whose track started near the appearance; duplicates (a second alert for one appearance) and alerts that match no appearance (a wrong person) are listed.`,
    `- **CPU**: over the window, as a share of the machine's ${cores} cores (100 % = all cores busy): *decode* = the ingest's ffmpeg processes (/proc/PID/stat utime + stime, sampled every second); *analysis* = the node process itself (\`process.cpuUsage()\`, all its threads: JavaScript, onnxruntime, libuv pool for JPEG, GC); *camera simulation* = the fake cameras (GStreamer servers + ffmpeg publishers), which on a real deployment run on the cameras; *redis* = the redis-server; *machine* = all busy time of all processes (from /proc/stat), so *machine* minus the rest is other work on the machine.`,
    '',
    `The fake cameras run on the same ${cores} cores and compete with Argus for them; their CPU is shown, and it makes every figure here conservative (a real deployment gets those cycles back). ` +
      'This machine is shared with other engineers\' builds and tests: the machine column and the load averages show how much else ran.',
    '',
    '### Throughput and latency',
    '',
    '| cameras | decoded fps / camera | analysed fps / camera | frames lost (keep-latest drops, burst drops) | appearances alerted (duplicates, wrong) | alert latency, track start -> XADD, ms p50 / p99 | camera -> track start, ms p50 / p99 | camera -> alert, ms p50 / p99 | decision frame -> XADD, ms p50 / p99; histogram mean, p99 <= | detect + landmarks ms / frame; embed ms / face (wall) | result |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const r of runs) {
    if (r.broken) {
      lines.push(`| ${r.cameras} | | | | | | | | | | **fail**: ${r.broken} |`);
      continue;
    }
    const perCam = (x: number) => num(x / r.windowS / r.cameras);
    const h = r.histogram;
    lines.push(
      `| ${r.cameras} | ${perCam(r.decoded)} | ${perCam(r.analysed)} | ${pct(r.lost)} (${r.keepLatestDropped}, ${r.gateDropped}) | ` +
        `${r.alertedAppearances} / ${r.expectedAppearances} (${r.duplicateAlerts}, ${r.unmatchedAlerts}) | **${latencyCell(r.latency)}** | ${latencyCell(r.visibleToDetected)} | ${latencyCell(r.cameraLatency)} | ` +
        `${latencyCell(r.decisionLatency)}; ${ms(h.meanMs)}, ${Number.isFinite(h.p99AtMostMs) ? ms(h.p99AtMostMs) : 'n/a'} | ${num(r.detectMsMean, 1)}; ${num(r.embedMsMean, 1)} (${r.embeddings}) | ` +
        `${r.pass ? '**pass**' : `**fail**: ${r.why.join('; ')}`} |`,
    );
  }
  lines.push('');

  lines.push('### CPU over the window, share of all cores', '');
  lines.push(
    '| cameras | decode (ffmpeg) | analysis (node) | Argus total | Argus per camera | camera simulation | redis | machine (everything) | other work | decode per camera, % of one core | node CPU ms per analysed frame | load avg at end |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const r of runs) {
    if (r.broken) continue;
    const c = r.cpu;
    const argus = c.decoders + c.node;
    const ours = argus + c.camera + c.redis;
    const other = c.machineBusy * r.windowS * cores - ours;
    lines.push(
      `| ${r.cameras} | ${coreShare(c.decoders, r, cores)} | ${coreShare(c.node, r, cores)} | ${coreShare(argus, r, cores)} | ${coreShare(argus / r.cameras, r, cores)} | ` +
        `${coreShare(c.camera, r, cores)} | ${coreShare(c.redis, r, cores)} | ${pct(c.machineBusy, 0)} | ${coreShare(Math.max(0, other), r, cores)} | ` +
        `${pct(c.decoders / r.windowS / r.cameras, 1)} | ${num((c.node * 1000) / Math.max(1, r.analysed), 1)} | ${num(r.load1End)} |`,
    );
  }
  lines.push('');

  lines.push('### Where the node process spends its CPU (threads, share of all cores)', '');
  lines.push('| cameras | event-loop delay, ms p50 / p99 / max | by thread group |', '|---|---|---|');
  for (const r of runs) {
    if (r.broken) continue;
    const groups = r.nodeThreads.filter((g) => g.seconds / (r.windowS * cores) >= 0.005);
    const el = r.eventLoop;
    lines.push(`| ${r.cameras} | ${num(el.p50, 0)} / ${num(el.p99, 0)} / ${num(el.max, 0)} | ${groups.map((g) => `${g.group} ${coreShare(g.seconds, r, cores)} (${plural(g.threads, 'thread')})`).join('; ')} |`);
  }
  lines.push(
    '',
    'Threads grouped by their Linux name (/proc/self/task); Node 20 calls all of its own threads `node`. onnxruntime-node 1.30 runs `session.run()` synchronously on the main thread ' +
      '(its async `run` only defers the call with `setImmediate`), with the intra-op pool adding threads: so the main thread carries all JavaScript (frame reassembly, RxJS, tracking, Redis client) ' +
      'and the calling thread\'s share of every inference, and while a model runs no frame, alert or status write of any camera is handled. ' +
      `Event-loop delay (\`perf_hooks.monitorEventLoopDelay\`, sampled every ${LOOP_DELAY_RESOLUTION_MS} ms, the interval itself subtracted) is how late the main thread picked up ready work over the window.`,
    '',
  );
  if (rep.jpegMs) {
    lines.push(
      `Live-view JPEG cost, measured after the runs: one ${config.ingest.analysisWidth}-wide analysis frame to JPEG (quality 75, \`encodeJpeg\`, sharp) takes ${num(rep.jpegMs.wallMs, 1)} ms wall, ${num(rep.jpegMs.cpuMs, 1)} ms CPU; ` +
        `at ${config.ingest.liveViewFps} fps per camera that is ${pct((rep.jpegMs.cpuMs * config.ingest.liveViewFps) / 1000 / cores, 1)} of the machine per camera.`,
      '',
    );
  }
  const anyRestarts = runs.some((r) => r.restarts > 0 || r.publisherRestarts > 0);
  if (anyRestarts) {
    lines.push(
      `Restarts during the windows: ${runs.map((r) => `${r.cameras} cameras: ${r.restarts} decoder, ${r.publisherRestarts} publisher`).join('; ')} (a restarted publisher shifts that camera's clip clock, so its camera -> alert figures are off).`,
      '',
    );
  }
  if (runs.some((r) => r.alertsWithoutTrackStart > 0)) {
    lines.push(`Alerts whose track had no sighting yet when read (left out of the track-start latency): ${runs.map((r) => `${r.cameras} cameras: ${r.alertsWithoutTrackStart}`).join('; ')}.`, '');
  }

  lines.push('### Result', '');
  const tested = runs.map((r) => r.cameras).join(', ');
  const failedAbove = best === undefined ? runs[0] : runs.find((r) => r.cameras > best && !r.pass);
  lines.push(
    `- Largest camera count meeting the criteria (frames lost < ${pct(MAX_LOST, 0)}, p99 alert latency < ${ms(MAX_P99_MS)}, and at least half the appearances alerted, so that the latency is not taken on a few lucky alerts), every smaller count tested also meeting them: ` +
      `**${best === undefined ? 'none' : `${best} camera${best === 1 ? '' : 's'}`}** (counts tested: ${tested}${rep.explicitSeries ? ', as asked on the command line' : ''}).` +
      (failedAbove ? ` First failing count: ${failedAbove.cameras} (${failedAbove.why.join('; ')}).` : ' No tested count failed; the limit lies higher.'),
    `- Goal of ${GOAL_CAMERAS} cameras (1080p25, analysed at ${ANALYSIS_FPS} fps) on this ${cores}-core machine: **${best !== undefined && best >= GOAL_CAMERAS ? 'met' : 'not met'}**` +
      (best !== undefined && best >= GOAL_CAMERAS ? '.' : best === undefined ? '.' : ` (${best} of ${GOAL_CAMERAS}).`),
  );
  const atBest = runs.find((r) => r.cameras === best && !r.broken);
  if (atBest) {
    const perCore = (seconds: number) => pct(seconds / atBest.windowS / atBest.cameras, 1);
    lines.push(
      `- Cost per camera at ${plural(atBest.cameras, 'camera')}, in % of one core: decode (ffmpeg) ${perCore(atBest.cpu.decoders)}, analysis (node) ${perCore(atBest.cpu.node)}, ` +
        `camera simulation ${perCore(atBest.cpu.camera)}; the whole machine was ${pct(atBest.cpu.machineBusy, 0)} busy, ` +
        `${coreShare(Math.max(0, atBest.cpu.machineBusy * atBest.windowS * cores - atBest.cpu.decoders - atBest.cpu.node - atBest.cpu.camera - atBest.cpu.redis), atBest, cores)} of it other work.`,
    );
  }
  if (failedAbove && !failedAbove.broken) {
    const f = failedAbove;
    const first = runs.find((r) => !r.broken);
    lines.push(
      `- At ${f.cameras} cameras the machine was ${pct(f.cpu.machineBusy, 0)} busy (Argus ${coreShare(f.cpu.decoders + f.cpu.node, f, cores)}, camera simulation ${coreShare(f.cpu.camera, f, cores)}, ` +
        `other work ${coreShare(Math.max(0, f.cpu.machineBusy * f.windowS * cores - f.cpu.decoders - f.cpu.node - f.cpu.camera - f.cpu.redis), f, cores)}); ` +
        `detection + landmarks took ${num(f.detectMsMean, 1)} ms wall per frame (${num(first?.detectMsMean ?? NaN, 1)} ms at ${first?.cameras ?? '?'} camera${first?.cameras === 1 ? '' : 's'}) and the event loop lagged up to ${num(f.eventLoop.max, 0)} ms (p99 ${num(f.eventLoop.p99, 0)} ms).`,
    );
  }
  lines.push(
    '',
    `Run time ${rep.durationS.toFixed(0)} s.`,
    '',
  );
  return lines.join('\n');
}

// ---------------------------------------------------------------- the benchmark

function validate(options: PipelineBenchOptions): { cameras?: number[]; windowS: number } {
  const windowS = options.seconds ?? DEFAULT_WINDOW_S;
  if (!Number.isInteger(windowS) || windowS < 10 || windowS > 600) {
    throw new PipelineBenchError('BENCH_BAD_OPTION', `--seconds=${windowS}: the measured window must be a whole number of seconds from 10 to 600 (default ${DEFAULT_WINDOW_S})`);
  }
  if (options.cameras?.some((n) => !Number.isInteger(n) || n < 1 || n > 64)) {
    throw new PipelineBenchError('BENCH_BAD_OPTION', `--cameras=${options.cameras.join(',')}: camera counts must be whole numbers from 1 to 64`);
  }
  return { cameras: options.cameras, windowS };
}

async function enroll(watchlist: WatchlistRepository, analyzer: FaceAnalyzer, fixtures: string, name: string): Promise<void> {
  const person = await watchlist.createPerson({ name });
  for (let i = 2; i <= 5; i++) {
    const path = join(fixtures, 'faces', 'bbt', name, `${i}.png`);
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch {
      throw new PipelineBenchError('BENCH_FIXTURE_MISSING', `${path} not found; point ARGUS_FIXTURES (paths.fixtures) at the test data folder (../shared/data, see its README.md)`);
    }
    const { faces } = await analyzer.analyzeEncoded(bytes, { embed: true });
    const face = faces[0];
    if (!face?.embedding) throw new PipelineBenchError('BENCH_FIXTURE_MISSING', `no face found in ${path}; the fixtures are not the expected ones`);
    await watchlist.addFace({ personId: person.id, embedding: face.embedding, quality: face.quality.score, imagePath: `faces/${name}-${i}.jpg` });
  }
}

async function measureJpeg(frame: Frame): Promise<{ wallMs: number; cpuMs: number }> {
  const image = { width: frame.width, height: frame.height, data: frame.data };
  for (let i = 0; i < 3; i++) await encodeJpeg(image, 75);
  const rounds = 30;
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < rounds; i++) await encodeJpeg(image, 75);
  const wallMs = (performance.now() - start) / rounds;
  const used = process.cpuUsage(cpu);
  return { wallMs, cpuMs: (used.user + used.system) / 1000 / rounds };
}

export async function runPipelineBench(options: PipelineBenchOptions = {}): Promise<string> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const { cameras: explicit, windowS } = validate(options);
  try {
    readFileSync('/proc/stat');
  } catch {
    throw new PipelineBenchError('BENCH_NO_PROC', 'this benchmark reads CPU time from /proc (Linux only); run it on Linux');
  }
  const began = Date.now();
  const cores = os.availableParallelism();
  const dataDir = mkdtempSync(join(os.tmpdir(), 'argus-bench-pipeline-'));
  const config = loadConfig({
    env: { ...process.env, ARGUS_DATA_DIR: dataDir, ARGUS_ALERTS__COOLDOWN_MS: '0', ARGUS_LOG_LEVEL: 'warn' },
  });
  let server: LocalRedis | undefined;
  let redis: RedisClient | undefined;
  let analyzer: FaceAnalyzer | undefined;
  const runs: RunResult[] = [];
  try {
    log(`[pipeline] building (or reusing) the ${CLIP_WIDTH}x${CLIP_HEIGHT} ${CLIP_FPS} fps face clip`);
    const clip = await makeFaceClip({
      fixturesDir: config.resolved.fixtures,
      outDir: join(os.tmpdir(), 'argus-bench-clips'),
      people: CLIP_PEOPLE.map((name) => ({ name, photo: 1 })),
      secondsPerPerson: SECONDS_PER_PERSON,
      gapSeconds: GAP_SECONDS,
      width: CLIP_WIDTH,
      height: CLIP_HEIGHT,
      fps: CLIP_FPS,
    });
    server = await startLocalRedis({ dir: join(dataDir, 'redis'), appendOnly: false });
    redis = await connectRedis(server.url, { log: silentLog, connectTimeoutMs: 5000 });
    const redisPid = await redisProcessId(server.port);
    analyzer = await FaceAnalyzer.create(config);
    const watchlist = new WatchlistRepository(redis);
    for (const name of ENROLLED) await enroll(watchlist, analyzer, config.resolved.fixtures, name);
    await watchlist.close();
    log(`[pipeline] clip ${clip.path} (${clip.durationS} s loop); redis ${server.url}; enrolled ${ENROLLED.join(', ')}; ${windowS} s per camera count`);

    const ctx: BenchContext = { config, redis, redisPid, clip, analyzer, log, windowS };
    const runMs = (n: number) => (WARMUP_S + windowS + TAIL_S + 10 + n * 0.5) * 1000;
    let runIndex = 0;
    const run = async (n: number): Promise<RunResult> => {
      log(`[pipeline] ${n} camera${n === 1 ? '' : 's'}: starting (${((Date.now() - began) / 1000).toFixed(0)} s elapsed)`);
      const r = await runOnce(ctx, n, ++runIndex);
      runs.push(r);
      log(
        r.broken
          ? `[pipeline] ${plural(n, 'camera')}: FAIL: ${r.broken}`
          : `[pipeline] ${plural(n, 'camera')}: ${r.pass ? 'pass' : `FAIL (${r.why.join('; ')})`}: lost ${pct(r.lost)}, latency p50/p99 ${ms(r.latency.p50)}/${ms(r.latency.p99)} ` +
              `(${r.latency.n}), alerted ${r.alertedAppearances}/${r.expectedAppearances}, decode ${coreShare(r.cpu.decoders, r, cores)}, node ${coreShare(r.cpu.node, r, cores)}, ` +
              `cameras ${coreShare(r.cpu.camera, r, cores)}, machine ${pct(r.cpu.machineBusy, 0)}`,
      );
      return r;
    };
    const fits = (n: number) => Date.now() - began + runMs(n) <= BUDGET_MS;

    if (explicit) {
      for (const n of explicit) await run(n);
    } else {
      let lastPass: number | undefined;
      let firstFail: number | undefined;
      for (const n of LADDER) {
        if (!fits(n)) {
          log(`[pipeline] time budget reached; not running ${n} cameras`);
          break;
        }
        const r = await run(n);
        if (!r.pass) {
          firstFail = n;
          break;
        }
        lastPass = n;
      }
      // One look between the last pass and the first failure, e.g. 7 when 6 passed and 8 failed.
      const between = firstFail !== undefined ? Math.floor(((lastPass ?? 0) + firstFail) / 2) : undefined;
      if (between !== undefined && between > (lastPass ?? 0) && between < firstFail! && between >= 1) {
        if (fits(between)) await run(between);
        else log(`[pipeline] time budget reached; not running ${between} cameras`);
      }
      runs.sort((a, b) => a.cameras - b.cameras);
    }

    const jpegMs = ctx.sampleFrame ? await measureJpeg(ctx.sampleFrame) : undefined;
    return formatReport({ runs, clip, config, cores, durationS: (Date.now() - began) / 1000, jpegMs, explicitSeries: explicit !== undefined });
  } finally {
    await analyzer?.dispose().catch(() => undefined);
    if (redis?.isOpen) redis.destroy();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
