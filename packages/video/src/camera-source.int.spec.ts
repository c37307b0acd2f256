// CameraSource against real ffmpeg and a real RTSP server (GStreamer) on loopback.
import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@argus/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CameraSource } from './camera-source.ts';
import { childProcesses } from './child-processes.ts';
import { startFakeCamera, type FakeCamera } from './fake-camera.ts';
import type { Frame, SourceStatus } from './frame-source.ts';
import { makePatternClip, PATTERN_QUADRANTS, type VideoClip } from './test-clips.ts';
import { probeVideo } from './testing/media-probe.ts';
import { processAlive, sleep, waitFor } from './testing/wait-for.ts';

const clipDir = join(repoRoot, 'node_modules', '.cache', 'argus-video-clips');

function pixel(frame: Frame, x: number, y: number): number[] {
  const i = (Math.round(y) * frame.width + Math.round(x)) * 3;
  return [frame.data[i]!, frame.data[i + 1]!, frame.data[i + 2]!];
}

/** The quadrant pattern, checked a few pixels either side of both borders: a frame cut at the wrong byte fails. */
function expectPattern(frame: Frame): void {
  const { width: w, height: h } = frame;
  const q = PATTERN_QUADRANTS;
  const probes: Array<[number, number, readonly number[]]> = [
    [w / 4, h / 4, q.topLeft],
    [w / 2 - 5, h / 4, q.topLeft],
    [w / 2 + 4, h / 4, q.topRight],
    [w / 4, h / 2 - 5, q.topLeft],
    [w / 4, h / 2 + 4, q.bottomLeft],
    [w / 2 - 5, h / 2 + 4, q.bottomLeft],
    [w / 2 + 4, h / 2 + 4, q.bottomRight],
    [(3 * w) / 4, (3 * h) / 4, q.bottomRight],
    [w - 1, 0, q.topRight],
    [0, h - 1, q.bottomLeft],
  ];
  for (const [x, y, want] of probes) {
    const got = pixel(frame, x, y);
    const off = got.map((c, i) => Math.abs(c - want[i]!));
    if (Math.max(...off) > 48) throw new Error(`frame ${frame.seq}: pixel (${Math.round(x)},${Math.round(y)}) is ${got}, expected about ${want}`);
  }
}

describe('CameraSource on a real RTSP camera', () => {
  let clip: VideoClip;
  let baseline: Set<number>;
  const cleanups: Array<() => Promise<unknown>> = [];
  const later = <T extends { stop(): Promise<unknown> }>(thing: T): T => {
    cleanups.push(() => thing.stop());
    return thing;
  };
  const camera = async (): Promise<FakeCamera> => later(await startFakeCamera({ clip: clip.path }));

  beforeAll(async () => {
    baseline = new Set(childProcesses().map((p) => p.pid));
    clip = await makePatternClip({ outDir: clipDir, width: 640, height: 360, durationS: 4 });
  }, 60_000);

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  }, 30_000);

  it('delivers whole frames of the analysis size at analysisFps and records MP4 segments that ffprobe reads', { timeout: 60_000 }, async () => {
    const cam = await camera();
    const recordingsDir = await mkdtemp(join(tmpdir(), 'argus-recordings-'));
    cleanups.push(() => rm(recordingsDir, { recursive: true, force: true }));
    const source = later(new CameraSource({ camera: 'pattern', url: cam.url, analysisWidth: 320, analysisFps: 5, record: true, recordingsDir, segmentSeconds: 2 }));
    const frames: Frame[] = [];
    source.frames$.subscribe((f) => frames.push(f));
    const startedAt = Date.now();
    source.start();
    await waitFor(() => source.status().state === 'live', 20_000, 'the first frame', () => source.status());
    const liveAt = Date.now();
    await sleep(6_500);

    const steady = frames.filter((f) => f.ts > liveAt + 1_000 && f.ts <= liveAt + 6_000);
    expect(steady.length).toBeGreaterThanOrEqual(21);
    expect(steady.length).toBeLessThanOrEqual(29);
    expect(source.status().fps).toBeGreaterThan(4);
    expect(source.status().fps).toBeLessThan(6);
    for (const f of frames) {
      expect([f.camera, f.width, f.height, f.data.length]).toEqual(['pattern', 320, 180, 320 * 180 * 3]);
      expectPattern(f);
    }
    expect(frames.map((f) => f.seq)).toEqual(frames.map((_, i) => i));
    expect(source.status()).toMatchObject({ width: 320, height: 180, restarts: 0 });
    expect(source.status().bytes).toBe(source.status().framesIn * 320 * 180 * 3);

    const pid = source.pid;
    expect(processAlive(pid)).toBe(true);
    await source.stop();
    expect(processAlive(pid)).toBe(false);
    expect(source.status().state).toBe('stopped');

    // SIGINT lets ffmpeg close the last segment properly, so it is listed and readable too.
    const segments = await source.segments();
    expect(segments.length).toBeGreaterThanOrEqual(3);
    const onDisk = readdirSync(join(recordingsDir, 'pattern')).filter((n) => n.endsWith('.mp4'));
    expect(onDisk.sort()).toEqual(segments.map((s) => s.name).sort());
    for (const s of segments) {
      const probe = await probeVideo(s.path);
      expect(probe).toMatchObject({ codec: 'h264', width: 640, height: 360 });
      expect(Math.abs(probe.durationS - s.durationS)).toBeLessThan(0.3);
      expect(s.startMs).toBeGreaterThanOrEqual(Math.floor(startedAt / 1000) * 1000);
      expect(s.endMs).toBeLessThanOrEqual(Date.now() + 1_000);
    }
    // Back to back: names have second precision, so allow a second either way.
    // Names carry whole seconds and are taken when a segment opens: on a loaded machine the seams wander by up to ~2 s.
    for (let i = 1; i < segments.length; i++) expect(Math.abs(segments[i]!.startMs - segments[i - 1]!.endMs)).toBeLessThanOrEqual(2_500);
  });

  it('goes reconnecting then live again when the RTSP server dies and returns; a second camera never stops', { timeout: 90_000 }, async () => {
    const [camA, camB] = await Promise.all([camera(), camera()]);
    const a = later(new CameraSource({ camera: 'cam-a', url: camA.url, analysisWidth: 160, stallTimeoutMs: 4_000 }));
    const b = later(new CameraSource({ camera: 'cam-b', url: camB.url, analysisWidth: 160, stallTimeoutMs: 4_000 }));
    const statesA: SourceStatus[] = [];
    const statesB: SourceStatus[] = [];
    const framesA: Frame[] = [];
    const framesB: Frame[] = [];
    a.status$.subscribe((s) => statesA.push(s));
    b.status$.subscribe((s) => statesB.push(s));
    a.frames$.subscribe((f) => framesA.push(f));
    b.frames$.subscribe((f) => framesB.push(f));
    const pids = new Set<number>();
    const notePids = setInterval(() => [a.pid, b.pid].forEach((p) => p && pids.add(p)), 100);
    try {
      a.start();
      b.start();
      await waitFor(() => a.status().state === 'live' && b.status().state === 'live', 20_000, 'both cameras live', () => [a.status(), b.status()]);
      const bLiveAt = Date.now();

      const killedAt = Date.now();
      const serverPid = camA.serverPid;
      await camA.killServer();
      expect(processAlive(serverPid)).toBe(false);
      await waitFor(() => a.status().state === 'reconnecting', 10_000, 'camera a to notice the outage', () => a.status());
      await sleep(Math.max(0, killedAt + 10_000 - Date.now()));
      await camA.startServer();
      const backAt = Date.now();
      await waitFor(() => a.status().state === 'live', 40_000, 'camera a to reconnect', () => a.status());
      const countAtReconnect = framesA.length;
      await waitFor(() => framesA.length >= countAtReconnect + 5, 5_000, 'frames from camera a after the reconnect');
      const bEnd = Date.now();

      const seen = statesA.map((s) => s.state).filter((s, i, all) => s !== all[i - 1]);
      expect(seen).toEqual(['connecting', 'live', 'reconnecting', 'live']);
      const failures = statesA.filter((s) => s.state === 'reconnecting');
      expect(failures.length).toBeGreaterThanOrEqual(3);
      const refused = failures.filter((s) => s.code === 'CONNECTION_REFUSED');
      expect(refused.length).toBeGreaterThanOrEqual(2);
      expect(refused[0]!.lastError).toMatch(new RegExp(`^camera cam-a: RTSP connection refused at ${camA.url}; retrying in \\d+(\\.\\d)? s \\(check that the camera is on`));
      const delays = failures.map((s) => s.retryInMs!);
      for (let i = 1; i < delays.length; i++) expect(delays[i]!).toBeGreaterThan(delays[i - 1]!);
      expect(a.status().restarts).toBe(failures.length);
      expect(a.status().lastError).toBeUndefined();
      framesA.filter((f) => f.ts > backAt).forEach(expectPattern);

      expect(statesB.map((s) => s.state)).toEqual(['connecting', 'live']);
      const tsB = framesB.map((f) => f.ts).filter((t) => t >= bLiveAt && t <= bEnd);
      const worstGap = Math.max(...tsB.slice(1).map((t, i) => t - tsB[i]!));
      expect(worstGap).toBeLessThan(1_000);
      expect(tsB.length).toBeGreaterThan(((bEnd - bLiveAt) / 1000) * 4);
    } finally {
      clearInterval(notePids);
      await Promise.all([a.stop(), b.stop()]);
    }
    expect(pids.size).toBeGreaterThanOrEqual(3);
    for (const pid of pids) expect(processAlive(pid)).toBe(false);
  });

  it('kills and restarts ffmpeg when a connected camera freezes (stall watchdog)', { timeout: 60_000 }, async () => {
    const cam = await camera();
    const source = later(new CameraSource({ camera: 'frozen', url: cam.url, analysisWidth: 160, stallTimeoutMs: 2_000, socketTimeoutMs: 3_000 }));
    const frames: Frame[] = [];
    source.frames$.subscribe((f) => frames.push(f));
    source.start();
    await waitFor(() => source.status().state === 'live', 20_000, 'the first frame', () => source.status());
    const stuckPid = source.pid;
    cam.pauseServer();
    try {
      await waitFor(() => source.status().code === 'STALLED', 8_000, 'the stall watchdog', () => source.status());
      expect(source.status().lastError).toMatch(/^camera frozen: no frame for 2(\.\d)? s at rtsp:\/\/127\.0\.0\.1:\d+\/cam; retrying in .* \(the camera stopped sending/);
      expect(processAlive(stuckPid)).toBe(false);
    } finally {
      cam.resumeServer();
    }
    const before = frames.length;
    await waitFor(() => source.status().state === 'live' && frames.length >= before + 3, 30_000, 'frames after the camera thawed', () => source.status());
    expect(source.pid).not.toBe(stuckPid);
    await source.stop();
  });

  it('leaves no child process behind', { timeout: 30_000 }, async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    const left = childProcesses().filter((p) => !baseline.has(p.pid));
    expect(left).toEqual([]);
  });
});
