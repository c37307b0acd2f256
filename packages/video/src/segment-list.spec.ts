import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSegmentList, parseSegmentStart, readSegments } from './segment-list.ts';

describe('parseSegmentList', () => {
  it('reads ffmpeg csv lines, quoted names and skips a half-written last line', () => {
    const csv = '20261125T160942+0000.mp4,0.000000,2.055859\n"odd, name.mp4",2.015391,4.920625\n20261125T160946+0000.mp4,4.9067';
    expect(parseSegmentList(csv)).toEqual([
      { name: '20261125T160942+0000.mp4', startS: 0, endS: 2.055859 },
      { name: 'odd, name.mp4', startS: 2.015391, endS: 4.920625 },
    ]);
    expect(parseSegmentList('')).toEqual([]);
  });
});

describe('parseSegmentStart', () => {
  it('reads the wall-clock start with its UTC offset', () => {
    expect(parseSegmentStart('20261125T160942+0000.mp4')).toBe(Date.UTC(2026, 10, 25, 16, 9, 42));
    expect(parseSegmentStart('20261125T180942+0200.mp4')).toBe(Date.UTC(2026, 10, 25, 16, 9, 42));
    expect(parseSegmentStart('20261125T103942-0530.mp4')).toBe(Date.UTC(2026, 10, 25, 16, 9, 42));
    expect(parseSegmentStart('clip.mp4')).toBeUndefined();
  });
});

describe('readSegments', () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it('merges the lists of every run, keeps files that exist, oldest first', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'argus-seglist-'));
    dirs.push(dir);
    await writeFile(join(dir, 'segments-20261125T160000000Z.csv'), '20261125T160010+0000.mp4,0,10.5\n20261125T160020+0000.mp4,10.5,20\n');
    await writeFile(join(dir, 'segments-20261125T150000000Z.csv'), '20261125T150000+0000.mp4,0,9\n');
    await writeFile(join(dir, 'notes.csv'), '20261125T140000+0000.mp4,0,9\n');
    for (const name of ['20261125T150000+0000.mp4', '20261125T160010+0000.mp4', '20261125T140000+0000.mp4']) await writeFile(join(dir, name), 'x');
    const segments = await readSegments(dir);
    expect(segments.map((s) => s.name)).toEqual(['20261125T150000+0000.mp4', '20261125T160010+0000.mp4']);
    expect(segments[1]).toMatchObject({ path: join(dir, '20261125T160010+0000.mp4'), startMs: Date.UTC(2026, 10, 25, 16, 0, 10), endMs: Date.UTC(2026, 10, 25, 16, 0, 20, 500), durationS: 10.5 });
  });

  it('returns nothing for a camera that never recorded', async () => {
    expect(await readSegments(join(tmpdir(), 'argus-no-such-dir-', String(process.pid)))).toEqual([]);
  });
});
