// RecordingRetention on real recordings of two cameras, with a real export pinning its source segments.
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceLogger } from './camera-source.ts';
import { childProcesses } from './child-processes.ts';
import { ClipCutter, probeDuration } from './clip-cutter.ts';
import { makeSourceClip, recordCamera, startRecording } from './clip-cutter.fixture.ts';
import { ExportStore } from './export-store.ts';
import { ACTIVE_LIST_MS, RecordingRetention } from './recording-retention.ts';
import { parseSegmentList, readSegments, type RecordedSegment } from './segment-list.ts';
import { sleep, waitFor } from './testing/wait-for.ts';

const HOUR = 3_600_000;
/** Late enough that no file counts as being written and no list as being appended to. */
const idleNow = (): number => Date.now() + ACTIVE_LIST_MS + 60_000;

describe('RecordingRetention on real recordings', () => {
  let dir: string;
  let clip: string;
  let baseline: Set<number>;
  /** Recordings made in real time while the first test runs. */
  let budgetRecorded: Promise<unknown>;
  let ageRecorded: Promise<unknown>;

  beforeAll(async () => {
    baseline = new Set(childProcesses().map((p) => p.pid));
    dir = await mkdtemp(join(tmpdir(), 'argus-retention-'));
    clip = await makeSourceClip(join(dir, 'source.ts'), 6);
    // Recorded in real time, at the same time as the first test: cameras a and b for the budget (b half a
    // second later, so that their segments interleave in time), camera c for the age.
    const a = recordCamera(join(dir, 'budget'), 'a', clip);
    ageRecorded = recordCamera(join(dir, 'age'), 'c', clip);
    budgetRecorded = sleep(500).then(() => Promise.all([a, recordCamera(join(dir, 'budget'), 'b', clip)]));
    // Awaited by their tests; a failure surfaces there, not as an unhandled rejection.
    for (const p of [a, ageRecorded, budgetRecorded]) p.catch(() => undefined);
  }, 30_000);

  afterAll(async () => {
    await Promise.allSettled([budgetRecorded, ageRecorded]);
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    expect(childProcesses().filter((p) => !baseline.has(p.pid) && /ffmpeg/.test(p.command))).toEqual([]);
  });

  it('leaves the segment being written and the list ffmpeg appends to alone', { timeout: 60_000 }, async () => {
    const recordingsDir = join(dir, 'live');
    const recording = await startRecording(recordingsDir, 'live', clip);
    const listed = async (): Promise<string[]> => parseSegmentList(await readFile(recording.listPath, 'utf8').catch(() => '')).map((e) => e.name);
    let deleted: string[] = [];
    let before: string[] = [];
    let writing = '';
    let checked = false;
    try {
      let names: string[] = [];
      const poll = setInterval(() => void listed().then((n) => (names = n)), 100);
      try {
        await waitFor(() => names.length >= 1, 10_000, 'the first segment to be listed');
      } finally {
        clearInterval(poll);
      }
      before = (await readdir(recording.cameraDir)).filter((n) => n.endsWith('.mp4')).sort();
      writing = before.at(-1)!;
      // As if a minute had passed, so that closed segments are fair game; the one ffmpeg is still writing is not.
      const retention = new RecordingRetention({ recordingsDir, maxAgeMs: 24 * HOUR, diskBudgetBytes: 1, pinned: () => new Set() });
      const result = await retention.sweep(Date.now() + 60_000);
      deleted = result.deleted.map((d) => d.name);
      expect(deleted.length).toBeGreaterThanOrEqual(1);
      expect(deleted).not.toContain(writing);
      checked = true;
    } finally {
      // A failed check must not leave ffmpeg behind.
      if (!checked && recording.process.exitCode === null) recording.process.kill('SIGKILL');
      await recording.done.catch((err: unknown) => {
        if (checked) throw err;
      });
    }

    // ffmpeg went on appending to its list: what was written after the sweep is listed and plays.
    const after = await readSegments(recording.cameraDir);
    expect(after.map((s) => s.name)).toContain(writing);
    expect(after.map((s) => s.name).some((n) => !before.includes(n))).toBe(true);
    for (const s of after) {
      expect(deleted).not.toContain(s.name);
      expect(await probeDuration(s.path)).toBeCloseTo(s.durationS, 1);
    }
  });

  it('deletes the oldest first across cameras to fit the budget, never an exported segment, never an export', { timeout: 60_000 }, async () => {
    const recordingsDir = join(dir, 'budget');
    await budgetRecorded;
    const segsA = await readSegments(join(recordingsDir, 'a'));
    const segsB = await readSegments(join(recordingsDir, 'b'));
    expect(segsA).toHaveLength(3);
    expect(segsB).toHaveLength(3);
    const sizes = new Map<string, number>();
    for (const [camera, segs] of [['a', segsA], ['b', segsB]] as const) {
      for (const s of segs) sizes.set(`${camera}/${s.name}`, statSync(s.path).size);
    }
    const total = [...sizes.values()].reduce((x, y) => x + y, 0);

    const cutter = new ClipCutter({ recordingsDir, cacheDir: join(dir, 'cache'), preRollS: 0, postRollS: 0, maxWindowS: 30 });
    const store = new ExportStore({ dataDir: join(dir, 'data') });
    const last = segsA[2]!;
    const exported = await store.create({ camera: 'a', fromMs: last.startMs + 500, toMs: last.startMs + 1500 }, cutter);
    expect(exported.segments).toContain(last.name);
    const pinned = new Set(exported.segments.map((n) => `a/${n}`));

    const lines: string[] = [];
    const keep = (_fields: unknown, msg?: string): void => void lines.push(String(msg));
    const log = { debug: () => {}, info: keep, warn: keep, error: () => {} } as unknown as SourceLogger;
    const oldestFirst = [...segsA.map((s) => ({ camera: 'a', s })), ...segsB.map((s) => ({ camera: 'b', s }))].sort((x, y) => x.s.startMs - y.s.startMs || x.camera.localeCompare(y.camera));
    const [first, second] = oldestFirst.filter((x) => !pinned.has(`${x.camera}/${x.s.name}`)) as [{ camera: string; s: RecordedSegment }, { camera: string; s: RecordedSegment }];
    // Room for all but the two oldest unpinned segments.
    const budget = total - sizes.get(`${first.camera}/${first.s.name}`)! - sizes.get(`${second.camera}/${second.s.name}`)!;
    const retention = new RecordingRetention({ recordingsDir, maxAgeMs: 24 * HOUR, diskBudgetBytes: budget, pinned: () => store.pinnedSegments(), log });
    const firstSweep = await retention.sweep(idleNow());
    expect(firstSweep.deleted.map((d) => `${d.camera}/${d.name}:${d.reason}`)).toEqual([`${first.camera}/${first.s.name}:budget`, `${second.camera}/${second.s.name}:budget`]);
    expect(firstSweep.totalBytes).toBe(budget);
    expect(firstSweep.deleted.map((d) => d.camera).sort()).toEqual(['a', 'b']);
    expect(existsSync(first.s.path) || existsSync(second.s.path)).toBe(false);
    expect(lines.at(-1)).toMatch(/recording retention: deleted 2 segments .*0 older than 24 h, 2 over the/);

    // Budget of one byte: everything goes but the exported segments.
    const tiny = new RecordingRetention({ recordingsDir, maxAgeMs: 24 * HOUR, diskBudgetBytes: 1, pinned: () => store.pinnedSegments(), log });
    const secondSweep = await tiny.sweep(idleNow());
    expect(secondSweep.deleted).toHaveLength(6 - 2 - pinned.size);
    expect(secondSweep.keptPinned).toBe(pinned.size);
    expect(secondSweep.totalBytes).toBe([...pinned].reduce((sum, k) => sum + sizes.get(k)!, 0));
    expect((await readSegments(join(recordingsDir, 'a'))).map((s) => `a/${s.name}`)).toEqual([...pinned]);
    expect(await readSegments(join(recordingsDir, 'b'))).toEqual([]);
    expect(lines.at(-1)).toMatch(/still over the budget: the rest is pinned by exports/);

    // Lists keep only what exists: camera b's list is gone, camera a's names only the pinned segments.
    expect((await readdir(join(recordingsDir, 'b'))).filter((n) => n.endsWith('.csv'))).toEqual([]);
    const listsA = (await readdir(join(recordingsDir, 'a'))).filter((n) => n.endsWith('.csv'));
    expect(listsA).toHaveLength(1);
    expect(parseSegmentList(await readFile(join(recordingsDir, 'a', listsA[0]!), 'utf8')).map((e) => `a/${e.name}`)).toEqual([...pinned]);

    // The export itself is never retention's to delete, and still plays.
    expect(await probeDuration(exported.path)).toBeCloseTo(exported.durationS, 3);
    expect((await store.list()).map((e) => e.id)).toEqual([exported.id]);

    // Once the export is removed, its segments go too.
    await store.remove(exported.id);
    const third = await tiny.sweep(idleNow());
    expect(third.deleted.map((d) => `${d.camera}/${d.name}`)).toEqual([...pinned]);
    expect(third.totalBytes).toBe(0);
    expect((await readdir(join(recordingsDir, 'a'))).filter((n) => n.endsWith('.csv') || n.endsWith('.mp4'))).toEqual([]);
  });

  it('deletes segments that ended longer ago than maxAgeMs, and only those', { timeout: 60_000 }, async () => {
    const recordingsDir = join(dir, 'age');
    await ageRecorded;
    const segs = await readSegments(join(recordingsDir, 'c'));
    expect(segs).toHaveLength(3);
    const retention = new RecordingRetention({ recordingsDir, maxAgeMs: HOUR, diskBudgetBytes: 1e12, pinned: () => new Set() });
    expect((await retention.sweep(Date.now())).deleted).toEqual([]);

    const result = await retention.sweep(segs[0]!.endMs + HOUR + 1);
    expect(result.deleted.map((d) => [d.name, d.reason])).toEqual([[segs[0]!.name, 'age']]);
    expect((await readSegments(join(recordingsDir, 'c'))).map((s) => s.name)).toEqual(segs.slice(1).map((s) => s.name));

    const later = await retention.sweep(segs[2]!.endMs + HOUR + ACTIVE_LIST_MS);
    expect(later.deleted.map((d) => d.name)).toEqual(segs.slice(1).map((s) => s.name));
    expect(later.totalBytes).toBe(0);
    expect(await readdir(join(recordingsDir, 'c'))).toEqual([]);
  });

});
