// Shared by the sightings index specs: a seeded synthetic world and the brute-force reference search.
import { expect } from 'vitest';
import { SightingIndex, type SightingHit, type SightingIndexOptions, type SightingQuery, type SightingRecord } from './index.ts';
import { dot, noisyCopy, randomUnit, seededRandom } from './synthetic-embeddings.ts';

export const DIM = 512;
export const HOUR = 3_600_000;
export const T0 = Date.UTC(2026, 10, 1);

export interface World {
  records: SightingRecord[];
  identities: Float32Array[];
  rand: () => number;
}

/** `n` sightings of `n / 4` identities over `days` days on `cameras` cameras; one identity in 5 is a known person. */
export function makeWorld(n: number, seed = 1, days = 4, cameras = 4): World {
  const rand = seededRandom(seed);
  const identities = Array.from({ length: Math.max(1, Math.floor(n / 4)) }, () => randomUnit(rand, DIM));
  const records: SightingRecord[] = [];
  for (let i = 0; i < n; i++) {
    const who = Math.floor(rand() * identities.length);
    const start = T0 + Math.floor(rand() * days * 24 * HOUR);
    records.push({
      id: `${start}-${i}`,
      camera: `cam${Math.floor(rand() * cameras)}`,
      start,
      end: start + Math.floor(rand() * 120_000),
      ...(who % 5 === 0 ? { personId: `p${who}` } : {}),
      embedding: noisyCopy(rand, identities[who]!, 0.6 + 0.2 * rand()),
    });
  }
  return { records, identities, rand };
}

export function build(records: SightingRecord[], options: SightingIndexOptions = {}): SightingIndex {
  const index = new SightingIndex({ efSearch: 200, ...options });
  for (const r of records) index.add(r);
  return index;
}

export function unit(v: Float32Array): Float32Array {
  const n = Math.sqrt(dot(v, v));
  return v.map((x) => x / n);
}

/** The reference: every live record, filtered and scored by brute force in the plainest way. */
export function reference(records: Map<string, SightingRecord>, q: SightingQuery): SightingHit[] {
  const from = q.from ?? -Infinity;
  const to = q.to ?? Infinity;
  const hits: SightingHit[] = [];
  for (const r of records.values()) {
    if (r.start > to || r.end < from) continue;
    if (q.cameras && !q.cameras.includes(r.camera)) continue;
    const score = Math.max(...q.embeddings.map((e) => dot(unit(e), unit(r.embedding))));
    if (q.minScore !== undefined && score < q.minScore) continue;
    hits.push({ id: r.id, camera: r.camera, start: r.start, end: r.end, ...(r.personId ? { personId: r.personId } : {}), score });
  }
  return hits.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1)).slice(0, q.limit);
}

export function byId(records: SightingRecord[]): Map<string, SightingRecord> {
  return new Map(records.map((r) => [r.id, r]));
}

export function expectSameHits(actual: SightingHit[], expected: SightingHit[]): void {
  expect(actual.map((h) => h.id)).toEqual(expected.map((h) => h.id));
  actual.forEach((h, i) => {
    const { score, ...rest } = expected[i]!;
    expect(h).toMatchObject(rest);
    expect(h.personId).toBe(expected[i]!.personId);
    expect(h.score).toBeCloseTo(score, 5);
  });
}

export function recall(actual: SightingHit[], expected: SightingHit[]): number {
  const want = new Set(expected.map((h) => h.id));
  return expected.length === 0 ? 1 : actual.filter((h) => want.has(h.id)).length / expected.length;
}

