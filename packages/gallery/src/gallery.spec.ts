import { describe, expect, it } from 'vitest';
import { Gallery, GalleryError, type SearchStrategy } from './index.ts';
import { dot, noisyCopy, randomUnit, seededRandom } from './synthetic-embeddings.ts';

const DIM = 512;
const STRATEGIES: SearchStrategy[] = ['exact', 'hnsw'];

function catchError(fn: () => unknown): GalleryError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(GalleryError);
    return err as GalleryError;
  }
  throw new Error('expected a GalleryError, nothing was thrown');
}

/** persons p0..p{n-1}, each with `faces` faces f{p}-{i} at cosine 0.7 to the identity. */
function enroll(gallery: Gallery, persons: number, faces: number, seed = 1) {
  const rand = seededRandom(seed);
  const identities = Array.from({ length: persons }, () => randomUnit(rand, gallery.options.dim));
  identities.forEach((identity, p) => {
    for (let f = 0; f < faces; f++) gallery.add(`f${p}-${f}`, `p${p}`, noisyCopy(rand, identity, 0.7));
  });
  return { identities, rand };
}

describe('Gallery add/search', () => {
  it.each(STRATEGIES)('groups faces by person, a person scoring their best face (%s)', (strategy) => {
    const gallery = new Gallery();
    const rand = seededRandom(7);
    const alice = randomUnit(rand, DIM);
    const bob = randomUnit(rand, DIM);
    gallery.add('a1', 'alice', noisyCopy(rand, alice, 0.9));
    gallery.add('a2', 'alice', noisyCopy(rand, alice, 0.8));
    gallery.add('a3', 'alice', noisyCopy(rand, alice, 0.7));
    gallery.add('b1', 'bob', noisyCopy(rand, bob, 0.9));
    gallery.add('b2', 'bob', noisyCopy(rand, bob, 0.8));
    // A query between the two, closer to alice.
    const query = alice.map((a, i) => 0.8 * a + 0.5 * bob[i]!);

    const matches = gallery.search(query, { k: 5, strategy });
    expect(matches.map((m) => m.personId)).toEqual(['alice', 'bob']);
    const [first, second] = matches;
    expect(first!.faceScores).toHaveLength(3);
    expect(second!.faceScores).toHaveLength(2);
    for (const m of matches) {
      expect(m.score).toBe(m.faceScores[0]);
      expect([...m.faceScores].sort((x, y) => y - x)).toEqual(m.faceScores);
    }
    expect(first!.score).toBeGreaterThan(second!.score);

    // The reported best face really is the best, with its cosine as score.
    const faces = gallery.searchFaces(query, 5, strategy);
    expect(faces[0]!.faceId).toBe(first!.faceId);
    expect(faces.map((f) => f.score)).toEqual([...faces.map((f) => f.score)].sort((x, y) => y - x));
    expect(gallery.search(query, { k: 5, persons: 1, strategy }).map((m) => m.personId)).toEqual(['alice']);
  });

  it('finds the right person among many with k nearest faces', () => {
    const gallery = new Gallery({ exactBelow: 0 });
    const { identities, rand } = enroll(gallery, 60, 4);
    let correct = 0;
    identities.forEach((identity, p) => {
      const best = gallery.search(noisyCopy(rand, identity, 0.7), { k: 10 })[0];
      if (best?.personId === `p${p}`) correct++;
    });
    // At cosine 0.7 to the identity, impostors sit near 0 and the enrolled faces near 0.49.
    expect(correct).toBe(identities.length);
    expect(gallery.size).toBe(240);
    expect(gallery.persons().sort()).toEqual(identities.map((_, p) => `p${p}`).sort());
    expect(gallery.facesOf('p3').sort()).toEqual(['f3-0', 'f3-1', 'f3-2', 'f3-3']);
    expect(gallery.personOf('f3-2')).toBe('p3');
  });

  it('normalises embeddings itself and leaves the caller arrays alone', () => {
    const gallery = new Gallery();
    const v = randomUnit(seededRandom(3), DIM);
    const scaled = v.map((x) => x * 7.5);
    const copy = scaled.slice();
    gallery.add('f', 'p', scaled);
    expect(scaled).toEqual(copy);
    for (const strategy of STRATEGIES) {
      const [hit] = gallery.searchFaces(v.map((x) => x * 0.01), 1, strategy);
      expect(hit!.score).toBeCloseTo(1, 5);
    }
  });

  it('returns fewer results than k when the gallery is small, and none when empty', () => {
    const gallery = new Gallery();
    const rand = seededRandom(5);
    expect(gallery.search(randomUnit(rand, DIM))).toEqual([]);
    gallery.add('f1', 'p1', randomUnit(rand, DIM));
    gallery.add('f2', 'p2', randomUnit(rand, DIM));
    for (const strategy of STRATEGIES) expect(gallery.searchFaces(randomUnit(rand, DIM), 50, strategy)).toHaveLength(2);
  });

  it("switches 'auto' from exact to HNSW at exactBelow faces", () => {
    const gallery = new Gallery({ exactBelow: 3 });
    const rand = seededRandom(9);
    gallery.add('f1', 'p', randomUnit(rand, DIM));
    gallery.add('f2', 'p', randomUnit(rand, DIM));
    expect(gallery.activeStrategy).toBe('exact');
    gallery.add('f3', 'p', randomUnit(rand, DIM));
    expect(gallery.activeStrategy).toBe('hnsw');
    gallery.remove(['f3']);
    expect(gallery.activeStrategy).toBe('exact');
  });
});

describe('Gallery replace and remove', () => {
  it.each(STRATEGIES)('re-adding a faceId replaces its vector and person (%s)', (strategy) => {
    const gallery = new Gallery();
    const rand = seededRandom(11);
    const old = randomUnit(rand, DIM);
    const fresh = randomUnit(rand, DIM);
    gallery.add('f1', 'alice', old);
    gallery.add('f2', 'alice', randomUnit(rand, DIM));
    gallery.add('f1', 'bob', fresh);

    expect(gallery.size).toBe(2);
    expect(gallery.personOf('f1')).toBe('bob');
    expect(gallery.facesOf('alice')).toEqual(['f2']);
    const [hit] = gallery.searchFaces(fresh, 1, strategy);
    expect(hit).toMatchObject({ faceId: 'f1', personId: 'bob' });
    expect(hit!.score).toBeCloseTo(1, 5);
    // The old vector no longer matches f1 strongly.
    const onOld = gallery.searchFaces(old, 2, strategy).find((f) => f.faceId === 'f1');
    expect(onOld!.score).toBeCloseTo(dot(old, fresh), 4);

    gallery.add('f2', 'bob', randomUnit(rand, DIM));
    expect(gallery.persons()).toEqual(['bob']);
  });

  it.each(STRATEGIES)('removed faces never come back, even when their labels are reused (%s)', (strategy) => {
    const gallery = new Gallery({ initialCapacity: 8 });
    const { identities, rand } = enroll(gallery, 10, 3, 21);
    const removed = ['f0-0', 'f0-1', 'f4-2'];
    gallery.remove(removed);
    gallery.remove(['f0-0', 'never-enrolled']); // idempotent, unknown ids ignored
    const personRemoved = gallery.removePerson('p7');
    expect(personRemoved.sort()).toEqual(['f7-0', 'f7-1', 'f7-2']);
    expect(gallery.removePerson('p7')).toEqual([]);
    const gone = new Set([...removed, ...personRemoved]);

    const check = () => {
      for (const id of gone) expect(gallery.has(id)).toBe(false);
      for (const identity of identities) {
        const faces = gallery.searchFaces(noisyCopy(rand, identity, 0.7), gallery.size, strategy);
        expect(faces).toHaveLength(gallery.size);
        for (const f of faces) expect(gone.has(f.faceId)).toBe(false);
      }
    };
    expect(gallery.size).toBe(30 - 6);
    expect(gallery.persons()).not.toContain('p7');
    check();

    // New faces take the freed labels; the removed ids must still not resurface.
    for (let i = 0; i < 8; i++) gallery.add(`new${i}`, 'newcomer', randomUnit(rand, DIM));
    expect(gallery.stats().freeLabels).toBe(0);
    expect(gallery.size).toBe(24 + 8);
    check();
    // Person 0 keeps its remaining face and is still found.
    expect(gallery.search(noisyCopy(rand, identities[0]!, 0.7), { strategy })[0]!.faceId).toBe('f0-2');
  });

  it('grows past its initial capacity by doubling', () => {
    const gallery = new Gallery({ initialCapacity: 4, exactBelow: 0 });
    const rand = seededRandom(31);
    const vectors = Array.from({ length: 70 }, () => randomUnit(rand, DIM));
    vectors.forEach((v, i) => gallery.add(`f${i}`, `p${i % 7}`, v));
    expect(gallery.size).toBe(70);
    expect(gallery.stats().capacity).toBe(128);
    vectors.forEach((v, i) => {
      for (const strategy of STRATEGIES) expect(gallery.searchFaces(v, 1, strategy)[0]!.faceId).toBe(`f${i}`);
    });
  });
});

describe('Gallery exact vs HNSW', () => {
  it('agree on the nearest faces for a gallery of identities', () => {
    const gallery = new Gallery({ exactBelow: 0 });
    const { identities, rand } = enroll(gallery, 120, 5, 41);
    let agreeTop1 = 0;
    let queries = 0;
    for (const identity of identities) {
      const query = noisyCopy(rand, identity, 0.65);
      const exact = gallery.searchFaces(query, 10, 'exact');
      const hnsw = gallery.searchFaces(query, 10, 'hnsw');
      queries++;
      if (exact[0]!.faceId === hnsw[0]!.faceId) agreeTop1++;
      // Same face, same score (float32 distances vs float64 dot products).
      for (const h of hnsw) {
        const e = exact.find((x) => x.faceId === h.faceId);
        if (e) expect(h.score).toBeCloseTo(e.score, 5);
      }
    }
    // 600 faces with the default efSearch: HNSW is exact here in practice; allow one miss.
    expect(agreeTop1).toBeGreaterThanOrEqual(queries - 1);
  });
});

describe('Gallery apply (argus:gallery:log replay)', () => {
  it('applies add and remove events in order', () => {
    const gallery = new Gallery();
    const rand = seededRandom(51);
    const a = randomUnit(rand, DIM);
    gallery.apply({ op: 'add', faceId: 'f1', personId: 'alice', embedding: a });
    gallery.apply({ op: 'add', faceId: 'f2', personId: 'alice', embedding: randomUnit(rand, DIM) });
    gallery.apply({ op: 'add', faceId: 'f3', personId: 'bob', embedding: randomUnit(rand, DIM) });
    gallery.apply({ op: 'add', faceId: 'f4', personId: 'bob', embedding: randomUnit(rand, DIM) });
    expect(gallery.size).toBe(4);
    expect(gallery.search(a)[0]).toMatchObject({ personId: 'alice', faceId: 'f1' });

    gallery.apply({ op: 'remove', faceIds: ['f1'], personId: 'alice' });
    expect(gallery.has('f1')).toBe(false);
    expect(gallery.facesOf('alice')).toEqual(['f2']);
    expect(gallery.searchFaces(a, 10).map((f) => f.faceId)).not.toContain('f1');

    // An empty faceIds list with a person removes the whole person.
    gallery.apply({ op: 'remove', faceIds: [], personId: 'bob' });
    expect(gallery.persons()).toEqual(['alice']);
    // Replaying an event twice is harmless.
    gallery.apply({ op: 'remove', faceIds: ['f1'] });
    expect(gallery.size).toBe(1);
  });

  it('rejects an unknown op with a typed error', () => {
    const gallery = new Gallery();
    const err = catchError(() => gallery.apply({ op: 'upsert' } as never));
    expect(err.code).toBe('GALLERY_INVALID_ARGUMENT');
    expect(err.message).toMatch(/unknown op "upsert"/);
  });
});

describe('Gallery input errors', () => {
  it('rejects a wrong dimension on add and on search, saying what to do', () => {
    const gallery = new Gallery();
    gallery.add('f1', 'p', randomUnit(seededRandom(1), DIM));
    const onAdd = catchError(() => gallery.add('f2', 'p', new Float32Array(128).fill(1)));
    expect(onAdd.code).toBe('GALLERY_DIMENSION_MISMATCH');
    expect(onAdd.message).toMatch(/128 dimensions.*512-d.*same model/);
    expect(gallery.has('f2')).toBe(false);
    expect(catchError(() => gallery.search(new Float32Array(511).fill(1))).code).toBe('GALLERY_DIMENSION_MISMATCH');
  });

  it('rejects zero vectors and non-finite values', () => {
    const gallery = new Gallery();
    const zero = catchError(() => gallery.add('f1', 'p', new Float32Array(DIM)));
    expect(zero.code).toBe('GALLERY_ZERO_VECTOR');
    expect(zero.message).toMatch(/all zeros/);
    expect(catchError(() => gallery.searchFaces(new Float32Array(DIM), 3)).code).toBe('GALLERY_ZERO_VECTOR');
    const nan = new Float32Array(DIM).fill(0.1);
    nan[7] = NaN;
    expect(catchError(() => gallery.add('f1', 'p', nan)).code).toBe('GALLERY_INVALID_EMBEDDING');
    expect(catchError(() => gallery.add('f1', 'p', Array.from(nan) as never)).code).toBe('GALLERY_INVALID_EMBEDDING');
    expect(gallery.size).toBe(0);
  });

  it('rejects bad ids, k, persons, strategy and options', () => {
    const gallery = new Gallery();
    const v = randomUnit(seededRandom(2), DIM);
    expect(catchError(() => gallery.add('', 'p', v)).code).toBe('GALLERY_INVALID_ARGUMENT');
    expect(catchError(() => gallery.add('f', '', v)).code).toBe('GALLERY_INVALID_ARGUMENT');
    expect(catchError(() => gallery.searchFaces(v, 0)).code).toBe('GALLERY_INVALID_ARGUMENT');
    expect(catchError(() => gallery.search(v, { k: 2.5 })).code).toBe('GALLERY_INVALID_ARGUMENT');
    expect(catchError(() => gallery.search(v, { persons: -1 })).code).toBe('GALLERY_INVALID_ARGUMENT');
    expect(catchError(() => gallery.search(v, { strategy: 'fast' as never })).code).toBe('GALLERY_INVALID_ARGUMENT');
    const opts = catchError(() => new Gallery({ m: 1, efSearch: 0 }));
    expect(opts.code).toBe('GALLERY_INVALID_OPTIONS');
    expect(opts.message).toMatch(/m must be an integer >= 2.*efSearch must be an integer >= 1/);
    expect(catchError(() => gallery.setEfSearch(-3)).code).toBe('GALLERY_INVALID_OPTIONS');
  });
});
