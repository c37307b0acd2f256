// ExportStore with a real ClipCutter on real recordings: exported clips are playable, listed, kept apart from the cache.
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClipCutter, probeDuration } from './clip-cutter.ts';
import { makeSourceClip, recordCamera, rejection } from './clip-cutter.fixture.ts';
import { ExportStore } from './export-store.ts';
import { readSegments, type RecordedSegment } from './segment-list.ts';

describe('ExportStore on real recordings', () => {
  let dir: string;
  let cutter: ClipCutter;
  let store: ExportStore;
  let segments: RecordedSegment[];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'argus-exports-int-'));
    const recordingsDir = join(dir, 'recordings');
    await recordCamera(recordingsDir, 'door', await makeSourceClip(join(dir, 'source.ts'), 4));
    segments = await readSegments(join(recordingsDir, 'door'));
    cutter = new ClipCutter({ recordingsDir, cacheDir: join(dir, 'cache'), preRollS: 0.5, postRollS: 0.5, maxWindowS: 30 });
    store = new ExportStore({ dataDir: join(dir, 'data') });
  }, 60_000);

  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('exports a playable clip with a sidecar naming its source segments, and keeps it when the cache goes', async () => {
    const [s0, s1] = segments as [RecordedSegment, RecordedSegment];
    const fromMs = s0.startMs + 1200;
    const toMs = s1.startMs + 800;
    const exported = await store.create({ camera: 'door', fromMs, toMs, name: '  man at the door  ' }, cutter);

    expect(exported.path).toBe(join(dir, 'data', 'exports', `${exported.id}.mp4`));
    expect(exported).toMatchObject({ camera: 'door', name: 'man at the door', segments: [s0.name, s1.name], toMs: toMs + 500 });
    expect(exported.fromMs).toBeLessThanOrEqual(fromMs - 500);
    const sidecar = JSON.parse(await readFile(join(store.dir, `${exported.id}.json`), 'utf8')) as Record<string, unknown>;
    const { path: _path, ...record } = exported;
    expect(sidecar).toEqual(record);
    expect(exported.bytes).toBe((await stat(exported.path)).size);
    expect(await probeDuration(exported.path)).toBeCloseTo(exported.durationS, 3);
    expect(exported.durationS).toBeGreaterThanOrEqual((toMs - fromMs + 1000) / 1000 - Math.max(0, s1.startMs - s0.endMs) / 1000);

    expect((await store.list()).map((e) => e.id)).toEqual([exported.id]);
    expect(await store.get(exported.id)).toEqual(exported);
    expect([...(await store.pinnedSegments())].sort()).toEqual([`door/${s0.name}`, `door/${s1.name}`]);

    await rm(cutter.cacheDir, { recursive: true });
    expect(await probeDuration(exported.path)).toBeCloseTo(exported.durationS, 3);
    expect((await store.get(exported.id)).bytes).toBe((await stat(exported.path)).size);

    await store.remove(exported.id);
    expect(existsSync(exported.path)).toBe(false);
    expect(await store.list()).toEqual([]);
    expect((await rejection(store.remove(exported.id))).code).toBe('NOT_FOUND');
  });

  it('creates nothing for a bad name, camera or window', async () => {
    const s0 = segments[0]!;
    expect((await rejection(store.create({ camera: 'door', fromMs: s0.startMs, toMs: s0.endMs, name: 'x'.repeat(201) }, cutter))).code).toBe('INVALID_INPUT');
    expect((await rejection(store.create({ camera: '../door', fromMs: s0.startMs, toMs: s0.endMs }, cutter))).code).toBe('INVALID_INPUT');
    expect((await rejection(store.create({ camera: 'door', fromMs: s0.endMs, toMs: s0.startMs }, cutter))).code).toBe('INVALID_INPUT');
    const none = await rejection(store.create({ camera: 'door', fromMs: s0.startMs - 7_200_000, toMs: s0.startMs - 7_190_000 }, cutter));
    expect(none.code).toBe('NO_RECORDING');
    expect(await readdir(store.dir).catch(() => [])).toEqual([]);
  });

  it('keeps an export without a name without a name field', async () => {
    const s1 = segments[1]!;
    const exported = await store.create({ camera: 'door', fromMs: s1.startMs, toMs: s1.startMs + 1000 }, cutter);
    expect(exported.name).toBeUndefined();
    expect('name' in JSON.parse(await readFile(join(store.dir, `${exported.id}.json`), 'utf8'))).toBe(false);
    await store.remove(exported.id);
  });
});
