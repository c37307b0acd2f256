import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SightingIndex, SightingIndexError, SightingIndexWorker, type SightingQuery } from './index.ts';
import { DIM, HOUR, makeWorld, recall, T0 } from './sighting-index.fixtures.ts';
import { noisyCopy, randomUnit } from './synthetic-embeddings.ts';

const options = { exactBelow: 40, efSearch: 100 };
const world = makeWorld(500, 21, 4);
const queries = world.identities.slice(0, 10).map((id) => noisyCopy(world.rand, id, 0.7));
const filters: Omit<SightingQuery, 'embeddings'>[] = [{ limit: 10 }, { limit: 5, from: T0 + 30 * HOUR, to: T0 + 32 * HOUR, cameras: ['cam1', 'cam2'] }, { limit: 50, minScore: 0.1 }];

/** Applies the same history to the worker and the in-process index. */
async function applyHistory(local: SightingIndex, worker: SightingIndexWorker): Promise<void> {
  const ids = world.records.slice(0, 50).map((r) => r.id);
  expect(await worker.remove([...ids, 'unknown-1'])).toBe(local.remove(ids));
  const person = world.records.find((r) => r.personId && local.has(r.id))!.personId!;
  expect((await worker.idsOfPerson(person)).sort()).toEqual(local.idsOfPerson(person).sort());
  expect(await worker.unlinkPerson(person)).toBe(local.unlinkPerson(person));
  expect(await worker.idsOfPerson(person)).toEqual([]);
  expect(await worker.dropOlderThan(T0 + 20 * HOUR)).toBe(local.dropOlderThan(T0 + 20 * HOUR));
  await worker.setEfSearch(50);
  local.setEfSearch(50);
}

describe('SightingIndexWorker', () => {
  let dir: string;
  let local: SightingIndex;
  let one: SightingIndexWorker;
  let two: SightingIndexWorker;

  beforeAll(async () => {
    dir = await mkdtemp(join(os.tmpdir(), 'argus-sightings-worker-spec-'));
    local = new SightingIndex(options);
    [one, two] = await Promise.all([SightingIndexWorker.start({ ...options, threads: 1 }), SightingIndexWorker.start({ ...options, threads: 2 })]);
    for (const r of world.records.slice(0, 300)) {
      local.add(r);
      await one.add(r);
      await two.add(r);
    }
    for (const r of world.records.slice(300)) local.add(r);
    await one.addMany(world.records.slice(300));
    await two.addMany(world.records.slice(300));
  }, 60_000);

  afterAll(async () => {
    await Promise.all([one?.close(), two?.close()]);
    await rm(dir, { recursive: true, force: true });
  });

  it('one thread answers exactly as the in-process index, through every change', async () => {
    const check = async (): Promise<void> => {
      expect(await one.size()).toBe(local.size);
      expect(await one.stats()).toEqual(local.stats());
      for (const q of queries) {
        for (const f of filters) {
          for (const strategy of ['auto', 'exact', 'hnsw'] as const) {
            expect(await one.search({ ...f, embeddings: [q, queries[0]!] }, strategy)).toEqual(local.search({ ...f, embeddings: [q, queries[0]!] }, strategy));
          }
        }
      }
    };
    await check();
    await applyHistory(local, one);
    await check();
  });

  it('two threads shard the sightings and merge to the same results', async () => {
    const fresh = new SightingIndex(options);
    for (const r of world.records) fresh.add(r);
    expect(two.threads).toBe(2);
    const check = async (): Promise<void> => {
      expect(await two.size()).toBe(fresh.size);
      expect((await two.stats()).sightings).toBe(fresh.size);
      let total = 0;
      let n = 0;
      for (const q of queries) {
        for (const f of filters) {
          const query = { ...f, embeddings: [q, queries[1]!] };
          expect(await two.search(query, 'exact')).toEqual(fresh.search(query, 'exact'));
          total += recall(await two.search(query), fresh.search(query, 'exact'));
          n++;
        }
      }
      expect(total / n).toBeGreaterThanOrEqual(0.97);
    };
    await check();
    await applyHistory(fresh, two);
    await check();
    // A re-added id replaces the old sighting wherever its time falls.
    const moved = { ...world.records[200]!, start: T0 + 90 * HOUR, end: T0 + 90 * HOUR, embedding: randomUnit(world.rand, DIM) };
    await two.add(moved);
    fresh.add(moved);
    expect(await two.size()).toBe(fresh.size);
    expect((await two.search({ embeddings: [moved.embedding], limit: 3 }))[0]).toMatchObject({ id: moved.id, start: moved.start });
  });

  it('passes typed errors back with their code and stays usable', async () => {
    await expect(two.search({ embeddings: [], limit: 10 })).rejects.toBeInstanceOf(SightingIndexError);
    await expect(two.search({ embeddings: [new Float32Array(3)], limit: 10 })).rejects.toMatchObject({ code: 'SIGHTING_DIMENSION_MISMATCH' });
    await expect(two.add({ id: '', camera: 'a', start: 0, end: 0, embedding: randomUnit(world.rand, DIM) })).rejects.toMatchObject({ code: 'SIGHTING_INVALID_ARGUMENT' });
    await expect(two.add({ id: '5-5', camera: 'a', start: 10, end: 0, embedding: randomUnit(world.rand, DIM) })).rejects.toMatchObject({ code: 'SIGHTING_INVALID_ARGUMENT' });
    await expect(SightingIndexWorker.start({ threads: 0 })).rejects.toMatchObject({ code: 'SIGHTING_INVALID_OPTIONS' });
    await expect(SightingIndexWorker.start({ partitionHours: -1, threads: 1 })).rejects.toMatchObject({ code: 'SIGHTING_INVALID_OPTIONS' });
    expect(await two.size()).toBeGreaterThan(0);
  });

  it('saves each shard on its own thread and loads them back', async () => {
    const q = { embeddings: [world.identities[1]!], limit: 10, cameras: ['cam0', 'cam1', 'cam3'] };
    await two.save(dir, '1732540000000-3');
    expect((await readdir(dir)).sort()).toEqual(['shard-0', 'shard-1']);
    const loaded = await SightingIndexWorker.load(dir);
    try {
      expect(loaded!.lastId).toBe('1732540000000-3');
      expect(loaded!.index.threads).toBe(2);
      for (const strategy of ['auto', 'exact', 'hnsw'] as const) expect(await loaded!.index.search(q, strategy)).toEqual(await two.search(q, strategy));
    } finally {
      await loaded?.index.close();
    }
    await expect(SightingIndexWorker.load(dir, { threads: 1 })).rejects.toMatchObject({ code: 'SIGHTING_SNAPSHOT_MISMATCH' });
    // A one-thread save replaces the two shards; its shard is a plain SightingIndex snapshot.
    await one.save(dir, '1732540000000-4');
    expect(await readdir(dir)).toEqual(['shard-0']);
    const inProcess = await SightingIndex.load(join(dir, 'shard-0'));
    expect(inProcess!.index.search(q)).toEqual(await one.search(q));
  });

  it('resumes from the lowest lastId of its shards, and refuses broken layouts', async () => {
    const base = await mkdtemp(join(dir, 'layouts-'));
    await two.save(base, '1732540000000-9');
    // As if the process died between shard saves: shard 0 holds an older snapshot than shard 1.
    const shard0 = await SightingIndex.load(join(base, 'shard-0'));
    await shard0!.index.save(join(base, 'shard-0'), '1732540000000-2');
    const loaded = await SightingIndexWorker.load(base);
    expect(loaded!.lastId).toBe('1732540000000-2');
    await loaded!.index.close();

    expect(await SightingIndexWorker.load(join(base, 'missing'))).toBeNull();
    const gap = await mkdtemp(join(dir, 'gap-'));
    await mkdir(join(gap, 'shard-1'));
    await expect(SightingIndexWorker.load(gap)).rejects.toMatchObject({ code: 'SIGHTING_SNAPSHOT_CORRUPT' });
    await mkdir(join(gap, 'shard-0'));
    await expect(SightingIndexWorker.load(gap)).rejects.toMatchObject({ code: 'SIGHTING_SNAPSHOT_CORRUPT' });
  });

  it('rejects calls after close', async () => {
    const w = await SightingIndexWorker.start({ threads: 2 });
    // close() rejects what is still pending before the threads can answer it.
    const pending = expect(w.size()).rejects.toMatchObject({ code: 'SIGHTING_WORKER_FAILED' });
    await w.close();
    await pending;
    await expect(w.search({ embeddings: [randomUnit(world.rand, DIM)], limit: 1 })).rejects.toMatchObject({ code: 'SIGHTING_WORKER_FAILED' });
  });
});
