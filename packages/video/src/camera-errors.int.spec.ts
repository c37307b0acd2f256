// Cameras that cannot be read, all on loopback: each gives a clear status and error, retries with a
// growing delay, and nothing crashes or leaks.
import { repoRoot } from '@argus/config';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CameraSource } from './camera-source.ts';
import { childProcesses } from './child-processes.ts';
import { startFakeCamera, type FakeCamera } from './fake-camera.ts';
import { freeTcpPort } from '@argus/runtime';
import type { Frame, SourceStatus } from './frame-source.ts';
import { makePatternClip } from './test-clips.ts';
import { startSilentServer, startTextHttpServer, type LoopbackServer } from './testing/loopback-servers.ts';
import { processAlive, sleep } from './testing/wait-for.ts';
import type { CameraErrorCode } from './video-error.ts';

const clipDir = join(repoRoot, 'node_modules', '.cache', 'argus-video-clips');

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

interface Case {
  camera: string;
  url: string;
  code: CameraErrorCode;
  problem: string;
  /** Failures expected within the observation window (a silent server costs a socket timeout each). */
  minFailures: number;
}

describe('CameraSource with cameras that cannot be read', () => {
  let baseline: Set<number>;
  let silent: LoopbackServer;
  let http: LoopbackServer;
  let cam: FakeCamera;
  let closedPort: number;

  beforeAll(async () => {
    baseline = new Set(childProcesses().map((p) => p.pid));
    const clip = await makePatternClip({ outDir: clipDir, width: 640, height: 360, durationS: 4 });
    [silent, http, cam, closedPort] = await Promise.all([startSilentServer(), startTextHttpServer(), startFakeCamera({ clip: clip.path }), freeTcpPort()]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([silent?.close(), http?.close(), cam?.stop()]);
  });

  it('reports each failure clearly and retries with growing delays', { timeout: 60_000 }, async () => {
    const cases: Case[] = [
      { camera: 'closed-port', url: `rtsp://127.0.0.1:${closedPort}/x`, code: 'CONNECTION_REFUSED', problem: 'RTSP connection refused', minFailures: 3 },
      { camera: 'silent', url: `rtsp://127.0.0.1:${silent.port}/x`, code: 'NO_ANSWER', problem: 'RTSP server accepted the connection but did not answer within 2 s', minFailures: 2 },
      { camera: 'text-http', url: `http://127.0.0.1:${http.port}/x`, code: 'NOT_VIDEO', problem: 'no video stream', minFailures: 3 },
      { camera: 'rtsp-to-http', url: `rtsp://127.0.0.1:${http.port}/x`, code: 'NOT_VIDEO', problem: 'no video stream', minFailures: 3 },
      { camera: 'wrong-path', url: cam.url.replace(/\/cam$/, '/nope'), code: 'STREAM_NOT_FOUND', problem: 'RTSP server has no stream at this path (404)', minFailures: 3 },
    ];
    const runs = cases.map((c) => {
      const source = new CameraSource({ camera: c.camera, url: c.url, analysisWidth: 160, socketTimeoutMs: 2_000, stallTimeoutMs: 3_000 });
      const states: SourceStatus[] = [];
      const frames: Frame[] = [];
      source.status$.subscribe((s) => states.push(s));
      source.frames$.subscribe((f) => frames.push(f));
      const pids = new Set<number>();
      return { c, source, states, frames, pids };
    });
    const notePids = setInterval(() => runs.forEach((r) => r.source.pid && r.pids.add(r.source.pid)), 50);
    try {
      runs.forEach((r) => r.source.start());
      // Failures at about 0, 1 and 3 s (quick ones) or 2 and 5 s (silent server, 2 s socket timeout).
      await sleep(8_500);
    } finally {
      clearInterval(notePids);
      await Promise.all(runs.map((r) => r.source.stop()));
    }

    for (const { c, source, states, frames, pids } of runs) {
      const failures = states.filter((s) => s.state === 'reconnecting');
      expect(failures.length, `${c.camera}: failures`).toBeGreaterThanOrEqual(c.minFailures);
      expect(states.some((s) => s.state === 'live'), `${c.camera} never live`).toBe(false);
      expect(frames).toEqual([]);
      for (const f of failures) {
        expect(f.code, c.camera).toBe(c.code);
        const delay = `${Math.round(f.retryInMs! / 100) / 10} s`;
        expect(f.lastError).toMatch(new RegExp(`^camera ${escape(c.camera)}: ${escape(c.problem)} at ${escape(c.url)}; retrying in ${escape(delay)} \\((check|install) .+\\)$`));
      }
      const delays = failures.map((f) => f.retryInMs!);
      for (let i = 1; i < delays.length; i++) expect(delays[i]!, `${c.camera}: delays ${delays}`).toBeGreaterThan(delays[i - 1]!);
      expect(delays[0]).toBeGreaterThanOrEqual(800);
      expect(delays[0]).toBeLessThanOrEqual(1_200);
      expect(source.status()).toMatchObject({ state: 'stopped', framesIn: 0 });
      // Stopped while waiting to retry, or during the next attempt.
      expect([failures.length - 1, failures.length]).toContain(source.status().restarts);
      expect(pids.size, `${c.camera}: one ffmpeg per attempt`).toBeGreaterThanOrEqual(c.minFailures);
      for (const pid of pids) expect(processAlive(pid)).toBe(false);
    }
  });

  it('leaves no child process behind', { timeout: 30_000 }, async () => {
    await Promise.all([silent.close(), http.close(), cam.stop()]);
    expect(childProcesses().filter((p) => !baseline.has(p.pid))).toEqual([]);
  });
});
