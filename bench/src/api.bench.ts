// API benchmark: how many alerts/s the WebSocket gateway fans out to 100 clients on loopback (loss, latency,
// slow-client drops), against raw Redis XADD -> XREAD with one reader in the same run; and enrolment photos/s
// through POST /api/watchlist against FaceAnalyzer.analyzeEncoded on the same photos in the same run.
//
// Three processes, so that the load generator does not share the gateway's event loop: this one runs
// redis-server (a child), the api (createServer, real FaceAnalyzer) and the orchestration; a forked
// "publisher" writes alerts; a forked "clients" process holds the WebSocket clients and the raw Redis reader.
// The children are this same file, forked with ARGUS_API_BENCH_ROLE set.
import { fork, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pino from 'pino';
import WebSocket from 'ws';
import { createServer, WS_PATH, type ApiServer } from '@argus/api';
import { loadConfig, repoRoot } from '@argus/config';
import type { NewAlert } from '@argus/protocol';
import { AlertRepository, connectRedis, redisProcessId, silentLog, startLocalRedis, type LocalRedis, type RedisClient } from '@argus/store';
import { FaceAnalyzer } from '@argus/vision';

export interface ApiBenchOptions {
  /** Alert rates (alerts/s) to try, in order; the ladder stops after the first rate the gateway fails, then tries the rate halfway back once. */
  rates?: number[];
  /** Seconds of publishing per rate (default 5). */
  seconds?: number;
  /** WebSocket clients (default 100). */
  clients?: number;
  /** Rounds of the enrolment measurements (default 3). */
  rounds?: number;
  log?: (line: string) => void;
}

export class ApiBenchError extends Error {
  constructor(
    readonly code: 'BENCH_BAD_OPTION' | 'BENCH_FIXTURE_MISSING' | 'BENCH_CHILD_FAILED' | 'BENCH_CLIENTS_FAILED' | 'BENCH_ENROLL_FAILED',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ApiBenchError';
  }
}

const DEFAULT_RATES = [100, 250, 500, 1000, 2000, 5000, 10000, 20000];
const DEFAULT_SECONDS = 5;
const DEFAULT_CLIENTS = 100;
const DEFAULT_ROUNDS = 3;
/** Pass criterion per rate: every client receives every alert exactly once, none dropped, p99 at most this. */
const MAX_P99_MS = 100;
/** The publisher must reach this share of the asked rate, or the row says the publisher, not the gateway, was the limit. */
const MIN_PUBLISH_SHARE = 0.95;
/** After the last publish: stop waiting when nothing arrived for this long, or after DRAIN_CAP_MS. */
const DRAIN_IDLE_MS = 1500;
const DRAIN_CAP_MS = 15_000;
const FLAT_OUT_DRAIN_CAP_MS = 30_000;
/** Flat-out runs: alerts published as fast as the publisher can with this many XADDs in flight. */
const FLAT_OUT_INFLIGHT = 256;
const FLAT_OUT_RAW = 50_000;
const FLAT_OUT_GATEWAY = 5_000;
/** No new rate is started once the alert part has run this long (the whole run must stay near 5 minutes). */
const ALERT_BUDGET_MS = 150_000;
/** Paced publishing keeps at most this many XADDs in flight; beyond it the publisher is behind. */
const PACED_MAX_INFLIGHT = 2_000;
const RAW_KEY = 'argus:bench:raw-alerts';
const STREAM_MAX_LEN = 100_000;
const TOKEN = 'bench-admin-token-0123456789abcdef';
const ROLE_ENV = 'ARGUS_API_BENCH_ROLE';

const ENROLL_PERSONS = ['amy', 'bernadette', 'howard', 'leonard', 'penny', 'raj', 'sheldon', 'stuart'] as const;
const PHOTOS_PER_PERSON = 5;
const CONCURRENCY = 4;

/** Wall clock with sub-ms resolution, comparable across processes (same machine, same system clock). */
const clock = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ---- messages between the processes ------------------------------------------------------------------------

type Kind = 'gateway' | 'raw';

interface PublishRequest {
  cmd: 'publish';
  kind: Kind;
  phase: number;
  count: number;
  /** alerts/s; 0: flat out. */
  rate: number;
}

interface PublishResult {
  count: number;
  errors: number;
  firstAt: number;
  /** When the last XADD was issued. */
  lastIssuedAt: number;
  /** When the last XADD was answered. */
  doneAt: number;
  /** Furthest the publisher fell behind its schedule, ms. */
  maxBehindMs: number;
  cpuMs: number;
}

interface PhaseReport {
  receivers: number;
  expected: number;
  received: number;
  missing: number;
  duplicates: number;
  /** Alerts of another phase, or unreadable messages. */
  stray: number;
  /** Receivers that received every alert exactly once. */
  complete: number;
  minPerReceiver: number;
  closed: number;
  firstAt: number;
  lastAt: number;
  p50: number;
  p99: number;
  max: number;
  min: number;
  cpuMs: number;
  elu: number;
}

type ChildRequest =
  | { cmd: 'connect'; wsUrl: string; clients: number }
  | { cmd: 'begin'; kind: Kind; phase: number; expected: number }
  | { cmd: 'progress' }
  | { cmd: 'end' }
  | PublishRequest
  | { cmd: 'setup'; redisUrl: string }
  | { cmd: 'close' };

interface Envelope {
  id: number;
  request: ChildRequest;
}

interface Reply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

function benchAlert(phase: number, seq: number, ts: number): NewAlert {
  // Realistic field sizes (ids are UUID-long), so messages weigh what real alerts weigh (about 330 bytes).
  const n = String(seq).padStart(12, '0');
  return {
    camera: 'bench-camera',
    personId: `00000000-0000-4000-8000-${n}`,
    personName: 'Bench Person',
    score: 0.43,
    ts,
    trackId: `${phase}:${seq}`,
    faceId: `11111111-1111-4111-8111-${n}`,
    thumbUrl: `/api/images/thumbs/22222222-2222-4222-8222-${n}.jpg`,
    latencyMs: 180,
  };
}

/** The same fields AlertRepository writes, for the raw baseline (no validation, its own stream key). */
function rawFields(a: NewAlert): Record<string, string> {
  return {
    camera: a.camera,
    person: a.personId,
    personName: a.personName,
    score: String(a.score),
    ts: String(a.ts),
    track: a.trackId,
    face: a.faceId ?? '',
    thumbUrl: a.thumbUrl ?? '',
    latencyMs: String(a.latencyMs ?? 0),
  };
}

// ---- child: publisher ---------------------------------------------------------------------------------------

async function publisherRole(): Promise<void> {
  let redis: RedisClient | undefined;
  let alerts: AlertRepository | undefined;
  await serveRequests(async (request) => {
    if (request.cmd === 'setup') {
      redis = await connectRedis(request.redisUrl, { log: silentLog, name: 'bench-publisher' });
      alerts = new AlertRepository(redis, { maxLen: STREAM_MAX_LEN });
      return {};
    }
    if (request.cmd === 'publish') {
      if (!redis || !alerts) throw new Error('publisher: setup first');
      return publish(redis, alerts, request);
    }
    if (request.cmd === 'close') {
      if (redis?.isOpen) redis.destroy();
      return {};
    }
    throw new Error(`publisher: unknown command ${request.cmd}`);
  });
}

async function publish(redis: RedisClient, alerts: AlertRepository, r: PublishRequest): Promise<PublishResult> {
  const cpu0 = process.cpuUsage();
  const flatOut = r.rate === 0;
  const maxInflight = flatOut ? FLAT_OUT_INFLIGHT : PACED_MAX_INFLIGHT;
  let inflight = 0;
  let errors = 0;
  let sent = 0;
  let maxBehindMs = 0;
  let lastIssuedAt = 0;
  let wake: (() => void) | undefined;
  const settled = () => {
    inflight--;
    wake?.();
  };
  const t0 = clock();
  const issue = () => {
    const ts = clock();
    const alert = benchAlert(r.phase, sent, ts);
    const done = r.kind === 'gateway'
      ? alerts.publish(alert)
      : redis.xAdd(RAW_KEY, '*', rawFields(alert), { TRIM: { strategy: 'MAXLEN', strategyModifier: '~', threshold: STREAM_MAX_LEN } });
    inflight++;
    done.then(settled, () => {
      errors++;
      settled();
    });
    sent++;
    lastIssuedAt = ts;
  };
  while (sent < r.count) {
    if (flatOut) {
      while (sent < r.count && inflight < maxInflight) issue();
      // Wait for a slot: the next answer.
      if (sent < r.count) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      continue;
    }
    const now = clock();
    const due = Math.min(r.count, Math.floor(((now - t0) / 1000) * r.rate) + 1);
    if (due > sent) maxBehindMs = Math.max(maxBehindMs, now - (t0 + (sent / r.rate) * 1000));
    while (sent < due && inflight < maxInflight) issue();
    // setTimeout(1) wakes every 1-2 ms: a handful of alerts per wake-up at the top rates, sent in one pipeline.
    await sleep(1);
  }
  while (inflight > 0) await new Promise<void>((resolve) => (wake = resolve));
  const doneAt = clock();
  const cpu = process.cpuUsage(cpu0);
  return { count: sent, errors, firstAt: t0, lastIssuedAt, doneAt, maxBehindMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

// ---- child: clients (WebSocket clients + raw Redis reader) --------------------------------------------------

class PhaseTally {
  readonly counts: Uint8Array[];
  readonly latencies: Float32Array;
  latencyN = 0;
  received = 0;
  stray = 0;
  firstAt = Infinity;
  lastAt = 0;
  readonly cpu0 = process.cpuUsage();
  readonly elu0 = performance.eventLoopUtilization();

  constructor(
    readonly kind: Kind,
    readonly phase: number,
    readonly expected: number,
    receivers: number,
  ) {
    this.counts = Array.from({ length: receivers }, () => new Uint8Array(expected));
    this.latencies = new Float32Array(receivers * expected);
  }

  record(receiver: number, phase: number, seq: number, ts: number, now: number): void {
    const counts = this.counts[receiver];
    if (phase !== this.phase || !counts || !(seq >= 0 && seq < this.expected)) {
      this.stray++;
      return;
    }
    if (counts[seq]! < 255) counts[seq]!++;
    if (this.latencyN < this.latencies.length) this.latencies[this.latencyN++] = now - ts;
    this.received++;
    if (now < this.firstAt) this.firstAt = now;
    if (now > this.lastAt) this.lastAt = now;
  }

  report(closed: number): PhaseReport {
    let missing = 0;
    let duplicates = 0;
    let complete = 0;
    let minPerReceiver = Infinity;
    for (const counts of this.counts) {
      let got = 0;
      let exact = true;
      for (let i = 0; i < counts.length; i++) {
        const c = counts[i]!;
        if (c === 0) missing++;
        else got++;
        if (c > 1) duplicates += c - 1;
        if (c !== 1) exact = false;
      }
      if (exact) complete++;
      minPerReceiver = Math.min(minPerReceiver, got);
    }
    const lat = this.latencies.subarray(0, this.latencyN).sort();
    const rank = (q: number) => (lat.length === 0 ? NaN : lat[Math.min(lat.length - 1, Math.max(0, Math.ceil(q * lat.length) - 1))]!);
    const cpu = process.cpuUsage(this.cpu0);
    return {
      receivers: this.counts.length,
      expected: this.expected,
      received: this.received,
      missing,
      duplicates,
      stray: this.stray,
      complete,
      minPerReceiver: this.counts.length === 0 ? 0 : minPerReceiver,
      closed,
      firstAt: this.firstAt,
      lastAt: this.lastAt,
      p50: rank(0.5),
      p99: rank(0.99),
      max: lat.length ? lat[lat.length - 1]! : NaN,
      min: lat.length ? lat[0]! : NaN,
      cpuMs: (cpu.user + cpu.system) / 1000,
      elu: performance.eventLoopUtilization(this.elu0).utilization,
    };
  }
}

/** Reads `"ts":<number>` and `"trackId":"<phase>:<seq>"` from a gateway alert message without a full JSON.parse. */
function parseAlertMessage(text: string): { phase: number; seq: number; ts: number } | undefined {
  if (!text.startsWith('{"type":"alert"')) return undefined;
  const tsAt = text.indexOf('"ts":');
  const trackAt = text.indexOf('"trackId":"');
  if (tsAt < 0 || trackAt < 0) return undefined;
  const ts = parseFloat(text.slice(tsAt + 5, tsAt + 40));
  const end = text.indexOf('"', trackAt + 11);
  const track = text.slice(trackAt + 11, end);
  const colon = track.indexOf(':');
  const phase = Number(track.slice(0, colon));
  const seq = Number(track.slice(colon + 1));
  return Number.isFinite(ts) && Number.isInteger(phase) && Number.isInteger(seq) ? { phase, seq, ts } : undefined;
}

async function clientsRole(): Promise<void> {
  let wsUrl = '';
  const sockets: (WebSocket | undefined)[] = [];
  let tally: PhaseTally | undefined;
  let closedInPhase = 0;
  let reader: RedisClient | undefined;
  let readerStop = false;
  let readerLoop: Promise<void> | undefined;

  const open = (i: number) =>
    new Promise<void>((resolve, reject) => {
      // Node clients skip UTF-8 validation (browsers do it natively); the gateway's side is unchanged.
      const ws = new WebSocket(wsUrl, { skipUTF8Validation: true, perMessageDeflate: false });
      ws.once('open', () => {
        sockets[i] = ws;
        resolve();
      });
      ws.once('error', reject);
      ws.on('message', (data: Buffer) => {
        const now = clock();
        const m = parseAlertMessage(data.toString('latin1'));
        if (!tally || tally.kind !== 'gateway') return;
        if (m) tally.record(i, m.phase, m.seq, m.ts, now);
        else if (data.toString('latin1').startsWith('{"type":"alert"')) tally.stray++;
      });
      ws.on('close', () => {
        if (sockets[i] === ws) {
          sockets[i] = undefined;
          if (tally?.kind === 'gateway') closedInPhase++;
        }
      });
    });

  const readRaw = async (client: RedisClient) => {
    // XREAD BLOCK on its own connection, cursor = the last id read: what the gateway's tail does, minus the fan-out.
    const [newest] = await client.xRevRange(RAW_KEY, '+', '-', { COUNT: 1 });
    let cursor = newest ? String(newest.id) : '0-0';
    while (!readerStop) {
      let res: Array<{ messages: Array<{ id: string; message: Record<string, string> }> }> | null;
      try {
        res = (await client.xRead({ key: RAW_KEY, id: cursor }, { BLOCK: 1000, COUNT: 100 })) as unknown as typeof res;
      } catch (err) {
        if (readerStop) return;
        throw err;
      }
      const now = clock();
      for (const entry of res?.[0]?.messages ?? []) {
        cursor = entry.id;
        const track = entry.message.track ?? '';
        const colon = track.indexOf(':');
        if (tally?.kind === 'raw') tally.record(0, Number(track.slice(0, colon)), Number(track.slice(colon + 1)), Number(entry.message.ts), now);
      }
    }
  };

  await serveRequests(async (request) => {
    switch (request.cmd) {
      case 'setup': {
        reader = await connectRedis(request.redisUrl, { log: silentLog, name: 'bench-raw-reader' });
        readerLoop = readRaw(reader).catch((err: Error) => {
          process.stderr.write(`[api bench clients] raw reader stopped: ${err.message}\n`);
        });
        // Let the first XREAD BLOCK reach Redis before anything is published.
        await sleep(200);
        return {};
      }
      case 'connect': {
        wsUrl = request.wsUrl;
        const missing: number[] = [];
        for (let i = 0; i < request.clients; i++) if (!sockets[i] || sockets[i]!.readyState !== WebSocket.OPEN) missing.push(i);
        // A few at a time, as reconnecting browsers would.
        for (let k = 0; k < missing.length; k += 20) await Promise.all(missing.slice(k, k + 20).map(open));
        return { open: sockets.filter((s) => s?.readyState === WebSocket.OPEN).length };
      }
      case 'begin': {
        const receivers = request.kind === 'gateway' ? sockets.length : 1;
        tally = new PhaseTally(request.kind, request.phase, request.expected, receivers);
        closedInPhase = 0;
        return {};
      }
      case 'progress':
        return { received: tally?.received ?? 0, lastAt: tally?.lastAt ?? 0 };
      case 'end': {
        if (!tally) throw new Error('clients: no phase begun');
        const report = tally.report(closedInPhase);
        tally = undefined;
        return report;
      }
      case 'close': {
        readerStop = true;
        for (const ws of sockets) ws?.terminate();
        if (reader?.isOpen) reader.destroy();
        await readerLoop;
        return {};
      }
      default:
        throw new Error(`clients: unknown command ${request.cmd}`);
    }
  });
}

/** A child's request loop: one answer per request, in order of arrival; exits when the parent goes. */
async function serveRequests(handle: (request: ChildRequest) => Promise<unknown>): Promise<void> {
  process.on('disconnect', () => process.exit(0));
  let lane = Promise.resolve();
  process.on('message', (raw: Envelope) => {
    lane = lane.then(async () => {
      let reply: Reply;
      try {
        reply = { id: raw.id, ok: true, result: await handle(raw.request) };
      } catch (err) {
        reply = { id: raw.id, ok: false, error: (err as Error).stack ?? String(err) };
      }
      process.send?.(reply);
      if (raw.request.cmd === 'close') setImmediate(() => process.exit(0));
    });
  });
  process.send?.({ id: 0, ok: true, result: 'ready' } satisfies Reply);
}

// ---- the parent's handle on a child --------------------------------------------------------------------------

class BenchChild {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private exitError: Error | undefined;
  readonly ready: Promise<void>;
  readonly pid: number | undefined;

  private constructor(
    readonly role: string,
    private readonly child: ChildProcess,
  ) {
    this.pid = child.pid;
    let markReady: () => void = () => undefined;
    let failReady: (e: Error) => void = () => undefined;
    this.ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      failReady = reject;
    });
    child.on('message', (reply: Reply) => {
      if (reply.id === 0) return markReady();
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (reply.ok) p.resolve(reply.result);
      else p.reject(new ApiBenchError('BENCH_CHILD_FAILED', `bench ${role} process: ${reply.error}`));
    });
    child.on('exit', (code, signal) => {
      this.exitError = new ApiBenchError('BENCH_CHILD_FAILED', `bench ${role} process exited (code ${code}, signal ${signal})`);
      failReady(this.exitError);
      for (const p of this.pending.values()) p.reject(this.exitError);
      this.pending.clear();
    });
  }

  static start(role: 'publisher' | 'clients'): BenchChild {
    // --import tsx resolves from the repository root, where npm run bench runs.
    const child = fork(fileURLToPath(import.meta.url), [], {
      cwd: repoRoot,
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, [ROLE_ENV]: role },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return new BenchChild(role, child);
  }

  request<T>(request: ChildRequest): Promise<T> {
    if (this.exitError) return Promise.reject(this.exitError);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, request } satisfies Envelope);
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    await Promise.race([this.request({ cmd: 'close' }).catch(() => undefined), sleep(5000)]);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

// ---- CPU of the other processes and of the machine ------------------------------------------------------------

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** utime + stime of a process, ms (from /proc; 0 when unreadable). */
function processCpuMs(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) / CLK_TCK) * 1000;
  } catch {
    return 0;
  }
}

/** Busy and total jiffies of all cores (from /proc/stat). */
function machineTicks(): { busy: number; total: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const total = v.reduce((s, x) => s + x, 0);
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return { busy: 0, total: 0 };
  }
}

interface Meter {
  t: number;
  apiCpu: NodeJS.CpuUsage;
  apiElu: ReturnType<typeof performance.eventLoopUtilization>;
  redisMs: number;
  machine: { busy: number; total: number };
}

function meter(redisPid: number | undefined): Meter {
  return { t: clock(), apiCpu: process.cpuUsage(), apiElu: performance.eventLoopUtilization(), redisMs: processCpuMs(redisPid), machine: machineTicks() };
}

interface MeterDelta {
  seconds: number;
  /** Share of one core. */
  apiCpu: number;
  apiElu: number;
  redisCpu: number;
  /** Share of all cores busy (everything on the machine). */
  machineBusy: number;
}

function since(m0: Meter, redisPid: number | undefined): MeterDelta {
  const seconds = (clock() - m0.t) / 1000;
  const cpu = process.cpuUsage(m0.apiCpu);
  const machine = machineTicks();
  return {
    seconds,
    apiCpu: (cpu.user + cpu.system) / 1000 / (seconds * 1000),
    apiElu: performance.eventLoopUtilization(m0.apiElu).utilization,
    redisCpu: (processCpuMs(redisPid) - m0.redisMs) / (seconds * 1000),
    machineBusy: machine.total > m0.machine.total ? (machine.busy - m0.machine.busy) / (machine.total - m0.machine.total) : NaN,
  };
}

// ---- alert phases ----------------------------------------------------------------------------------------------

interface AlertRun {
  kind: Kind;
  /** alerts/s asked; 0: flat out. */
  rate: number;
  count: number;
  pub: PublishResult;
  rep: PhaseReport;
  /** Gateway only: clients dropped as slow by the gateway during the phase (its own counter). */
  droppedSlow: number;
  clientsAtStart: number;
  meter: MeterDelta;
  clientsCpu: number;
  publisherCpu: number;
  /** Alerts/s per receiver: received / receivers / (last receipt - first publish). */
  deliveredPerReceiver: number;
  publishedRate: number;
  pass: boolean;
  why: string[];
}

interface LadderStep {
  rate: number;
  raw: AlertRun;
  gateway: AlertRun;
}

interface AlertContext {
  api: ApiServer;
  publisher: BenchChild;
  clients: BenchChild;
  redisPid: number | undefined;
  redisUrl: string;
  wsUrl: string;
  clientCount: number;
  log: (line: string) => void;
}

async function droppedSlow(api: ApiServer): Promise<number> {
  const res = await api.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
  const m = /^argus_ws_clients_dropped_total\{reason="slow"\} (\d+)/m.exec(res.body);
  return m ? Number(m[1]) : 0;
}

let phaseCounter = 0;

async function runPhase(ctx: AlertContext, kind: Kind, rate: number, count: number): Promise<AlertRun> {
  const phase = ++phaseCounter;
  let clientsAtStart = 1;
  if (kind === 'gateway') {
    const { open } = await ctx.clients.request<{ open: number }>({ cmd: 'connect', wsUrl: ctx.wsUrl, clients: ctx.clientCount });
    if (open !== ctx.clientCount) throw new ApiBenchError('BENCH_CLIENTS_FAILED', `only ${open} of ${ctx.clientCount} WebSocket clients could connect to ${ctx.wsUrl}`);
    for (let i = 0; i < 100 && ctx.api.gateway.clientCount !== ctx.clientCount; i++) await sleep(20);
    clientsAtStart = ctx.api.gateway.clientCount;
  }
  const dropped0 = kind === 'gateway' ? await droppedSlow(ctx.api) : 0;
  await ctx.clients.request({ cmd: 'begin', kind, phase, expected: count });
  const clientsCpu0 = processCpuMs(ctx.clients.pid);
  const publisherCpu0 = processCpuMs(ctx.publisher.pid);
  const m0 = meter(ctx.redisPid);
  const pub = await ctx.publisher.request<PublishResult>({ cmd: 'publish', kind, phase, count, rate });
  const receivers = kind === 'gateway' ? clientsAtStart : 1;
  const target = receivers * count;
  const cap = clock() + (rate === 0 ? FLAT_OUT_DRAIN_CAP_MS : DRAIN_CAP_MS);
  let last = -1;
  let lastChange = clock();
  for (;;) {
    const { received } = await ctx.clients.request<{ received: number }>({ cmd: 'progress' });
    if (received >= target) break;
    if (received !== last) {
      last = received;
      lastChange = clock();
    }
    if (clock() - lastChange > DRAIN_IDLE_MS || clock() > cap) break;
    await sleep(50);
  }
  const rep = await ctx.clients.request<PhaseReport>({ cmd: 'end' });
  // The meter window runs from the first publish to the end of the drain.
  const md = since(m0, ctx.redisPid);
  const seconds = md.seconds * 1000;
  const clientsCpu = (processCpuMs(ctx.clients.pid) - clientsCpu0) / seconds;
  const publisherCpu = (processCpuMs(ctx.publisher.pid) - publisherCpu0) / seconds;
  const dropped = kind === 'gateway' ? (await droppedSlow(ctx.api)) - dropped0 : 0;
  const spanS = Math.max(1e-3, (rep.lastAt - pub.firstAt) / 1000);
  const deliveredPerReceiver = rep.received / receivers / spanS;
  const publishedRate = pub.count / Math.max(1e-3, (pub.lastIssuedAt - pub.firstAt) / 1000);
  const why: string[] = [];
  if (rep.missing > 0) why.push(`${rep.missing} deliveries missing`);
  if (rep.duplicates > 0) why.push(`${rep.duplicates} duplicates`);
  if (dropped > 0 || rep.closed > 0) why.push(`${Math.max(dropped, rep.closed)} clients dropped`);
  if (pub.errors > 0) why.push(`${pub.errors} XADD errors`);
  if (!(rep.p99 <= MAX_P99_MS)) why.push(`p99 ${fmtMs(rep.p99)} ms`);
  if (rate > 0 && publishedRate < rate * MIN_PUBLISH_SHARE) why.push(`publisher reached only ${fmtRate(publishedRate)}/s`);
  return {
    kind,
    rate,
    count,
    pub,
    rep,
    droppedSlow: dropped,
    clientsAtStart,
    meter: md,
    clientsCpu,
    publisherCpu,
    deliveredPerReceiver,
    publishedRate,
    pass: rate > 0 ? why.length === 0 : rep.missing === 0 && rep.duplicates === 0 && dropped === 0 && rep.closed === 0,
    why,
  };
}

function describeRun(r: AlertRun): string {
  const who = r.kind === 'gateway' ? `gateway, ${r.clientsAtStart} clients` : 'redis only, 1 reader';
  const rate = r.rate === 0 ? `flat out (${r.count})` : `${r.rate}/s`;
  return (
    `[api] ${who}, ${rate}: published ${fmtRate(r.publishedRate)}/s, delivered ${fmtRate(r.deliveredPerReceiver)}/s per receiver, ` +
    `p50/p99 ${fmtMs(r.rep.p50)}/${fmtMs(r.rep.p99)} ms, missing ${r.rep.missing}, dup ${r.rep.duplicates}, dropped ${Math.max(r.droppedSlow, r.rep.closed)}; ` +
    `api ELU ${pct(r.meter.apiElu)}, clients CPU ${pct(r.clientsCpu)} -> ${r.pass ? 'pass' : `FAIL (${r.why.join('; ') || 'loss'})`}`
  );
}

// ---- enrolment ---------------------------------------------------------------------------------------------------

interface Photo {
  person: string;
  file: string;
  buf: Buffer;
}

interface EnrollSeries {
  label: string;
  /** Wall seconds per round for all photos. */
  roundS: number[];
  /** ms per request (HTTP) or per photo (analyzer). */
  perCall: number[];
  accepted: number;
  rejected: number;
  rejectedCodes: Map<string, number>;
  cpuMs: number[];
  /** HTTP: photos accepted in each round. */
  acceptedPerRound: number[];
  /** Analyzer: per round, the first face's quality score and embedding[0] of each photo, to compare runs. */
  signatures: string[][];
}

function newSeries(label: string): EnrollSeries {
  return { label, roundS: [], perCall: [], accepted: 0, rejected: 0, rejectedCodes: new Map(), cpuMs: [], acceptedPerRound: [], signatures: [] };
}

async function pool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

async function timeRound(series: EnrollSeries, run: () => Promise<void>): Promise<void> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await run();
  series.roundS.push((performance.now() - t0) / 1000);
  const c = process.cpuUsage(c0);
  series.cpuMs.push((c.user + c.system) / 1000);
}

async function analyzerRound(analyzer: FaceAnalyzer, photos: readonly Photo[], concurrency: number, series: EnrollSeries): Promise<void> {
  const signature: string[] = new Array<string>(photos.length).fill('');
  await timeRound(series, () =>
    pool(photos.map((p, i) => ({ p, i })), concurrency, async ({ p, i }) => {
      const t0 = performance.now();
      const { faces } = await analyzer.analyzeEncoded(p.buf, { embed: true });
      series.perCall.push(performance.now() - t0);
      if (faces.length > 0) series.accepted++;
      else series.rejected++;
      const f = faces[0];
      signature[i] = f ? `${faces.length}:${f.quality.score.toFixed(4)}:${f.embedding?.[0]?.toFixed(5) ?? ''}` : '0';
    }),
  );
  series.signatures.push(signature);
}

/** Photos whose analysis differed from the first one-at-a-time round, per round of `series`. */
function differing(reference: readonly string[] | undefined, series: EnrollSeries): number[] {
  return series.signatures.map((sig) => (reference ? sig.filter((x, i) => x !== reference[i]).length : NaN));
}

async function enrollRequest(base: string, name: string, photos: readonly Photo[]): Promise<{ accepted: number; rejected: string[] }> {
  const form = new FormData();
  form.set('name', name);
  for (const p of photos) form.append('image', new Blob([p.buf], { type: 'image/png' }), `${p.person}-${p.file}`);
  const res = await fetch(`${base}/api/watchlist`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: form });
  const body = (await res.json()) as { faces?: unknown[]; rejected?: { code: string }[]; error?: { code: string; message: string; details?: { rejected?: { code: string }[] } } };
  if (res.status === 201) return { accepted: body.faces?.length ?? 0, rejected: (body.rejected ?? []).map((r) => r.code) };
  if (res.status === 422) return { accepted: 0, rejected: (body.error?.details?.rejected ?? []).map((r) => r.code) };
  throw new ApiBenchError('BENCH_ENROLL_FAILED', `POST /api/watchlist answered ${res.status}: ${body.error?.code ?? ''} ${body.error?.message ?? ''}`);
}

async function httpRound(base: string, groups: readonly Photo[][], concurrency: number, series: EnrollSeries, tag: string): Promise<void> {
  const before = series.accepted;
  await timeRound(series, () =>
    pool(groups, concurrency, async (group) => {
      const t0 = performance.now();
      const r = await enrollRequest(base, `${group[0]!.person} ${tag}`, group);
      series.perCall.push(performance.now() - t0);
      series.accepted += r.accepted;
      series.rejected += r.rejected.length;
      for (const code of r.rejected) series.rejectedCodes.set(code, (series.rejectedCodes.get(code) ?? 0) + 1);
    }),
  );
  series.acceptedPerRound.push(series.accepted - before);
}

function loadPhotos(fixtures: string): Photo[] {
  const photos: Photo[] = [];
  for (const person of ENROLL_PERSONS) {
    for (let i = 1; i <= PHOTOS_PER_PERSON; i++) {
      const path = join(fixtures, 'faces', 'bbt', person, `${i}.png`);
      try {
        photos.push({ person, file: `${i}.png`, buf: readFileSync(path) });
      } catch (err) {
        throw new ApiBenchError('BENCH_FIXTURE_MISSING', `test photo ${path} is missing: point ARGUS_FIXTURES (or paths.fixtures) at the shared test data folder`, { cause: err });
      }
    }
  }
  return photos;
}

// ---- the run -----------------------------------------------------------------------------------------------------

export async function runApiBench(options: ApiBenchOptions = {}): Promise<string> {
  const rates = options.rates ?? DEFAULT_RATES;
  const seconds = options.seconds ?? DEFAULT_SECONDS;
  const clientCount = options.clients ?? DEFAULT_CLIENTS;
  const rounds = options.rounds ?? DEFAULT_ROUNDS;
  const log = options.log ?? ((line: string) => console.error(line));
  if (rates.length === 0 || rates.some((r) => !Number.isInteger(r) || r < 1)) throw new ApiBenchError('BENCH_BAD_OPTION', `rates must be whole numbers >= 1, got ${rates.join(',')}`);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 60) throw new ApiBenchError('BENCH_BAD_OPTION', `seconds must be a whole number from 1 to 60, got ${seconds}`);
  if (!Number.isInteger(clientCount) || clientCount < 1 || clientCount > 1000) throw new ApiBenchError('BENCH_BAD_OPTION', `clients must be a whole number from 1 to 1000, got ${clientCount}`);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 20) throw new ApiBenchError('BENCH_BAD_OPTION', `rounds must be a whole number from 1 to 20, got ${rounds}`);
  const began = performance.now();
  const cores = os.availableParallelism();

  const dataDir = mkdtempSync(join(os.tmpdir(), 'argus-bench-api-'));
  let server: LocalRedis | undefined;
  let redis: RedisClient | undefined;
  let analyzer: FaceAnalyzer | undefined;
  let api: ApiServer | undefined;
  const children: BenchChild[] = [];
  const killChildren = () => children.forEach((c) => c.kill());
  process.once('exit', killChildren);
  try {
    server = await startLocalRedis({ dir: join(dataDir, 'redis'), appendOnly: false });
    const redisPid = await redisProcessId(server.port);
    const config = loadConfig({ env: { ...process.env, ARGUS_DATA_DIR: join(dataDir, 'data'), ARGUS_ADMIN_TOKEN: TOKEN, REDIS_URL: server.url } });
    const photos = loadPhotos(config.resolved.fixtures);
    redis = await connectRedis(server.url, { log: silentLog, connectTimeoutMs: 5000, name: 'bench-api' });
    analyzer = await FaceAnalyzer.create(config);
    api = await createServer({ config, redis, analyzer, adminToken: TOKEN, log: pino({ level: 'silent' }) });
    const base = await api.app.listen({ host: '127.0.0.1', port: 0 });
    const wsUrl = `${base.replace(/^http/, 'ws')}${WS_PATH}?token=${TOKEN}`;
    log(`[api] redis ${server.url}, api ${base}; ${clientCount} WebSocket clients; rates ${rates.join(', ')}/s for ${seconds} s each`);

    const publisher = BenchChild.start('publisher');
    children.push(publisher);
    const clients = BenchChild.start('clients');
    children.push(clients);
    await Promise.all([publisher.ready, clients.ready]);
    await publisher.request({ cmd: 'setup', redisUrl: server.url });
    await clients.request({ cmd: 'setup', redisUrl: server.url });
    const ctx: AlertContext = { api, publisher, clients, redisPid, redisUrl: server.url, wsUrl, clientCount, log };

    // Warm-up (untimed): JIT of every path, connections, the stream's first entries.
    await runPhase(ctx, 'raw', 500, 500);
    await runPhase(ctx, 'gateway', 500, 500);

    // The ladder: at each rate Redis alone, then the gateway; stop after the gateway's first failure.
    const ladder: LadderStep[] = [];
    const alertsBegan = performance.now();
    let skipped: number[] = [];
    const step = async (rate: number): Promise<LadderStep> => {
      const count = rate * seconds;
      const raw = await runPhase(ctx, 'raw', rate, count);
      log(describeRun(raw));
      const gateway = await runPhase(ctx, 'gateway', rate, count);
      log(describeRun(gateway));
      const result = { rate, raw, gateway };
      ladder.push(result);
      return result;
    };
    const overBudget = () => performance.now() - alertsBegan > ALERT_BUDGET_MS;
    let lastPass: number | undefined;
    let firstFail: number | undefined;
    for (const [i, rate] of rates.entries()) {
      if (overBudget()) {
        skipped = rates.slice(i);
        log(`[api] time budget reached; not running ${skipped.join(', ')}/s`);
        break;
      }
      if ((await step(rate)).gateway.pass) lastPass = rate;
      else {
        firstFail = rate;
        skipped = rates.slice(i + 1);
        break;
      }
    }
    // One look halfway between the last pass and the first failure (rounded to 50/s), e.g. 750 when 500 passed and 1000 failed.
    if (lastPass !== undefined && firstFail !== undefined) {
      const between = Math.round((lastPass + firstFail) / 2 / 50) * 50;
      if (between > lastPass && between < firstFail && !overBudget()) await step(between);
    }
    ladder.sort((a, b) => a.rate - b.rate);
    const flatRaw = await runPhase(ctx, 'raw', 0, FLAT_OUT_RAW);
    log(describeRun(flatRaw));
    const flatGateway = await runPhase(ctx, 'gateway', 0, FLAT_OUT_GATEWAY);
    log(describeRun(flatGateway));
    const alertsS = (performance.now() - alertsBegan) / 1000;
    await clients.stop();
    await publisher.stop();

    // Enrolment: untimed warm-up, then rounds, each measuring the four ways in turn.
    log(`[api] enrolment: ${photos.length} photos (${ENROLL_PERSONS.length} persons x ${PHOTOS_PER_PERSON}), ${rounds} rounds`);
    const groups = ENROLL_PERSONS.map((p) => photos.filter((x) => x.person === p));
    await analyzerRound(analyzer, photos.slice(0, 5), 1, newSeries('warm-up'));
    await httpRound(base, [groups[0]!], 1, newSeries('warm-up'), 'warm-up');
    const seqAnalyzer = newSeries('`analyzer.analyzeEncoded(png, {embed: true})`, one photo at a time');
    const conAnalyzer = newSeries(`\`analyzer.analyzeEncoded(png, {embed: true})\`, ${CONCURRENCY} photos at a time`);
    const seqHttp = newSeries(`\`POST /api/watchlist\`, one request (person, ${PHOTOS_PER_PERSON} photos) at a time`);
    const conHttp = newSeries(`\`POST /api/watchlist\`, ${CONCURRENCY} concurrent requests`);
    for (let r = 1; r <= rounds; r++) {
      await analyzerRound(analyzer, photos, 1, seqAnalyzer);
      await httpRound(base, groups, 1, seqHttp, `r${r} seq`);
      await analyzerRound(analyzer, photos, CONCURRENCY, conAnalyzer);
      await httpRound(base, groups, CONCURRENCY, conHttp, `r${r} conc`);
      log(
        `[api] enrolment round ${r}/${rounds}: analyzer ${fmtRate(photos.length / seqAnalyzer.roundS.at(-1)!)} photos/s (x${CONCURRENCY}: ${fmtRate(photos.length / conAnalyzer.roundS.at(-1)!)}), ` +
          `HTTP ${fmtRate(photos.length / seqHttp.roundS.at(-1)!)} photos/s (x${CONCURRENCY}: ${fmtRate(photos.length / conHttp.roundS.at(-1)!)})`,
      );
    }
    const persons = await api.app.inject({ method: 'GET', url: '/api/watchlist', headers: { authorization: `Bearer ${TOKEN}` } });
    const enrolledPersons = (JSON.parse(persons.body) as { persons: unknown[] }).persons.length;

    return renderMarkdown({
      seconds,
      clientCount,
      cores,
      ladder,
      skipped,
      flatRaw,
      flatGateway,
      alertsS,
      photos: photos.length,
      rounds,
      enrol: { seqAnalyzer, conAnalyzer, seqHttp, conHttp },
      enrolledPersons,
      provider: analyzer.provider,
      threads: config.inference.intraOpThreads,
      durationS: (performance.now() - began) / 1000,
    });
  } finally {
    for (const c of children) await c.stop().catch(() => c.kill());
    process.removeListener('exit', killChildren);
    await api?.app.close().catch(() => undefined);
    await analyzer?.dispose().catch(() => undefined);
    if (redis?.isOpen) redis.destroy();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// ---- report --------------------------------------------------------------------------------------------------------

function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}

function fmtRate(n: number): string {
  if (!Number.isFinite(n)) return '-';
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n >= 10 ? n.toFixed(1) : n.toFixed(2);
}

const pct = (x: number, digits = 0): string => (Number.isFinite(x) ? `${(x * 100).toFixed(digits)} %` : '-');

interface Results {
  seconds: number;
  clientCount: number;
  cores: number;
  ladder: LadderStep[];
  skipped: number[];
  flatRaw: AlertRun;
  flatGateway: AlertRun;
  alertsS: number;
  photos: number;
  rounds: number;
  enrol: { seqAnalyzer: EnrollSeries; conAnalyzer: EnrollSeries; seqHttp: EnrollSeries; conHttp: EnrollSeries };
  enrolledPersons: number;
  provider: string;
  threads: number;
  durationS: number;
}

function lossCell(r: AlertRun): string {
  const dropped = Math.max(r.droppedSlow, r.rep.closed);
  return `${r.rep.missing} / ${r.rep.duplicates} / ${dropped}`;
}

/** The api process's CPU time per WebSocket alert message it sent (all its threads, over the phase). */
function apiUsPerMessage(r: AlertRun): number {
  return r.rep.received > 0 ? (r.meter.apiCpu * r.meter.seconds * 1e6) / r.rep.received : NaN;
}

function alertRow(r: AlertRun, cores: number): string {
  const receivers = r.kind === 'gateway' ? `gateway, ${r.clientsAtStart} clients` : 'Redis only, 1 reader';
  const total = r.deliveredPerReceiver * (r.kind === 'gateway' ? r.clientsAtStart : 1);
  const result = r.pass ? '**pass**' : `**fail**: ${r.why.join('; ')}`;
  const share = (x: number) => pct(x / cores);
  return (
    `| ${r.rate === 0 ? `flat out, ${r.count.toLocaleString('en-US')} alerts` : fmtRate(r.rate)} | ${receivers} | ${fmtRate(r.publishedRate)} | ${fmtRate(r.deliveredPerReceiver)} | ${fmtRate(total)} | ` +
    `${fmtMs(r.rep.p50)} / ${fmtMs(r.rep.p99)} / ${fmtMs(r.rep.max)} | ${lossCell(r)} | ${r.rep.complete} / ${r.kind === 'gateway' ? r.clientsAtStart : 1} | ` +
    `${r.kind === 'gateway' ? pct(r.meter.apiElu) : ''} | ${share(r.meter.apiCpu)} | ${r.kind === 'gateway' ? fmtMs(apiUsPerMessage(r)) : ''} | ${share(r.clientsCpu)} | ${share(r.publisherCpu)} | ${share(r.meter.redisCpu)} | ${pct(r.meter.machineBusy)} | ${result} |`
  );
}

function mean(xs: readonly number[]): number {
  return xs.length === 0 ? NaN : xs.reduce((s, x) => s + x, 0) / xs.length;
}

function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.ceil(0.5 * s.length) - 1]!;
}

function renderMarkdown(r: Results): string {
  const lines: string[] = [];
  // Conservative: the highest passing rate below the lowest failing one.
  const firstFail = r.ladder.find((x) => !x.gateway.pass);
  const best = r.ladder.filter((x) => x.gateway.pass && (!firstFail || x.rate < firstFail.rate)).at(-1);
  const bestRaw = [...r.ladder].filter((x) => x.raw.pass).at(-1);
  const flatRatio = r.flatGateway.deliveredPerReceiver / r.flatRaw.deliveredPerReceiver;
  const flatGatewayTotal = r.flatGateway.deliveredPerReceiver * r.flatGateway.clientsAtStart;

  lines.push('## API: WebSocket alert fan-out and enrolment throughput', '');
  lines.push(
    `Setup, all real and on this machine's loopback: a redis-server (no persistence) and the api (\`createServer\`, real FaceAnalyzer: ${r.provider}, ${r.threads} intra-op thread${r.threads === 1 ? '' : 's'}; temp data dir) ` +
      `in one node process, listening on 127.0.0.1. The load runs in two other node processes so it does not share the gateway's event loop: a **publisher** ` +
      `(\`AlertRepository.publish\`, i.e. XADD to \`argus:alerts\` with MAXLEN ~ trimming, as ingest writes alerts) and a **clients** process holding ${r.clientCount} \`ws\` clients ` +
      `connected to \`/ws?token=...\` (permessage-deflate off, as the gateway offers; UTF-8 validation skipped on the client side). All of them share the machine's ${r.cores} cores with redis and with other work on the machine.`,
    '',
  );
  lines.push(
    `Each alert is a realistic one (UUID-long ids, thumbnail URL; about 330 bytes as a WebSocket message) whose \`ts\` is the publisher's clock just before its XADD ` +
      `(\`performance.timeOrigin + performance.now()\`, sub-ms, same system clock in every process) and whose \`trackId\` is \`<phase>:<sequence number>\`. ` +
      `Per rate, the publisher issues alerts on schedule for ${r.seconds} s (rate x ${r.seconds} alerts, in small pipelined batches every 1-2 ms), then the run waits until every receiver has them all ` +
      `(or nothing arrived for ${DRAIN_IDLE_MS / 1000} s, at most ${DRAIN_CAP_MS / 1000} s). Every receiver counts each sequence number it gets, so a missing or repeated alert is seen per client.`,
    '',
  );
  lines.push(
    `**Baseline, same run, same publisher and alerts**: raw Redis, no gateway: the publisher XADDs the same fields to another stream, and one reader in the clients process ` +
      'reads them with `XREAD BLOCK COUNT 100` on its own connection, cursor = last id read (what the gateway\'s own tail does, minus decoding and the fan-out). ' +
      `At each rate the baseline runs first, then the gateway. Afterwards each runs flat out: the publisher issues alerts as fast as it can with ${FLAT_OUT_INFLIGHT} XADDs in flight ` +
      `(${FLAT_OUT_RAW.toLocaleString('en-US')} alerts for Redis only, ${FLAT_OUT_GATEWAY.toLocaleString('en-US')} for the gateway).`,
    '',
  );
  lines.push('How each figure is taken:', '');
  lines.push(
    '- **published/s**: alerts issued / (last issue - first issue), the publisher\'s own pace.',
    '- **delivered/s per receiver**: alerts received per receiver / (last receipt by any receiver - first publish); **in total**: times the receivers (WebSocket messages/s for the gateway).',
    '- **latency**: receipt in the receiver\'s message handler - `ts` (so it covers XADD, the gateway\'s XREAD, decoding, the fan-out and the client\'s own event loop); p50 / p99 / max nearest rank over all receipts of all receivers.',
    '- **missing / duplicates / dropped**: sum over receivers of sequence numbers never received / received more than once; clients dropped during the phase (the gateway\'s `argus_ws_clients_dropped_total{reason="slow"}` and closes seen by the clients). Dropped clients are reconnected before the next phase. **exact**: receivers that got every alert exactly once.',
    `- **CPU**, as a share of all ${r.cores} cores (100 % = every core busy), from the first publish to the end of the drain: *api ELU* = the api's event-loop utilisation (its one JavaScript thread, where the gateway runs: 100 % = saturated; on a busy machine it includes time the thread was runnable but waiting for a core, so ELU well above the api's CPU on one core means it waited); *api* = the api process (all threads); *api CPU µs / message* = the api process's CPU time / WebSocket alert messages delivered, the gateway's cost per message independent of waiting; *clients*, *publisher*, *redis* = those processes (/proc); *machine* = all busy time of all processes (/proc/stat), so *machine* minus the rest is other work on the machine.`,
    `- **Criterion** for a rate to pass: every receiver gets every alert exactly once, no client dropped, p99 latency at most ${MAX_P99_MS} ms, and the publisher kept at least ${pct(MIN_PUBLISH_SHARE)} of the rate (otherwise the publisher, not the gateway, was the limit). The ladder stops after the gateway's first failure.`,
    '',
  );

  lines.push('### Alerts: rate ladder, Redis only vs the gateway', '');
  lines.push(
    '| alerts/s asked | receivers | published/s | delivered/s per receiver | delivered/s in total | latency ms p50 / p99 / max | missing / duplicates / dropped | exact | api ELU | api CPU | api CPU µs / message | clients CPU | publisher CPU | redis CPU | machine | result |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const row of r.ladder) lines.push(alertRow(row.raw, r.cores), alertRow(row.gateway, r.cores));
  lines.push('');
  if (r.skipped.length > 0) lines.push(`Not run (after the gateway's first failure or past the time budget): ${r.skipped.map((x) => `${x}/s`).join(', ')}.`, '');

  lines.push('### Alerts: flat out', '');
  lines.push(
    '| alerts | receivers | published/s | delivered/s per receiver | delivered/s in total | latency ms p50 / p99 / max | missing / duplicates / dropped | exact | api ELU | api CPU | api CPU µs / message | clients CPU | publisher CPU | redis CPU | machine | result (no loss, no drop) |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  );
  lines.push(alertRow(r.flatRaw, r.cores), alertRow(r.flatGateway, r.cores), '');

  lines.push('### Alerts: result', '');
  lines.push(
    `- **Highest rate the gateway sustained to ${r.clientCount} clients** (no loss, no duplicate, no drop, p99 <= ${MAX_P99_MS} ms): ` +
      (best
        ? `**${fmtRate(best.rate)} alerts/s** (${fmtRate(best.gateway.deliveredPerReceiver * best.gateway.clientsAtStart)} WebSocket messages/s in total; p50 ${fmtMs(best.gateway.rep.p50)} ms, p99 ${fmtMs(best.gateway.rep.p99)} ms)`
        : `**none of the rates tried** (the lowest, ${r.ladder[0]?.rate ?? '-'}/s, failed)`) +
      (firstFail ? `; ${fmtRate(firstFail.rate)}/s failed: ${firstFail.gateway.why.join('; ')}.` : `; no rate tried failed (the ladder ended at ${fmtRate(r.ladder.at(-1)?.rate ?? NaN)}/s).`),
    `- Redis only (1 reader), same criterion: passed every rate it ran${bestRaw ? `, up to ${fmtRate(bestRaw.rate)}/s` : ''}${r.ladder.some((x) => !x.raw.pass) ? ' except where marked' : ''}; flat out it delivered **${fmtRate(r.flatRaw.deliveredPerReceiver)} alerts/s** (publisher ${fmtRate(r.flatRaw.publishedRate)}/s).`,
    `- Flat out through the gateway: **${fmtRate(r.flatGateway.deliveredPerReceiver)} alerts/s per client** (${fmtRate(flatGatewayTotal)} messages/s in total), ` +
      `${r.flatGateway.pass ? 'no loss and no drop' : `with ${lossCell(r.flatGateway)} missing / duplicates / dropped`}: ` +
      `**${flatRatio >= 1 ? `${flatRatio.toFixed(1)}x` : `${(1 / flatRatio).toFixed(1 / flatRatio >= 10 ? 0 : 1)}x lower than`}** Redis alone per receiver (this run)` +
      (best ? `; the sustained rate above is ${(r.flatRaw.deliveredPerReceiver / best.rate).toFixed(0)}x below what Redis alone delivers flat out.` : '.'),
  );
  const costs = r.ladder.map((x) => apiUsPerMessage(x.gateway)).filter(Number.isFinite);
  if (costs.length > 0) {
    const us = median(costs);
    lines.push(
      `- Cost: the api spent a median ${fmtMs(us)} µs of CPU per WebSocket alert message over the ladder's gateway rows. An estimate, not a measurement: one core fully given to the gateway ` +
        `would carry about ${fmtRate(1e6 / us)} messages/s, i.e. about ${fmtRate(1e6 / us / r.clientCount)} alerts/s to ${r.clientCount} clients.`,
    );
  }
  lines.push('');

  const e = r.enrol;
  lines.push('### Enrolment: photos/s', '');
  lines.push(
    `${r.photos} photos: \`faces/bbt/<person>/1..5.png\` for ${ENROLL_PERSONS.length} persons (150x150 greyscale PNG crops), read once before timing. ` +
      `HTTP: \`POST /api/watchlist\` multipart (name + ${PHOTOS_PER_PERSON} \`image\` parts), one request per person, each enrolling a new person (decode, detect, landmarks, align, quality, embed, then the ` +
      `person, faces, gallery log entries and 112x112 crops written to Redis and disk), sent with Node's \`fetch\` from the api's own process over loopback; one request at a time, then ${CONCURRENCY} concurrent. ` +
      `**Baseline, same run, same photos and the same FaceAnalyzer instance**: \`analyzer.analyzeEncoded(png, {embed: true})\` per photo (decode + every face analysed and embedded, nothing written), one at a time and ${CONCURRENCY} at a time. ` +
      `${r.rounds} rounds after an untimed warm-up; each round runs the four rows in turn, so load from other work falls on all alike. ` +
      `photos/s = ${r.photos} / wall time of the round (median and mean over rounds); per-call ms are per photo for the analyzer, per request (${PHOTOS_PER_PERSON} photos) for HTTP; CPU = this process's CPU time (all threads) per photo.`,
    '',
  );
  lines.push('| path | photos/s (median of rounds) | photos/s (mean) | ms per photo (wall, median round) | ms per call p50 / max | CPU ms per photo | photos accepted / rejected (all rounds) | vs analyzer alone, same concurrency |', '|---|---|---|---|---|---|---|---|');
  const rate = (s: EnrollSeries) => r.photos / median(s.roundS);
  const enrolRow = (s: EnrollSeries, baseline?: EnrollSeries) => {
    const sorted = [...s.perCall].sort((a, b) => a - b);
    const codes = [...s.rejectedCodes].map(([c, n]) => `${c} ${n}`).join(', ');
    const extra = 1000 / rate(s) - 1000 / rate(baseline ?? s);
    const vs = baseline ? `${((rate(s) / rate(baseline)) * 100).toFixed(0)} % of its rate (${extra >= 0 ? '+' : '-'}${fmtMs(Math.abs(extra))} ms per photo)` : '';
    return (
      `| ${s.label} | **${fmtRate(rate(s))}** | ${fmtRate(mean(s.roundS.map((x) => r.photos / x)))} | ${fmtMs(1000 / rate(s))} | ${fmtMs(sorted[Math.ceil(sorted.length / 2) - 1] ?? NaN)} / ${fmtMs(sorted.at(-1) ?? NaN)} | ` +
      `${fmtMs(mean(s.cpuMs) / r.photos)} | ${s.accepted} / ${s.rejected}${codes ? ` (${codes})` : ''} | ${vs} |`
    );
  };
  lines.push(enrolRow(e.seqAnalyzer), enrolRow(e.seqHttp, e.seqAnalyzer), enrolRow(e.conAnalyzer), enrolRow(e.conHttp, e.conAnalyzer), '');
  const reference = e.seqAnalyzer.signatures[0];
  const seqDiff = differing(reference, e.seqAnalyzer);
  const conDiff = differing(reference, e.conAnalyzer);
  const deterministic = [...seqDiff, ...conDiff].every((n) => n === 0);
  lines.push(
    `The analyzer rows count a photo as accepted when at least one face was found (it judges nothing more); the HTTP rows report the api's verdicts ` +
      `(accepted per round: one at a time ${e.seqHttp.acceptedPerRound.join(', ')}; ${CONCURRENCY} concurrent ${e.conHttp.acceptedPerRound.join(', ')}). ` +
      `Persons in the watchlist at the end: ${r.enrolledPersons} (warm-up included).`,
    '',
    `Same result every time? Photos whose analysis (face count, quality score, first embedding value) differed from the first one-at-a-time round: ` +
      `one at a time, per round: ${seqDiff.join(', ')}; ${CONCURRENCY} at a time, per round: ${conDiff.join(', ')} of ${r.photos}.` +
      (deterministic ? ' Identical throughout.' : ` **Not identical**: the same photo analysed while other analyses run on the same FaceAnalyzer gives a different result, so concurrent enrolments can get different verdicts and embeddings than sequential ones.`),
    '',
  );
  lines.push(`Run time ${r.durationS.toFixed(0)} s (alerts ${r.alertsS.toFixed(0)} s).`, '');
  return lines.join('\n');
}

// ---- child entry point ----------------------------------------------------------------------------------------------

const role = process.env[ROLE_ENV];
if (role && import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  (role === 'publisher' ? publisherRole() : role === 'clients' ? clientsRole() : Promise.reject(new Error(`unknown ${ROLE_ENV}=${role}`))).catch((err: Error) => {
    process.stderr.write(`[api bench ${role}] ${err.stack ?? err.message}\n`);
    process.exit(1);
  });
}
