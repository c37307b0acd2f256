import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assertCameraId, assertWindow, ClipCutter, clipCacheKey, concatList, keyframeAtOrBefore, mergeRanges, noRecording, planClip } from './clip-cutter.ts';
import type { RecordedSegment } from './segment-list.ts';
import { rejection } from './clip-cutter.fixture.ts';
import { VideoError } from './video-error.ts';

const T0 = Date.UTC(2026, 10, 25, 16, 0, 0);
const seg = (offsetS: number, durationS: number, dir = '/rec/lobby'): RecordedSegment => {
  const startMs = T0 + offsetS * 1000;
  const name = `${new Date(startMs).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, '')}+0000.mp4`;
  return { path: `${dir}/${name}`, name, startMs, endMs: startMs + durationS * 1000, durationS };
};
const at = (s: number): number => T0 + s * 1000;

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof VideoError ? err.code : `not a VideoError: ${String(err)}`;
  }
  return undefined;
}

describe('planClip', () => {
  const segments = [seg(0, 10), seg(10, 10), seg(20, 10), seg(40, 10)];

  it('takes the segments overlapping the window, with an inpoint in the first and an outpoint in the last', () => {
    const plan = planClip(segments, at(13.5), at(27.25))!;
    expect(plan.parts.map((p) => p.segment.name)).toEqual([segments[1]!.name, segments[2]!.name]);
    expect(plan.parts[0]).toMatchObject({ inpointS: 3.5 });
    expect(plan.parts[0]!.outpointS).toBeUndefined();
    expect(plan.parts[1]).toMatchObject({ outpointS: 7.25 });
    expect(plan.parts[1]!.inpointS).toBeUndefined();
    expect(plan).toMatchObject({ fromMs: at(13.5), toMs: at(27.25) });
  });

  it('cuts both ends of one segment for a window inside it', () => {
    const plan = planClip(segments, at(21), at(24))!;
    expect(plan.parts).toHaveLength(1);
    expect(plan.parts[0]).toMatchObject({ segment: segments[2], inpointS: 1, outpointS: 4 });
  });

  it('keeps whole segments at the edges of the recording and reports only what is covered', () => {
    const plan = planClip(segments, at(-30), at(35))!;
    expect(plan.parts.map((p) => p.segment)).toEqual(segments.slice(0, 3));
    expect(plan.parts[0]!.inpointS).toBeUndefined();
    expect(plan.parts[2]!.outpointS).toBeUndefined();
    expect(plan).toMatchObject({ fromMs: at(0), toMs: at(30) });
  });

  it('joins across a gap in the recording and finds nothing in a gap or outside', () => {
    expect(planClip(segments, at(28), at(42))!.parts.map((p) => p.segment)).toEqual([segments[2], segments[3]]);
    expect(planClip(segments, at(31), at(39))).toBeUndefined();
    expect(planClip(segments, at(30), at(40))).toBeUndefined();
    expect(planClip(segments, at(-20), at(-1))).toBeUndefined();
    expect(planClip([], at(0), at(1))).toBeUndefined();
  });
});

describe('concatList', () => {
  it('writes an ffconcat list with inpoint/outpoint and quotes paths', () => {
    const a = { ...seg(0, 10), path: "/rec/it's/a.mp4" };
    const b = seg(10, 10);
    expect(concatList([{ segment: a, inpointS: 3 }, { segment: b, outpointS: 2.5 }])).toBe(
      `ffconcat version 1.0\nfile '/rec/it'\\''s/a.mp4'\ninpoint 3.000000\nfile '${b.path}'\noutpoint 2.500000\n`,
    );
  });
});

describe('keyframeAtOrBefore', () => {
  it('moves a start back to the keyframe before it', () => {
    expect(keyframeAtOrBefore([0, 1, 2, 3], 2.5)).toBe(2);
    expect(keyframeAtOrBefore([0, 1, 2, 3], 2)).toBe(2);
    expect(keyframeAtOrBefore([0.5, 1.5], 0.2)).toBe(0.5);
    expect(keyframeAtOrBefore([], 1)).toBeUndefined();
  });
});

describe('mergeRanges', () => {
  it('merges segments up to 2 s apart and splits at longer gaps', () => {
    const ranges = mergeRanges([seg(20, 10), seg(0, 10), seg(11.5, 8), seg(32.5, 5)]);
    expect(ranges).toEqual([
      { startMs: at(0), endMs: at(30) },
      { startMs: at(32.5), endMs: at(37.5) },
    ]);
    expect(mergeRanges([])).toEqual([]);
  });
});

describe('input checks', () => {
  it('rejects camera ids that are not folder-safe', () => {
    for (const bad of ['../etc', '..', 'Lobby', '', 'a/b', '-x', 'a'.repeat(64), 'x\0', 7]) expect(codeOf(() => assertCameraId(bad)), String(bad)).toBe('INVALID_INPUT');
    expect(codeOf(() => assertCameraId('lobby_2-b'))).toBeUndefined();
  });

  it('rejects windows that are not finite, inverted or too long', () => {
    expect(codeOf(() => assertWindow(Number.NaN, 10, 60))).toBe('INVALID_INPUT');
    expect(codeOf(() => assertWindow(0, Number.POSITIVE_INFINITY, 60))).toBe('INVALID_INPUT');
    expect(codeOf(() => assertWindow('1', 10, 60))).toBe('INVALID_INPUT');
    expect(codeOf(() => assertWindow(10, 10, 60))).toBe('INVALID_INPUT');
    expect(codeOf(() => assertWindow(20, 10, 60))).toBe('INVALID_INPUT');
    expect(codeOf(() => assertWindow(0, 60_001, 60))).toBe('INVALID_INPUT');
    expect(codeOf(() => assertWindow(0, 60_000, 60))).toBeUndefined();
  });

  it('says which times are recorded when a window has none', () => {
    const err = noRecording('lobby', at(100), at(110), [{ startMs: at(0), endMs: at(30) }]);
    expect(err.code).toBe('NO_RECORDING');
    expect(err.message).toContain('2026-11-25T16:00:00Z to 2026-11-25T16:00:30Z');
    expect(err.details).toEqual({ camera: 'lobby', recorded: [{ startMs: at(0), endMs: at(30) }] });
    expect(noRecording('lobby', at(0), at(1), []).message).toMatch(/has no recordings at all/);
  });
});

describe('clipCacheKey', () => {
  it('is stable for the same cut and differs when the cut differs', () => {
    const segments = [seg(0, 10), seg(10, 10)];
    const key = clipCacheKey('lobby', planClip(segments, at(5), at(15))!);
    expect(clipCacheKey('lobby', planClip(segments, at(5), at(15))!)).toBe(key);
    expect(clipCacheKey('lobby', planClip(segments, at(5), at(16))!)).not.toBe(key);
    expect(clipCacheKey('door', planClip(segments, at(5), at(15))!)).not.toBe(key);
    // A segment that got longer since (it was still being written) is a different clip.
    expect(clipCacheKey('lobby', planClip([segments[0]!, seg(10, 12)], at(5), at(25))!)).not.toBe(clipCacheKey('lobby', planClip(segments, at(5), at(25))!));
    expect(key).toMatch(/^lobby-[0-9a-f]{20}$/);
  });
});

describe('ClipCutter checks before touching ffmpeg', () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it('rejects bad options', () => {
    expect(codeOf(() => new ClipCutter({ recordingsDir: '/r', cacheDir: '/c', preRollS: -1, postRollS: 0, maxWindowS: 10 }))).toBe('INVALID_OPTIONS');
    expect(codeOf(() => new ClipCutter({ recordingsDir: '/r', cacheDir: '/c', preRollS: 0, postRollS: 0, maxWindowS: 0 }))).toBe('INVALID_OPTIONS');
    expect(codeOf(() => new ClipCutter({ recordingsDir: '', cacheDir: '/c', preRollS: 0, postRollS: 0, maxWindowS: 10 }))).toBe('INVALID_OPTIONS');
  });

  it('answers INVALID_INPUT and NO_RECORDING with clear messages', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'argus-cutter-'));
    dirs.push(dir);
    const cutter = new ClipCutter({ recordingsDir: join(dir, 'rec'), cacheDir: join(dir, 'cache'), preRollS: 2, postRollS: 2, maxWindowS: 60 });
    expect((await rejection(cutter.cut('../etc', at(0), at(10)))).code).toBe('INVALID_INPUT');
    expect((await rejection(cutter.recordedRanges('../etc'))).code).toBe('INVALID_INPUT');
    expect((await rejection(cutter.cut('lobby', at(10), at(0)))).code).toBe('INVALID_INPUT');
    expect((await rejection(cutter.cut('lobby', at(0), at(61)))).code).toBe('INVALID_INPUT');
    const none = await rejection(cutter.cut('lobby', at(0), at(10)));
    expect(none.code).toBe('NO_RECORDING');
    expect(none.message).toMatch(/camera lobby has no recordings at all/);
    expect(await cutter.recordedRanges('lobby')).toEqual([]);
  });
});
