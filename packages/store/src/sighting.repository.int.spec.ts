import type { NewSighting, Sighting } from '@argus/protocol';
import { describe, expect, it } from 'vitest';
import { keys } from './keys.ts';
import { SightingRepository } from './sighting.repository.ts';
import { withTestRedis } from './test-redis.ts';

const redis = withTestRedis();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function sighting(n: number, extra: Partial<NewSighting> = {}): NewSighting {
  const embedding = new Float32Array(512);
  for (let i = 0; i < 512; i++) embedding[i] = Math.sin(n * 1000 + i) / 23;
  return { camera: 'lobby', trackId: `t${n}`, start: 1000 * n, end: 1000 * n + 500, quality: 0.8, embedding, ...extra };
}
const bytes = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);

describe('SightingRepository', () => {
  it('round-trips sightings with bit-exact embeddings', async () => {
    const sightings = new SightingRepository(redis.client);
    const known = sighting(1, { personId: 'p1', personName: 'Ada', score: 0.66, thumbPath: 'thumbs/x.jpg' });
    known.embedding[0] = 1e-45;
    known.embedding[1] = -0;
    const id = await sightings.publish(known);
    const unknown = sighting(2);
    const id2 = await sightings.publish(unknown);
    const got = (await sightings.get(id))!;
    expect({ ...got, embedding: undefined }).toEqual({ ...known, id, embedding: undefined });
    expect(bytes(got.embedding).equals(bytes(known.embedding))).toBe(true);
    const got2 = (await sightings.get(id2))!;
    expect(got2.personId).toBeUndefined();
    expect(bytes(got2.embedding).equals(bytes(unknown.embedding))).toBe(true);
  });

  it('reads by time range and after an id, oldest first', async () => {
    const sightings = new SightingRepository(redis.client);
    const a = await sightings.publish(sighting(1));
    await sleep(15);
    const middle = Date.now();
    await sleep(15);
    const b = await sightings.publish(sighting(2));
    const c = await sightings.publish(sighting(3));
    expect((await sightings.readRange()).map((s) => s.id)).toEqual([a, b, c]);
    expect((await sightings.readRange({ from: middle })).map((s) => s.id)).toEqual([b, c]);
    expect((await sightings.readRange({ to: middle })).map((s) => s.id)).toEqual([a]);
    expect((await sightings.readRange({ count: 2 })).map((s) => s.id)).toEqual([a, b]);
    expect((await sightings.readAfter(a)).map((s) => s.id)).toEqual([b, c]);
  });

  it('tails from an id, in order', async () => {
    const sightings = new SightingRepository(redis.client);
    const first = await sightings.publish(sighting(1));
    const seen: Sighting[] = [];
    const abort = new AbortController();
    const tail = sightings.tail(first, (s) => {
      seen.push(s);
    }, { signal: abort.signal, blockMs: 200 });
    const later = [await sightings.publish(sighting(2)), await sightings.publish(sighting(3))];
    const deadline = Date.now() + 2000;
    while (seen.length < 2 && Date.now() < deadline) await sleep(5);
    abort.abort();
    await tail;
    expect(seen.map((s) => s.id)).toEqual(later);
    expect(seen.map((s) => s.trackId)).toEqual(['t2', 't3']);
  });

  it('trims by age and returns the thumbnails of what it removed', async () => {
    const sightings = new SightingRepository(redis.client);
    // Auto-pipelined: sent, and so stored, in call order.
    await Promise.all(Array.from({ length: 1500 }, (_, n) => sightings.publish(sighting(n, n % 500 === 0 ? { thumbPath: `thumbs/old-${n}.jpg` } : {}))));
    await sleep(15);
    const cut = Date.now();
    await sleep(15);
    const kept = await sightings.publish(sighting(9, { thumbPath: 'thumbs/kept.jpg' }));
    const result = await sightings.trimOlderThan(10, cut + 10);
    expect(result.removed).toBe(1500);
    expect(result.thumbPaths).toEqual(['thumbs/old-0.jpg', 'thumbs/old-500.jpg', 'thumbs/old-1000.jpg']);
    expect(await redis.client.xLen(keys.sightings)).toBe(1);
    expect((await sightings.readRange()).map((s) => s.id)).toEqual([kept]);
    expect(await sightings.trimOlderThan(10, cut + 10)).toEqual({ removed: 0, thumbPaths: [] });
    await expect(sightings.trimOlderThan(-1)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('erases one person\'s sightings across pages and fetches many by id', async () => {
    const sightings = new SightingRepository(redis.client);
    const ids = await Promise.all(
      Array.from({ length: 2100 }, (_, n) => sightings.publish(sighting(n, n % 700 === 0 ? { personId: 'gone', personName: 'Gone', thumbPath: `thumbs/g-${n}.jpg` } : { personId: 'kept' }))),
    );
    const result = await sightings.removeByPerson('gone');
    expect(result.removed).toBe(3);
    expect(result.ids).toEqual([ids[0], ids[700], ids[1400]]);
    expect(result.thumbPaths).toEqual(['thumbs/g-0.jpg', 'thumbs/g-700.jpg', 'thumbs/g-1400.jpg']);
    expect(await redis.client.xLen(keys.sightings)).toBe(2097);
    expect((await sightings.removeByPerson('gone')).removed).toBe(0);
    const many = await sightings.getMany([ids[1]!, ids[0]!, ids[2]!]);
    expect(many.map((s) => s.id)).toEqual([ids[1], ids[2]]);
    await expect(sightings.getMany(['../x'])).rejects.toMatchObject({ code: 'INVALID_CURSOR' });
  });
});
