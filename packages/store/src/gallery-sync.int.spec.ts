import type { GalleryEvent } from '@argus/protocol';
import { describe, expect, it } from 'vitest';
import { GalleryLogRepository } from './gallery-log.repository.ts';
import { GallerySync, type GallerySink } from './gallery-sync.ts';
import { withTestRedis } from './test-redis.ts';
import { WatchlistRepository } from './watchlist.repository.ts';

const redis = withTestRedis();

/** The consumer side of the interface: a face-id -> person map, like a gallery's label table. */
class RecordingSink implements GallerySink {
  readonly faces = new Map<string, { personId: string; embedding: Float32Array }>();
  readonly events: GalleryEvent[] = [];
  apply(event: GalleryEvent): void {
    this.events.push(event);
    if (event.op === 'add') this.faces.set(event.faceId, { personId: event.personId, embedding: event.embedding });
    else for (const id of event.faceIds) this.faces.delete(id);
  }
}

const vec = (...v: number[]) => new Float32Array(v);

function until(check: () => boolean, timeoutMs: number): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const poll = () => {
      if (check()) return resolve(performance.now() - started);
      if (performance.now() - started > timeoutMs) return reject(new Error(`condition not met within ${timeoutMs} ms`));
      setTimeout(poll, 5);
    };
    poll();
  });
}

const readerIds = async () => new Set((await redis.client.clientList()).filter((c) => c.cmd === 'xread').map((c) => c.id));

/** Resolves once a new tail connection (not in `before`) has issued its XREAD, so "$" has been resolved. */
async function waitForBlockedReader(before: Set<number>): Promise<void> {
  const deadline = Date.now() + 5000;
  while (![...(await readerIds())].some((id) => !before.has(id))) {
    if (Date.now() > deadline) throw new Error('no tail connection issued XREAD within 5 s');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('GalleryLogRepository', () => {
  it('appends and reads events after a given id, in order', async () => {
    const log = new GalleryLogRepository(redis.client);
    expect(await log.lastId()).toBe('0-0');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await log.append({ op: 'add', faceId: `f${i}`, personId: 'p', embedding: vec(i, -i) }));
    ids.push(await log.append({ op: 'remove', faceIds: ['f0', 'f1'], personId: 'p' }));
    expect(await log.lastId()).toBe(ids[5]);
    const all = await log.readAfter('0');
    expect(all.map((e) => e.id)).toEqual(ids);
    expect(all[3]!.event).toEqual({ op: 'add', faceId: 'f3', personId: 'p', embedding: vec(3, -3) });
    expect((await log.readAfter(ids[2]!, 2)).map((e) => e.id)).toEqual(ids.slice(3, 5));
    expect(await log.readAfter(ids[5]!)).toEqual([]);
  });

  it('tail delivers from the given id in order, then live events, and stops on abort', async () => {
    const log = new GalleryLogRepository(redis.client);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await log.append({ op: 'add', faceId: `f${i}`, personId: 'p', embedding: vec(i) }));
    const seen: string[] = [];
    const abort = new AbortController();
    const tail = log.tail(ids[0]!, (event, id) => {
      seen.push(`${id}:${event.op === 'add' ? event.faceId : 'remove'}`);
    }, { signal: abort.signal, blockMs: 5000 });
    await until(() => seen.length === 2, 2000);
    for (let i = 3; i < 6; i++) ids.push(await log.append({ op: 'add', faceId: `f${i}`, personId: 'p', embedding: vec(i) }));
    await until(() => seen.length === 5, 2000);
    expect(seen).toEqual(ids.slice(1).map((id, i) => `${id}:f${i + 1}`));
    const stopping = performance.now();
    abort.abort();
    await tail;
    // Abort interrupts the blocking read at once instead of waiting out blockMs (5 s).
    expect(performance.now() - stopping).toBeLessThan(1000);
    await log.append({ op: 'remove', faceIds: ['f1'] });
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).toHaveLength(5);
  });

  it('tail from "$" delivers only events written after it started', async () => {
    const log = new GalleryLogRepository(redis.client);
    await log.append({ op: 'add', faceId: 'old', personId: 'p', embedding: vec(1) });
    const seen: string[] = [];
    const abort = new AbortController();
    const readersBefore = await readerIds();
    const tail = log.tail('$', (event) => {
      if (event.op === 'add') seen.push(event.faceId);
    }, { signal: abort.signal });
    await waitForBlockedReader(readersBefore);
    await log.append({ op: 'add', faceId: 'new', personId: 'p', embedding: vec(2) });
    await until(() => seen.length > 0, 2000);
    abort.abort();
    await tail;
    expect(seen).toEqual(['new']);
  });

  it('tail keeps going after a handler error and after its connection is killed', async () => {
    const log = new GalleryLogRepository(redis.client);
    const seen: string[] = [];
    const abort = new AbortController();
    const tail = log.tail('0', (event) => {
      if (event.op !== 'add') return;
      if (event.faceId === 'bad') throw new Error('sink rejected it');
      seen.push(event.faceId);
    }, { signal: abort.signal, blockMs: 200 });
    await log.append({ op: 'add', faceId: 'a', personId: 'p', embedding: vec(1) });
    await log.append({ op: 'add', faceId: 'bad', personId: 'p', embedding: vec(1) });
    await log.append({ op: 'add', faceId: 'b', personId: 'p', embedding: vec(1) });
    await until(() => seen.length === 2, 2000);

    const blocked = (await redis.client.clientList()).filter((c) => c.cmd === 'xread');
    expect(blocked).toHaveLength(1);
    await redis.client.clientKill({ filter: 'ID', id: blocked[0]!.id });
    await log.append({ op: 'add', faceId: 'c', personId: 'p', embedding: vec(1) });
    await until(() => seen.length === 3, 5000);
    abort.abort();
    await tail;
    expect(seen).toEqual(['a', 'b', 'c']);
  });
});

describe('GallerySync', () => {
  it('rebuilds from every enrolled face, then applies enrollments and removals made by another process within 1 s', async () => {
    const other = await redis.connect();
    const enroller = new WatchlistRepository(other);
    const ada = await enroller.createPerson({ name: 'Ada' });
    const before = await enroller.addFace({ personId: ada.id, embedding: vec(0.6, 0.8), quality: 1, imagePath: '' });

    const sink = new RecordingSink();
    const sync = new GallerySync({ client: redis.client, sink });
    const started = await sync.start();
    expect(started).toEqual({ rebuiltFaces: 1, fromLogId: before.logId });
    expect([...sink.faces.keys()]).toEqual([before.id]);
    expect(sync.lastAppliedId).toBe(before.logId);

    const appliedIds: string[] = [];
    sync.onApplied((id) => appliedIds.push(id));

    const added = await enroller.addFace({ personId: ada.id, embedding: vec(1e-45, -0), quality: 0.9, imagePath: '' });
    const addMs = await until(() => sink.faces.has(added.id), 1000);
    expect(Buffer.from(sink.faces.get(added.id)!.embedding.buffer).equals(Buffer.from(vec(1e-45, -0).buffer))).toBe(true);

    const removed = await enroller.removePerson(ada.id);
    const removeMs = await until(() => sink.faces.size === 0, 1000);
    await sync.whenApplied(removed.logId, 1000);
    expect(sync.lastAppliedId).toBe(removed.logId);
    expect(appliedIds).toEqual([added.logId, removed.logId]);
    expect(addMs).toBeLessThan(1000);
    expect(removeMs).toBeLessThan(1000);

    await sync.stop();
    await enroller.close();
  });

  it('starts from a snapshot log id without a rebuild, applying only later events', async () => {
    const watchlist = new WatchlistRepository(redis.client);
    const p = await watchlist.createPerson({ name: 'Bo' });
    const first = await watchlist.addFace({ personId: p.id, embedding: vec(1), quality: 1, imagePath: '' });
    const second = await watchlist.addFace({ personId: p.id, embedding: vec(2), quality: 1, imagePath: '' });

    const sink = new RecordingSink();
    const sync = new GallerySync({ client: redis.client, sink, fromLogId: first.logId });
    expect(await sync.start()).toEqual({ rebuiltFaces: 0, fromLogId: first.logId });
    await sync.whenApplied(second.logId, 1000);
    expect(sink.events.map((e) => (e.op === 'add' ? e.faceId : 'remove'))).toEqual([second.id]);
    await sync.stop();
    await watchlist.close();
  });

  it('does not lose or double an event written while the rebuild runs', async () => {
    const watchlist = new WatchlistRepository(redis.client);
    const p = await watchlist.createPerson({ name: 'Cy' });
    for (let i = 0; i < 50; i++) await watchlist.addFace({ personId: p.id, embedding: vec(i), quality: 1, imagePath: '' });
    const sink = new RecordingSink();
    const sync = new GallerySync({ client: redis.client, sink });
    const [, late] = await Promise.all([sync.start(), watchlist.addFace({ personId: p.id, embedding: vec(99), quality: 1, imagePath: '' })]);
    await sync.whenApplied(late.logId, 1000);
    expect(sink.faces.size).toBe(51);
    const adds = sink.events.filter((e) => e.op === 'add' && e.faceId === late.id);
    expect(adds).toHaveLength(1);
    await sync.stop();
    await watchlist.close();
  });

  it('whenApplied fails with TIMEOUT for an id that never comes', async () => {
    const sync = new GallerySync({ client: redis.client, sink: new RecordingSink() });
    await sync.start();
    await expect(sync.whenApplied('99999999999999-0', 100)).rejects.toMatchObject({ code: 'TIMEOUT' });
    await sync.stop();
  });
});
