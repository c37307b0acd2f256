// ClipCutter on real recordings made by ffmpeg's segment muxer, cut and checked with real ffmpeg/ffprobe.
import { readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childProcesses } from './child-processes.ts';
import { ClipCutter, isoSeconds, probeDuration } from './clip-cutter.ts';
import { makeSourceClip, packetHashes, recordCamera, streamInfo, rejection } from './clip-cutter.fixture.ts';
import { readSegments, type RecordedSegment } from './segment-list.ts';

/** The test clip: 25 fps, a keyframe every 25 frames (1 s), recorded in 2 s segments. */
const FPS = 25;

describe('ClipCutter on real recordings', () => {
  let dir: string;
  let recordingsDir: string;
  let segments: RecordedSegment[];
  let baseline: Set<number>;
  const cutter = (cache = 'cache', extra: Partial<ConstructorParameters<typeof ClipCutter>[0]> = {}): ClipCutter =>
    new ClipCutter({ recordingsDir, cacheDir: join(dir, cache), preRollS: 0, postRollS: 0, maxWindowS: 60, ...extra });

  beforeAll(async () => {
    baseline = new Set(childProcesses().map((p) => p.pid));
    dir = await mkdtemp(join(tmpdir(), 'argus-clip-cutter-'));
    recordingsDir = join(dir, 'recordings');
    const clip = await makeSourceClip(join(dir, 'source.ts'), 6);
    await recordCamera(recordingsDir, 'lobby', clip);
    segments = await readSegments(join(recordingsDir, 'lobby'));
  }, 60_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    const leftovers = childProcesses().filter((p) => !baseline.has(p.pid) && /ffmpeg|ffprobe/.test(p.command));
    expect(leftovers).toEqual([]);
  });

  it('recorded the test camera in three 2 s segments named by wall-clock start', () => {
    expect(segments.length).toBe(3);
    for (const s of segments) expect(s.durationS).toBeCloseTo(2, 2);
  });

  it('cuts a window spanning two segments without re-encoding, from the keyframe before its start', async () => {
    const [, s1, s2] = segments as [RecordedSegment, RecordedSegment, RecordedSegment];
    const fromMs = s1.startMs + 1500;
    const toMs = s2.startMs + 1000;
    const clip = await cutter().cut('lobby', fromMs, toMs);

    expect(clip).toMatchObject({ camera: 'lobby', segments: [s1.name, s2.name], fromMs: s1.startMs + 1000, toMs });
    expect(clip.fromMs).toBeLessThanOrEqual(fromMs);
    expect(clip.toMs).toBeGreaterThanOrEqual(toMs);
    // 1 s of s1 from its keyframe at 1.0 s, then s2 up to 1.0 s.
    expect(clip.durationS).toBeCloseTo(2, 1);
    expect(await probeDuration(clip.path)).toBeCloseTo(clip.durationS, 3);
    expect(clip.durationS * 1000).toBeGreaterThanOrEqual(toMs - fromMs - Math.max(0, s2.startMs - s1.endMs));
    expect(clip.bytes).toBe((await stat(clip.path)).size);

    // The very packets of the recording (same bytes, same codec header): nothing was re-encoded.
    const [out, a, b] = await Promise.all([packetHashes(clip.path), packetHashes(s1.path), packetHashes(s2.path)]);
    expect(out.packets).toEqual([...a.packets.slice(FPS), ...b.packets.slice(0, FPS)]);
    expect(out.extradata).toBe(a.extradata);
    expect(await streamInfo(clip.path)).toEqual(await streamInfo(s1.path));
  });

  it('adds the pre- and post-roll around the window', async () => {
    const [, s1, s2] = segments as [RecordedSegment, RecordedSegment, RecordedSegment];
    const fromMs = s1.startMs + 1500;
    const toMs = s2.startMs + 200;
    const clip = await cutter('cache-roll', { preRollS: 1, postRollS: 1 }).cut('lobby', fromMs, toMs);
    expect(clip.fromMs).toBe(s1.startMs);
    expect(clip.toMs).toBe(toMs + 1000);
    // Segment names carry whole seconds, so under load a cut point can land one keyframe (1 s here) later.
    expect(clip.durationS).toBeGreaterThanOrEqual(s1.durationS + 1.2 - 0.05);
    expect(clip.durationS).toBeLessThanOrEqual(s1.durationS + 1.2 + 1.05);
  });

  it('covers only what is recorded when the window runs past the end', async () => {
    const last = segments[2]!;
    const clip = await cutter().cut('lobby', last.startMs + 500, last.startMs + 20_000);
    expect(clip).toMatchObject({ segments: [last.name], fromMs: last.startMs, toMs: last.endMs });
    expect(await probeDuration(clip.path)).toBeCloseTo(last.durationS, 1);
  });

  it('gives concurrent requests for the same clip one complete file, and reuses it later', async () => {
    const [s0, s1] = segments as [RecordedSegment, RecordedSegment];
    const window = [s0.startMs + 700, s1.startMs + 1300] as const;
    // Two cutters on one cache, as two api processes would be.
    const one = cutter('cache-shared');
    const two = cutter('cache-shared');
    const clips = await Promise.all([one.cut('lobby', ...window), one.cut('lobby', ...window), two.cut('lobby', ...window), two.cut('lobby', ...window)]);
    expect(new Set(clips.map((c) => c.path)).size).toBe(1);
    const files = await readdir(join(dir, 'cache-shared'));
    expect(files.filter((f) => f.endsWith('.mp4'))).toHaveLength(1);
    expect(files.filter((f) => f.startsWith('.'))).toEqual([]);
    expect(await probeDuration(clips[0]!.path)).toBeCloseTo(clips[0]!.durationS, 3);

    const inode = (await stat(clips[0]!.path)).ino;
    const again = await one.cut('lobby', ...window);
    expect(again).toEqual(clips[0]);
    expect((await stat(again.path)).ino).toBe(inode);
  });

  it('rejects a camera id that would leave the recordings folder', async () => {
    const err = await rejection(cutter().cut('../etc', segments[0]!.startMs, segments[0]!.endMs));
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.message).toMatch(/camera id "\.\.\/etc" is not valid/);
  });

  it('answers NO_RECORDING with the recorded range for a window outside the recording', async () => {
    const ranges = await cutter().recordedRanges('lobby');
    expect(ranges).toEqual([{ startMs: segments[0]!.startMs, endMs: segments[2]!.endMs }]);
    const start = segments[0]!.startMs;
    const err = await rejection(cutter().cut('lobby', start - 3_600_000, start - 3_590_000));
    expect(err.code).toBe('NO_RECORDING');
    expect(err.message).toContain(`recorded: ${isoSeconds(ranges[0]!.startMs)} to ${isoSeconds(ranges[0]!.endMs)}`);
    expect(err.details).toEqual({ camera: 'lobby', recorded: ranges });
    expect((await rejection(cutter().cut('garage', start, start + 1000))).message).toMatch(/camera garage has no recordings at all/);
  });

  it('deletes cached clips unused for an hour, and the least recently used past the size cap', async () => {
    const [s0, s1, s2] = segments as [RecordedSegment, RecordedSegment, RecordedSegment];
    const c = cutter('cache-prune', { cacheMaxBytes: 1 });
    const old = await c.cut('lobby', s0.startMs, s0.startMs + 1000);
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
    await utimes(old.path, twoHoursAgo, twoHoursAgo);
    const used = await c.cut('lobby', s1.startMs, s1.startMs + 1000);
    await expect(stat(old.path)).rejects.toMatchObject({ code: 'ENOENT' });
    // Just handed out: kept a minute for its reader even over the cap; later the least recently used goes.
    const tenMinutesAgo = new Date(Date.now() - 10 * 60_000);
    await utimes(used.path, tenMinutesAgo, tenMinutesAgo);
    const latest = await c.cut('lobby', s2.startMs, s2.startMs + 1000);
    await expect(stat(used.path)).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await stat(latest.path)).size).toBe(latest.bytes);
    expect((await readdir(join(dir, 'cache-prune'))).sort()).toEqual([`${latest.path.split('/').pop()!.slice(0, -4)}.json`, latest.path.split('/').pop()!]);
  });

  it('says PROBE_FAILED for a file that is not a video', async () => {
    const bogus = join(dir, 'bogus.mp4');
    await writeFile(bogus, 'not a video');
    expect((await rejection(probeDuration(bogus))).code).toBe('PROBE_FAILED');
  });
});
