import { describe, expect, it } from 'vitest';
import { activeSegments, planRetention, pruneListLines, RecordingRetention, type SegmentFile } from './recording-retention.ts';
import { VideoError } from './video-error.ts';

const NOW = Date.UTC(2026, 10, 25, 18, 0, 0);
const MIN = 60_000;
const HOUR = 60 * MIN;

/** A closed (listed) segment of 1000 bytes that started `agoMs` before NOW and lasted 10 s. */
const seg = (camera: string, agoMs: number, extra: Partial<SegmentFile> = {}): SegmentFile => {
  const startMs = NOW - agoMs;
  const name = `${new Date(startMs).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, '')}+0000.mp4`;
  return { camera, name, startMs, endMs: startMs + 10_000, bytes: 1000, mtimeMs: startMs + 10_000, listed: true, ...extra };
};
const names = (plan: { deletions: Array<{ camera: string; name: string }> }): string[] => plan.deletions.map((d) => `${d.camera}/${d.name}`);
const key = (s: SegmentFile): string => `${s.camera}/${s.name}`;

describe('planRetention', () => {
  const a1 = seg('a', 50 * MIN);
  const b1 = seg('b', 40 * MIN);
  const a2 = seg('a', 30 * MIN);
  const b2 = seg('b', 20 * MIN);
  const a3 = seg('a', 10 * MIN);
  const all = [a3, b2, a1, b1, a2];

  it('deletes the oldest first across cameras until the total fits the budget', () => {
    const plan = planRetention(all, { now: NOW, maxAgeMs: 24 * HOUR, diskBudgetBytes: 2500, pinned: new Set() });
    expect(names(plan)).toEqual([key(a1), key(b1), key(a2)]);
    expect(plan.deletions.every((d) => d.reason === 'budget' && d.bytes === 1000)).toBe(true);
    expect(plan.totalBytes).toBe(2000);
    expect(plan.keptPinned).toBe(0);
  });

  it('deletes nothing under budget and within age', () => {
    expect(planRetention(all, { now: NOW, maxAgeMs: 24 * HOUR, diskBudgetBytes: 5000, pinned: new Set() })).toEqual({ deletions: [], keptPinned: 0, totalBytes: 5000 });
  });

  it('deletes by age first, then by budget', () => {
    const plan = planRetention(all, { now: NOW, maxAgeMs: 35 * MIN, diskBudgetBytes: 2000, pinned: new Set() });
    expect(plan.deletions).toEqual([
      { camera: 'a', name: a1.name, bytes: 1000, reason: 'age' },
      { camera: 'b', name: b1.name, bytes: 1000, reason: 'age' },
      { camera: 'a', name: a2.name, bytes: 1000, reason: 'budget' },
    ]);
  });

  it('never deletes a pinned segment and skips to the next oldest', () => {
    const plan = planRetention(all, { now: NOW, maxAgeMs: 45 * MIN, diskBudgetBytes: 3000, pinned: new Set([key(a1), key(b1), 'c/other.mp4']) });
    expect(names(plan)).toEqual([key(a2), key(b2)]);
    expect(plan.keptPinned).toBe(2);
    expect(plan.totalBytes).toBe(3000);
  });

  it('stays over budget rather than delete what is pinned or being written', () => {
    const writing = seg('a', 5_000, { listed: false, mtimeMs: NOW - 1_000, endMs: NOW - 1_000 });
    const plan = planRetention([...all, writing], { now: NOW, maxAgeMs: 24 * HOUR, diskBudgetBytes: 1, pinned: new Set(all.map(key)) });
    expect(plan.deletions).toEqual([]);
    expect(plan.keptPinned).toBe(5);
    expect(plan.totalBytes).toBe(6000);
  });
});

describe('activeSegments', () => {
  it('protects files written in the last 30 s and the newest unlisted file of a camera', () => {
    const closedRecently = seg('a', 40_000, { mtimeMs: NOW - 20_000 });
    const closedLongAgo = seg('a', 5 * MIN);
    const writing = seg('a', 8_000, { listed: false, mtimeMs: NOW - 45_000 });
    const crashedLongAgo = seg('b', 2 * HOUR, { listed: false, mtimeMs: NOW - 2 * HOUR });
    const orphan = seg('a', 3 * MIN, { listed: false, mtimeMs: NOW - 3 * MIN });
    const active = activeSegments([closedRecently, closedLongAgo, writing, crashedLongAgo, orphan], NOW);
    expect([...active].sort()).toEqual([key(closedRecently), key(writing)].sort());
  });
});

describe('pruneListLines', () => {
  it('keeps the lines of segments that still exist and drops half-written ones', () => {
    const csv = 'x1.mp4,0.0,2.0\nx2.mp4,2.0,4.0\n"x,3.mp4",4.0,6.0\nx4.mp4,6.0';
    expect(pruneListLines(csv, (n) => n !== 'x2.mp4')).toEqual({ kept: ['x1.mp4,0.0,2.0', '"x,3.mp4",4.0,6.0'], dropped: 2 });
    expect(pruneListLines('', () => true)).toEqual({ kept: [], dropped: 0 });
  });
});

describe('RecordingRetention options', () => {
  it('rejects a missing folder, a non-positive age or budget', () => {
    const base = { recordingsDir: '/rec', maxAgeMs: HOUR, diskBudgetBytes: 1e9, pinned: () => new Set<string>() };
    for (const bad of [{ recordingsDir: '' }, { maxAgeMs: 0 }, { diskBudgetBytes: -1 }, { diskBudgetBytes: Number.NaN }]) {
      expect(() => new RecordingRetention({ ...base, ...bad })).toThrow(VideoError);
    }
    expect(() => new RecordingRetention(base)).not.toThrow();
  });
});
