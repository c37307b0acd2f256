// Clips built from the fixture photos with real ffmpeg: the manifest matches what is on screen.
import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@argus/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFaceClip, makeGroupPanClip, makePatternClip } from './test-clips.ts';
import { greyFrameAt, probeVideo } from './testing/media-probe.ts';

const fixturesDir = loadConfig().resolved.fixtures;

/** Mean and standard deviation of a rectangle of a grey frame. */
function regionStats(grey: Uint8Array, width: number, [x, y, w, h]: [number, number, number, number]): { mean: number; sd: number } {
  let sum = 0;
  let sq = 0;
  for (let r = y; r < y + h; r++) {
    for (let c = x; c < x + w; c++) {
      const v = grey[r * width + c]!;
      sum += v;
      sq += v * v;
    }
  }
  const n = w * h;
  const mean = sum / n;
  return { mean, sd: Math.sqrt(sq / n - mean * mean) };
}

describe('test clips', () => {
  let outDir: string;
  beforeAll(async () => {
    outDir = await mkdtemp(join(tmpdir(), 'argus-clips-'));
  });
  afterAll(() => rm(outDir, { recursive: true, force: true }));

  it('shows each person in turn, as the manifest says, with empty gaps between', { timeout: 60_000 }, async () => {
    const people = [{ name: 'penny' }, { name: 'raj', photo: 3 }];
    const clip = await makeFaceClip({ fixturesDir, outDir, people, secondsPerPerson: 2, gapSeconds: 1, width: 640, height: 360 });
    expect(clip.path).toMatch(/\.ts$/);
    expect(clip.durationS).toBe(7);
    expect(clip.manifest.map(({ person, fromS, toS }) => ({ person, fromS, toS }))).toEqual([
      { person: 'penny', fromS: 1, toS: 3 },
      { person: 'raj', fromS: 4, toS: 6 },
    ]);
    expect(clip.manifest[1]!.photo).toBe(join(fixturesDir, 'faces/bbt/raj/3.png'));
    const probe = await probeVideo(clip.path);
    expect(probe).toMatchObject({ codec: 'h264', width: 640, height: 360 });
    expect(Math.abs(probe.durationS - clip.durationS)).toBeLessThan(0.2);

    const box = clip.manifest[0]!.box;
    // 45 % of the height, centred.
    expect(box).toEqual([239, 99, 162, 162]);
    const inner: typeof box = [box[0] + 10, box[1] + 10, box[2] - 20, box[3] - 20];
    const gaps = [0.5, 3.5, 6.5];
    for (const t of gaps) {
      const frame = await greyFrameAt(clip.path, t);
      expect(frame.length).toBe(640 * 360);
      expect(regionStats(frame, 640, inner).sd, `gap at ${t} s`).toBeLessThan(3);
    }
    for (const appearance of clip.manifest) {
      const frame = await greyFrameAt(clip.path, (appearance.fromS + appearance.toS) / 2);
      expect(regionStats(frame, 640, inner).sd, `${appearance.person} on screen`).toBeGreaterThan(20);
      // Outside the box the background stays plain.
      expect(regionStats(frame, 640, [10, 10, 100, 100]).sd).toBeLessThan(3);
    }
    // Two people give two different pictures.
    const a = await greyFrameAt(clip.path, 2);
    const b = await greyFrameAt(clip.path, 5);
    let diff = 0;
    for (let i = 0; i < a.length; i++) diff += Math.abs(a[i]! - b[i]!);
    expect(diff / a.length).toBeGreaterThan(5);
  });

  it('reuses a cached clip and rebuilds when its inputs change', { timeout: 60_000 }, async () => {
    const options = { fixturesDir, outDir, people: [{ name: 'amy' }], secondsPerPerson: 1, gapSeconds: 1, width: 320, height: 180 };
    const first = await makeFaceClip(options);
    const built = statSync(first.path).mtimeMs;
    const again = await makeFaceClip(options);
    expect(again.path).toBe(first.path);
    expect(statSync(again.path).mtimeMs).toBe(built);
    const other = await makeFaceClip({ ...options, people: [{ name: 'amy', photo: 2 }] });
    expect(other.path).not.toBe(first.path);
    // Parallel callers asking for the same new clip all get a whole file.
    const parallel = await Promise.all([1, 2, 3].map(() => makePatternClip({ outDir, width: 160, height: 90, durationS: 1 })));
    expect(new Set(parallel.map((c) => c.path)).size).toBe(1);
    expect((await probeVideo(parallel[0]!.path)).width).toBe(160);
  });

  it('pans across a group photo', { timeout: 60_000 }, async () => {
    const clip = await makeGroupPanClip({ fixturesDir, outDir, group: 'bbt4', durationS: 2, width: 320, height: 180 });
    expect(await probeVideo(clip.path)).toMatchObject({ codec: 'h264', width: 320, height: 180 });
    const start = await greyFrameAt(clip.path, 0);
    const middle = await greyFrameAt(clip.path, 1);
    let diff = 0;
    for (let i = 0; i < start.length; i++) diff += Math.abs(start[i]! - middle[i]!);
    expect(diff / start.length, 'the view moves').toBeGreaterThan(10);
  });

  it('says which photo is missing and how to point at the test data', async () => {
    await expect(makeFaceClip({ fixturesDir, outDir, people: [{ name: 'nobody' }], secondsPerPerson: 1, gapSeconds: 1 })).rejects.toMatchObject({
      code: 'FIXTURE_MISSING',
      message: expect.stringContaining('ARGUS_FIXTURES'),
    });
    await expect(makeFaceClip({ fixturesDir, outDir, people: [], secondsPerPerson: 1, gapSeconds: 1 })).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
  });
});
