import { describe, expect, it } from 'vitest';
import { FlatIndex } from './flat-index.ts';
import { dot, randomUnit, seededRandom } from './synthetic-embeddings.ts';

describe('FlatIndex', () => {
  it('returns the same top k as sorting every score, skipping cleared rows', () => {
    const dim = 37; // not a multiple of the 8-way unroll
    const rand = seededRandom(3);
    const index = new FlatIndex(dim, 300);
    const rows = Array.from({ length: 300 }, () => randomUnit(rand, dim));
    rows.forEach((r, label) => index.set(label, r));
    for (let label = 0; label < 300; label += 3) index.clear(label);
    for (let q = 0; q < 20; q++) {
      const query = randomUnit(rand, dim);
      const expected = rows
        .map((r, label) => ({ label, score: dot(r, query) }))
        .filter(({ label }) => label % 3 !== 0)
        .sort((a, b) => b.score - a.score);
      for (const k of [1, 7, 50]) {
        const got = index.search(query, k, 300);
        expect(got.map((g) => g.label)).toEqual(expected.slice(0, k).map((e) => e.label));
        got.forEach((g, i) => expect(g.score).toBeCloseTo(expected[i]!.score, 5));
      }
      // k beyond the live rows returns them all.
      expect(index.search(query, 1000, 300)).toHaveLength(200);
    }
  });

  it('keeps rows across growth and scans only labels in use', () => {
    const index = new FlatIndex(4, 2);
    index.set(0, Float32Array.of(1, 0, 0, 0));
    index.set(1, Float32Array.of(0, 1, 0, 0));
    index.grow(8);
    index.set(5, Float32Array.of(0.6, 0.8, 0, 0));
    expect(index.capacity).toBe(8);
    expect(index.search(Float32Array.of(0, 1, 0, 0), 3, 8).map((r) => r.label)).toEqual([1, 5, 0]);
    expect(index.search(Float32Array.of(0, 1, 0, 0), 3, 2).map((r) => r.label)).toEqual([1, 0]);
  });
});
