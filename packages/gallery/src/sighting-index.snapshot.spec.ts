import { mkdtemp, readdir, readFile, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SightingIndex, SightingIndexError, type SightingQuery } from './index.ts';
import { build, byId, DIM, expectSameHits, HOUR, makeWorld, reference, T0 } from './sighting-index.fixtures.ts';
import { noisyCopy, randomUnit } from './synthetic-embeddings.ts';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(os.tmpdir(), 'argus-sightings-spec-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** An index with history: removals, a replaced id, an unlinked person, a retention cut. */
function buildIndex() {
  const world = makeWorld(600, 11, 5);
  const index = build(world.records, { exactBelow: 40, efSearch: 120 });
  index.remove(world.records.slice(0, 30).map((r) => r.id));
  const replaced = { ...world.records[40]!, camera: 'moved', embedding: randomUnit(world.rand, DIM) };
  index.add(replaced);
  const person = world.records.find((r) => r.personId)!.personId!;
  index.unlinkPerson(person);
  index.dropOlderThan(T0 + 12 * HOUR);
  const queries = world.identities.slice(0, 20).map((id) => noisyCopy(world.rand, id, 0.7));
  return { world, index, queries, person };
}

async function loadError(opts = {}): Promise<SightingIndexError> {
  try {
    await SightingIndex.load(dir, opts);
  } catch (err) {
    expect(err).toBeInstanceOf(SightingIndexError);
    return err as SightingIndexError;
  }
  throw new Error('expected SightingIndex.load to throw');
}

async function fileEnding(suffix: string): Promise<string> {
  const name = (await readdir(dir)).sort().find((n) => n.endsWith(suffix));
  if (!name) throw new Error(`no *${suffix} file in ${dir}`);
  return join(dir, name);
}

describe('SightingIndex snapshots', () => {
  it('returns null when there is no snapshot', async () => {
    expect(await SightingIndex.load(dir)).toBeNull();
    expect(await SightingIndex.load(join(dir, 'missing'))).toBeNull();
  });

  it('round-trips: same results for every strategy and filter, same links, same lastId', async () => {
    const { index, queries, person, world } = buildIndex();
    await index.save(dir, '1732540000000-5');
    const loaded = await SightingIndex.load(dir);
    expect(loaded).not.toBeNull();
    const { index: copy, lastId } = loaded!;
    expect(lastId).toBe('1732540000000-5');
    expect(copy.options).toEqual(index.options);
    expect(copy.size).toBe(index.size);
    expect(copy.stats()).toEqual(index.stats());
    expect(copy.idsOfPerson(person)).toEqual([]);
    const other = world.records.find((r) => r.personId && r.personId !== person && index.has(r.id))!.personId!;
    expect(copy.idsOfPerson(other).sort()).toEqual(index.idsOfPerson(other).sort());
    const filters: Omit<SightingQuery, 'embeddings'>[] = [
      { limit: 10 },
      { limit: 10, from: T0 + 30 * HOUR, to: T0 + 31 * HOUR },
      { limit: 25, cameras: ['cam2', 'moved'], from: T0 + 20 * HOUR },
    ];
    for (const q of queries) {
      for (const f of filters) {
        for (const strategy of ['exact', 'hnsw', 'auto'] as const) {
          expect(copy.search({ ...f, embeddings: [q] }, strategy)).toEqual(index.search({ ...f, embeddings: [q] }, strategy));
        }
      }
    }
    // The loaded index keeps working: adds (also into loaded partitions), removes, retention.
    const late = { id: '1732540000001-0', camera: 'cam0', start: T0 + 40 * HOUR, end: T0 + 40 * HOUR + 5000, personId: 'late', embedding: randomUnit(world.rand, DIM) };
    copy.add(late);
    expect(copy.search({ embeddings: [late.embedding], limit: 1 })[0]).toMatchObject({ id: late.id, personId: 'late' });
    const some = world.records.filter((r) => copy.has(r.id)).slice(0, 10).map((r) => r.id);
    expect(copy.remove(some)).toBe(10);
    const live = byId(world.records.filter((r) => copy.has(r.id) && r.id !== world.records[40]!.id));
    live.set(late.id, late);
    const q = { embeddings: [queries[0]!], limit: 20, cameras: ['cam0', 'cam1', 'cam2', 'cam3'] };
    expectSameHits(copy.search(q, 'exact'), reference(live, q));
  });

  it('saves an empty index and overwrites older snapshots, leaving only the newest files', async () => {
    await new SightingIndex().save(dir, '0-0');
    const empty = await SightingIndex.load(dir);
    expect(empty!.index.size).toBe(0);
    const { index } = buildIndex();
    await index.save(dir, '5-0');
    const names1 = await readdir(dir);
    await index.save(dir, '6-0');
    const names2 = await readdir(dir);
    expect(names2.length).toBe(names1.length);
    expect(names2.some((n) => n.endsWith('.tmp'))).toBe(false);
    expect((await SightingIndex.load(dir))!.lastId).toBe('6-0');
  });

  it('refuses a bad lastId', async () => {
    const index = new SightingIndex();
    for (const bad of ['', 'abc', '12', undefined]) {
      await expect(index.save(dir, bad as string)).rejects.toMatchObject({ code: 'SIGHTING_INVALID_ARGUMENT' });
    }
  });

  it('takes the snapshot at the moment save is called', async () => {
    const { index, world } = buildIndex();
    const saving = index.save(dir, '7-0');
    index.add({ id: '9999999999999-0', camera: 'cam0', start: T0, end: T0, embedding: randomUnit(world.rand, DIM) });
    await saving;
    const loaded = await SightingIndex.load(dir);
    expect(loaded!.index.has('9999999999999-0')).toBe(false);
    expect(loaded!.index.size).toBe(index.size - 1);
  });

  it('refuses a snapshot built with another dim or partition size, and takes new search settings', async () => {
    const { index } = buildIndex();
    await index.save(dir, '1-0');
    expect((await loadError({ partitionHours: 12 })).code).toBe('SIGHTING_SNAPSHOT_MISMATCH');
    expect((await loadError({ dim: 128 })).code).toBe('SIGHTING_SNAPSHOT_MISMATCH');
    const loaded = await SightingIndex.load(dir, { efSearch: 33, exactBelow: 7, partitionHours: 24 });
    expect(loaded!.index.options).toMatchObject({ efSearch: 33, exactBelow: 7, partitionHours: 24 });
  });

  describe('corruption is a typed error, never a crash', () => {
    beforeEach(async () => {
      await buildIndex().index.save(dir, '1-0');
    });

    it('a sidecar that is not JSON', async () => {
      await writeFile(join(dir, 'sightings.json'), '{"format":');
      expect((await loadError()).code).toBe('SIGHTING_SNAPSHOT_CORRUPT');
    });

    it('a sidecar of another format or version', async () => {
      const sidecar = JSON.parse(await readFile(join(dir, 'sightings.json'), 'utf8')) as Record<string, unknown>;
      await writeFile(join(dir, 'sightings.json'), JSON.stringify({ ...sidecar, version: 99 }));
      expect((await loadError()).message).toMatch(/version 99/);
      await writeFile(join(dir, 'sightings.json'), JSON.stringify({ ...sidecar, partitions: 'x' }));
      expect((await loadError()).code).toBe('SIGHTING_SNAPSHOT_CORRUPT');
    });

    it('a flipped byte in a vector file', async () => {
      const path = await fileEnding('.f32');
      const bytes = await readFile(path);
      bytes[100] = bytes[100]! ^ 0xff;
      await writeFile(path, bytes);
      expect((await loadError()).message).toMatch(/sha256/);
    });

    it('a truncated graph file', async () => {
      await truncate(await fileEnding('.hnsw'), 500);
      const err = await loadError();
      expect(err.code).toBe('SIGHTING_SNAPSHOT_CORRUPT');
      expect(err.message).toMatch(/delete that directory/);
    });

    it('a missing columns file', async () => {
      await unlink(await fileEnding('.cols.json'));
      expect((await loadError()).code).toBe('SIGHTING_SNAPSHOT_CORRUPT');
    });

    it('columns that disagree with the sidecar (with matching hashes)', async () => {
      const path = await fileEnding('.cols.json');
      const cols = JSON.parse(await readFile(path, 'utf8')) as { ids: unknown[] };
      cols.ids.pop();
      const text = JSON.stringify(cols);
      await writeFile(path, text);
      const sidecarPath = join(dir, 'sightings.json');
      const sidecar = JSON.parse(await readFile(sidecarPath, 'utf8')) as { partitions: { columns: { file: string; bytes: number; sha256: string } }[] };
      const { createHash } = await import('node:crypto');
      for (const p of sidecar.partitions) {
        if (path.endsWith(p.columns.file)) Object.assign(p.columns, { bytes: Buffer.byteLength(text), sha256: createHash('sha256').update(text).digest('hex') });
      }
      await writeFile(sidecarPath, JSON.stringify(sidecar));
      expect((await loadError()).message).toMatch(/ids is not an array of/);
    });
  });
});
