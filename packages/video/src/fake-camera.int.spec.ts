// The fake camera itself: a real GStreamer RTSP server that outlives publisher restarts, and clear errors
// when GStreamer's Python bindings are missing.
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@argus/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CameraSource } from './camera-source.ts';
import { childProcesses } from './child-processes.ts';
import { startFakeCamera } from './fake-camera.ts';
import type { Frame } from './frame-source.ts';
import { makePatternClip, type VideoClip } from './test-clips.ts';
import { processAlive, waitFor } from './testing/wait-for.ts';
import { VideoError } from './video-error.ts';

const clipDir = join(repoRoot, 'node_modules', '.cache', 'argus-video-clips');
const APT = 'python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly';

describe('startFakeCamera', () => {
  let clip: VideoClip;
  let baseline: Set<number>;
  let scratch: string;
  const cleanups: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    baseline = new Set(childProcesses().map((p) => p.pid));
    scratch = await mkdtemp(join(tmpdir(), 'argus-fake-camera-'));
    clip = await makePatternClip({ outDir: clipDir, width: 640, height: 360, durationS: 4 });
  }, 60_000);

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    await rm(scratch, { recursive: true, force: true });
  }, 30_000);

  it('keeps readers connected while the publisher restarts', { timeout: 60_000 }, async () => {
    const cam = await startFakeCamera({ clip: clip.path });
    cleanups.push(cam.stop);
    expect(cam.url).toMatch(/^rtsp:\/\/127\.0\.0\.1:\d+\/cam$/);
    const source = new CameraSource({ camera: 'relay', url: cam.url, analysisWidth: 160, stallTimeoutMs: 8_000 });
    cleanups.push(() => source.stop());
    const frames: Frame[] = [];
    source.frames$.subscribe((f) => frames.push(f));
    source.start();
    await waitFor(() => source.status().state === 'live', 20_000, 'the first frame', () => source.status());
    const serverPid = cam.serverPid;
    const oldPublisher = cam.publisherPid;
    await cam.restartPublisher();
    expect(processAlive(oldPublisher)).toBe(false);
    expect(cam.publisherPid).not.toBe(oldPublisher);
    const restartedAt = Date.now();
    await waitFor(() => frames.filter((f) => f.ts > restartedAt + 1_000).length >= 10, 20_000, 'frames from the new publisher', () => source.status());
    expect(cam.serverPid).toBe(serverPid);
    // The reader never noticed: same ffmpeg, same RTSP session.
    expect(source.status()).toMatchObject({ state: 'live', restarts: 0 });
    await source.stop();
    await cam.stop();
    expect(processAlive(serverPid)).toBe(false);
    expect(processAlive(cam.publisherPid)).toBe(false);
  });

  it('serves a synthetic test pattern without a clip', { timeout: 60_000 }, async () => {
    const cam = await startFakeCamera({ testPatternSize: '320x240' });
    cleanups.push(cam.stop);
    const source = new CameraSource({ camera: 'bars', url: cam.url, analysisWidth: 160 });
    cleanups.push(() => source.stop());
    let first: Frame | undefined;
    source.frames$.subscribe((f) => (first ??= f));
    source.start();
    await waitFor(() => first !== undefined, 20_000, 'a test pattern frame', () => source.status());
    expect([first!.width, first!.height]).toEqual([160, 120]);
    await source.stop();
    await cam.stop();
  });

  it('names the apt packages when GStreamer for Python is missing', async () => {
    // Debian's interpreter without its site packages: the same "no module named gi" a bare system gives.
    const bare = join(scratch, 'python-without-gi');
    await writeFile(bare, '#!/bin/sh\nexec /usr/bin/python3 -S "$@"\n');
    await chmod(bare, 0o755);
    for (const pythonPath of [bare, join(scratch, 'no-such-python')]) {
      const err = await startFakeCamera({ clip: clip.path, pythonPath }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(VideoError);
      expect((err as VideoError).code).toBe('GSTREAMER_MISSING');
      expect((err as VideoError).message).toContain(`apt-get install -y ${APT}`);
    }
  });

  it('refuses clips it cannot loop, saying how to fix them', async () => {
    await expect(startFakeCamera({ clip: join(scratch, 'missing.ts') })).rejects.toThrow(/does not exist; build one with makeFaceClip/);
    const mp4 = join(scratch, 'clip.mp4');
    await writeFile(mp4, '');
    await expect(startFakeCamera({ clip: mp4 })).rejects.toMatchObject({ code: 'INVALID_OPTIONS', message: expect.stringContaining('-c copy -f mpegts clip.ts') });
  });

  it('brings a killed server back on the same port', { timeout: 30_000 }, async () => {
    const cam = await startFakeCamera({ clip: clip.path });
    cleanups.push(cam.stop);
    const first = cam.serverPid;
    await cam.killServer();
    expect(processAlive(first)).toBe(false);
    await cam.startServer();
    expect(cam.serverPid).not.toBe(first);
    expect(processAlive(cam.serverPid)).toBe(true);
    await cam.restartServer();
    expect(processAlive(cam.serverPid)).toBe(true);
    await cam.stop();
  });

  it('leaves no child process behind', { timeout: 30_000 }, async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    expect(childProcesses().filter((p) => !baseline.has(p.pid))).toEqual([]);
  });
});
