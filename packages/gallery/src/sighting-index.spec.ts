import { describe, expect, it } from 'vitest';
import { SightingIndex, SightingIndexError, type SightingQuery, type SightingRecord } from './index.ts';
import { build, byId, DIM, expectSameHits, HOUR, makeWorld, recall, reference, T0, unit } from './sighting-index.fixtures.ts';
import { dot, noisyCopy, randomUnit, seededRandom } from './synthetic-embeddings.ts';

function errorOf(fn: () => unknown): SightingIndexError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SightingIndexError);
    return err as SightingIndexError;
  }
  throw new Error('expected a SightingIndexError');
}

describe('SightingIndex search', () => {
  const world = makeWorld(1200);
  const all = byId(world.records);
  // exactBelow 100: full partitions (~300 sightings) go through HNSW, narrow windows are scanned exactly.
  const index = build(world.records, { partitionHours: 24, exactBelow: 100 });
  const queries = world.identities.slice(0, 25).map((id) => noisyCopy(world.rand, id, 0.7));

  const filters: { name: string; q: Omit<SightingQuery, 'embeddings'> }[] = [
    { name: 'no filter', q: { limit: 10 } },
    { name: 'one hour', q: { limit: 10, from: T0 + 30 * HOUR, to: T0 + 31 * HOUR } },
    { name: 'a window across a partition boundary', q: { limit: 20, from: T0 + 20 * HOUR, to: T0 + 50 * HOUR } },
    { name: 'cameras', q: { limit: 10, cameras: ['cam1', 'cam3'] } },
    { name: 'cameras and time', q: { limit: 10, cameras: ['cam0'], from: T0 + 10 * HOUR, to: T0 + 70 * HOUR } },
    { name: 'minScore', q: { limit: 50, minScore: 0.2 } },
    { name: 'a large limit', q: { limit: 500 } },
  ];

  for (const { name, q } of filters) {
    it(`exact strategy equals brute force: ${name}`, () => {
      for (const e of queries.slice(0, 10)) expectSameHits(index.search({ ...q, embeddings: [e] }, 'exact'), reference(all, { ...q, embeddings: [e] }));
    });

    it(`auto and hnsw strategies find (nearly) the brute-force hits: ${name}`, () => {
      for (const strategy of ['auto', 'hnsw'] as const) {
        let total = 0;
        for (const e of queries) {
          const got = index.search({ ...q, embeddings: [e] }, strategy);
          const want = reference(all, { ...q, embeddings: [e] });
          expect(got.length).toBe(want.length);
          total += recall(got, want);
          for (const h of got) expect(h.score).toBeCloseTo(dot(unit(e), unit(all.get(h.id)!.embedding)), 5);
        }
        expect(total / queries.length).toBeGreaterThanOrEqual(0.97);
      }
    });
  }

  it('finds the identity of the query first', () => {
    world.identities.slice(0, 25).forEach((identity, who) => {
      const [best] = index.search({ embeddings: [noisyCopy(world.rand, identity, 0.7)], limit: 1 });
      const mine = world.records.filter((r) => r.embedding && dot(r.embedding, identity) > 0.5).map((r) => r.id);
      if (mine.length > 0) expect(mine, `identity ${who}`).toContain(best!.id);
    });
  });

  it('scores a sighting by its best query embedding (several enrolled faces)', () => {
    const faces = [queries[0]!, queries[1]!, queries[2]!];
    const got = index.search({ embeddings: faces, limit: 30 }, 'exact');
    expectSameHits(got, reference(all, { embeddings: faces, limit: 30 }));
    for (const h of got) {
      const r = all.get(h.id)!;
      expect(h.score).toBeCloseTo(Math.max(...faces.map((f) => dot(unit(f), unit(r.embedding)))), 5);
    }
    // Each face's own best hit is among the multi-face hits.
    for (const f of faces) expect(got.map((h) => h.id)).toContain(index.search({ embeddings: [f], limit: 1 }, 'exact')[0]!.id);
    let total = 0;
    for (let i = 0; i + 3 <= queries.length; i += 3) {
      const qs = queries.slice(i, i + 3);
      total += recall(index.search({ embeddings: qs, limit: 10 }, 'hnsw'), reference(all, { embeddings: qs, limit: 10 }));
    }
    expect(total / Math.floor(queries.length / 3)).toBeGreaterThanOrEqual(0.97);
  });

  it('matches a sighting when [start, end] overlaps the window, edges included', () => {
    const rand = seededRandom(9);
    const e = randomUnit(rand, DIM);
    const day = 24 * HOUR;
    const s = new SightingIndex({ exactBelow: 0 });
    // Starts late on day 0 (partition 0) and ends on day 1: must match windows on day 1 only by its end.
    s.add({ id: '1-0', camera: 'a', start: T0 + day - 60_000, end: T0 + day + 10 * 60_000, embedding: e });
    s.add({ id: '2-0', camera: 'a', start: T0 + day + HOUR, end: T0 + day + HOUR, embedding: e });
    const ids = (from: number, to: number): string[] => s.search({ embeddings: [e], from, to, limit: 10 }).map((h) => h.id).sort();
    expect(ids(T0 + day + 5 * 60_000, T0 + day + 30 * 60_000)).toEqual(['1-0']);
    expect(ids(T0 + day + 10 * 60_000, T0 + day + HOUR)).toEqual(['1-0', '2-0']);
    expect(ids(T0 + day + 10 * 60_000 + 1, T0 + day + HOUR - 1)).toEqual([]);
    expect(ids(T0, T0 + day - 60_000)).toEqual(['1-0']);
    expect(ids(T0, T0 + day - 60_001)).toEqual([]);
    expect(ids(T0 + day + HOUR, T0 + day + HOUR)).toEqual(['2-0']);
  });

  it('treats unknown and empty camera lists as matching nothing', () => {
    expect(index.search({ embeddings: [queries[0]!], cameras: ['nope'], limit: 10 })).toEqual([]);
    expect(index.search({ embeddings: [queries[0]!], cameras: [], limit: 10 })).toEqual([]);
  });

  it('rejects bad queries with typed errors', () => {
    const e = queries[0]!;
    expect(errorOf(() => index.search({ embeddings: [], limit: 10 })).code).toBe('SIGHTING_INVALID_ARGUMENT');
    expect(errorOf(() => index.search({ embeddings: [e], limit: 0 })).code).toBe('SIGHTING_INVALID_ARGUMENT');
    expect(errorOf(() => index.search({ embeddings: [e], limit: 501 })).code).toBe('SIGHTING_INVALID_ARGUMENT');
    expect(errorOf(() => index.search({ embeddings: [e], limit: 10, from: 10, to: 5 })).code).toBe('SIGHTING_INVALID_ARGUMENT');
    expect(errorOf(() => index.search({ embeddings: [e], limit: 10, from: Number.NaN })).code).toBe('SIGHTING_INVALID_ARGUMENT');
    expect(errorOf(() => index.search({ embeddings: [new Float32Array(128)], limit: 10 })).code).toBe('SIGHTING_DIMENSION_MISMATCH');
    expect(errorOf(() => index.search({ embeddings: [new Float32Array(DIM)], limit: 10 })).code).toBe('SIGHTING_INVALID_EMBEDDING');
    expect(errorOf(() => index.search({ embeddings: [e], limit: 10 }, 'fast' as never)).code).toBe('SIGHTING_INVALID_ARGUMENT');
  });
});

describe('SightingIndex changes', () => {
  it('adds, replaces and removes sightings', () => {
    const world = makeWorld(300, 2);
    const index = build(world.records, { exactBelow: 50 });
    const all = byId(world.records);
    expect(index.size).toBe(300);
    const victims = world.records.slice(0, 40).map((r) => r.id);
    expect(index.remove([...victims, 'unknown-0'])).toBe(40);
    expect(index.remove(victims)).toBe(0);
    for (const id of victims) all.delete(id);
    expect(index.size).toBe(260);
    // Each victim's own embedding no longer finds it.
    for (const r of world.records.slice(0, 40)) {
      for (const strategy of ['exact', 'hnsw', 'auto'] as const) {
        expect(index.search({ embeddings: [r.embedding], limit: 20 }, strategy).map((h) => h.id)).not.toContain(r.id);
      }
    }
    // Re-adding an id replaces it: new camera, time and vector.
    const old = world.records[50]!;
    const moved: SightingRecord = { ...old, camera: 'elsewhere', start: old.start + 5 * 24 * HOUR, end: old.end + 5 * 24 * HOUR, embedding: randomUnit(world.rand, DIM) };
    index.add(moved);
    all.set(moved.id, moved);
    expect(index.size).toBe(260);
    const [hit] = index.search({ embeddings: [moved.embedding], limit: 1 });
    expect(hit).toMatchObject({ id: moved.id, camera: 'elsewhere', start: moved.start });
    expect(hit!.score).toBeCloseTo(1, 5);
    expect(index.search({ embeddings: [old.embedding], limit: 5 }, 'exact').map((h) => h.id)).not.toContain(old.id);
    const q = { embeddings: [world.identities[3]!], limit: 30 };
    expectSameHits(index.search(q, 'exact'), reference(all, q));
  });

  it('rejects bad records with typed errors and leaves the index unchanged', () => {
    const index = new SightingIndex();
    const e = randomUnit(seededRandom(3), DIM);
    const ok: SightingRecord = { id: '1-0', camera: 'a', start: 10, end: 20, embedding: e };
    expect(errorOf(() => index.add({ ...ok, id: '' })).code).toBe('SIGHTING_INVALID_ARGUMENT');
    expect(errorOf(() => index.add({ ...ok, camera: '' })).code).toBe('SIGHTING_INVALID_ARGUMENT');
    expect(errorOf(() => index.add({ ...ok, end: 5 })).code).toBe('SIGHTING_INVALID_ARGUMENT');
    expect(errorOf(() => index.add({ ...ok, start: Number.NaN })).code).toBe('SIGHTING_INVALID_ARGUMENT');
    expect(errorOf(() => index.add({ ...ok, personId: '' })).code).toBe('SIGHTING_INVALID_ARGUMENT');
    expect(errorOf(() => index.add({ ...ok, embedding: new Float32Array(3) })).code).toBe('SIGHTING_DIMENSION_MISMATCH');
    expect(errorOf(() => index.add({ ...ok, embedding: new Float32Array(DIM).fill(Number.NaN) })).code).toBe('SIGHTING_INVALID_EMBEDDING');
    expect(errorOf(() => index.add(null as never)).code).toBe('SIGHTING_INVALID_ARGUMENT');
    expect(index.size).toBe(0);
    expect(errorOf(() => new SightingIndex({ partitionHours: 0 })).code).toBe('SIGHTING_INVALID_OPTIONS');
    expect(errorOf(() => new SightingIndex({ m: 1.5 })).code).toBe('SIGHTING_INVALID_OPTIONS');
    expect(errorOf(() => index.dropOlderThan(Number.NaN)).code).toBe('SIGHTING_INVALID_ARGUMENT');
  });

  it('unlinks a person: sightings stay searchable without a personId', () => {
    const world = makeWorld(200, 4);
    const index = build(world.records);
    const person = world.records.find((r) => r.personId)!.personId!;
    const theirs = world.records.filter((r) => r.personId === person).map((r) => r.id).sort();
    expect(index.idsOfPerson(person).sort()).toEqual(theirs);
    expect(index.unlinkPerson(person)).toBe(theirs.length);
    expect(index.unlinkPerson(person)).toBe(0);
    expect(index.idsOfPerson(person)).toEqual([]);
    expect(index.size).toBe(200);
    for (const id of theirs) {
      const r = world.records.find((x) => x.id === id)!;
      const [hit] = index.search({ embeddings: [r.embedding], limit: 1 });
      expect(hit!.id).toBe(id);
      expect(hit).not.toHaveProperty('personId');
    }
    // Other persons keep their links.
    const other = world.records.find((r) => r.personId && r.personId !== person)!;
    expect(index.search({ embeddings: [other.embedding], limit: 1 })[0]!.personId).toBe(other.personId);
    // Removing a linked sighting drops it from idsOfPerson.
    index.remove([other.id]);
    expect(index.idsOfPerson(other.personId!)).not.toContain(other.id);
    expect(index.idsOfPerson('nobody')).toEqual([]);
  });

  it('drops sightings that ended before the retention cut-off', () => {
    const world = makeWorld(400, 5, 6);
    const index = build(world.records, { exactBelow: 30 });
    const cut = T0 + 2.5 * 24 * HOUR;
    const kept = world.records.filter((r) => r.end >= cut);
    const partitionsBefore = index.stats().partitions;
    expect(index.dropOlderThan(cut)).toBe(400 - kept.length);
    expect(index.size).toBe(kept.length);
    expect(index.stats().partitions).toBeLessThan(partitionsBefore);
    expect(index.dropOlderThan(cut)).toBe(0);
    const all = byId(kept);
    for (const identity of world.identities.slice(0, 10)) {
      const q = { embeddings: [identity], limit: 15 };
      expectSameHits(index.search(q, 'exact'), reference(all, q));
      expect(recall(index.search(q), reference(all, q))).toBeGreaterThanOrEqual(0.9);
    }
    for (const r of world.records.filter((x) => x.end < cut && x.personId)) expect(index.idsOfPerson(r.personId!)).not.toContain(r.id);
    expect(index.dropOlderThan(T0 + 100 * 24 * HOUR)).toBe(kept.length);
    expect(index.size).toBe(0);
    expect(index.stats().partitions).toBe(0);
    expect(index.search({ embeddings: [world.identities[0]!], limit: 5 })).toEqual([]);
  });

  it('changes efSearch at run time and reports its size', () => {
    const index = build(makeWorld(100, 6).records);
    index.setEfSearch(32);
    expect(index.options.efSearch).toBe(32);
    expect(errorOf(() => index.setEfSearch(0)).code).toBe('SIGHTING_INVALID_OPTIONS');
    const stats = index.stats();
    expect(stats.sightings).toBe(100);
    expect(stats.cameras).toBe(4);
    expect(stats.hnswBytes).toBeGreaterThan(100 * DIM * 4);
    expect(stats.flatBytes).toBeGreaterThan(100 * DIM * 4);
  });
});
