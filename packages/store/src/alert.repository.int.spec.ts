import type { Alert, NewAlert } from '@argus/protocol';
import { describe, expect, it } from 'vitest';
import { AlertRepository } from './alert.repository.ts';
import { keys } from './keys.ts';
import { withTestRedis } from './test-redis.ts';

const redis = withTestRedis();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const alert = (camera: string, personId: string, n: number): NewAlert => ({ camera, personId, personName: `name-${personId}`, score: 0.5 + n / 1000, ts: 1732540000000 + n, trackId: `t${n}` });

async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(5);
  }
}

describe('AlertRepository', () => {
  it('publishes alerts whose stream id is the alert id, and gets one back', async () => {
    const alerts = new AlertRepository(redis.client);
    const input = { ...alert('lobby', 'p1', 1), faceId: 'f1', thumbUrl: '/api/thumbs/a.jpg', latencyMs: 240 };
    const id = await alerts.publish(input);
    expect(id).toMatch(/^\d+-\d+$/);
    expect(await alerts.get(id)).toEqual({ id, ...input });
    expect(await alerts.get('1-0')).toBeNull();
    await expect(alerts.publish({ ...input, camera: undefined } as unknown as NewAlert)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('lists newest first, filtered by camera, person and time, paging with before', async () => {
    const alerts = new AlertRepository(redis.client);
    const ids: string[] = [];
    for (let n = 0; n < 30; n++) ids.push(await alerts.publish(alert(n % 2 ? 'lobby' : 'door', n % 3 ? 'p1' : 'p2', n)));
    const newest = [...ids].reverse();

    expect((await alerts.list({ limit: 5 })).map((a) => a.id)).toEqual(newest.slice(0, 5));
    const lobbyP2 = await alerts.list({ camera: 'lobby', person: 'p2', limit: 100 });
    expect(lobbyP2.map((a) => a.trackId)).toEqual(['t27', 't21', 't15', 't9', 't3']);

    const page1 = await alerts.list({ limit: 10 });
    const page2 = await alerts.list({ limit: 10, before: page1[9]!.id });
    expect(page2.map((a) => a.id)).toEqual(newest.slice(10, 20));

    await sleep(5);
    const since = Date.now();
    await sleep(5);
    const late = await alerts.publish(alert('lobby', 'p1', 99));
    expect((await alerts.list({ since })).map((a) => a.id)).toEqual([late]);
    await expect(alerts.list({ before: 'yesterday' })).rejects.toMatchObject({ code: 'INVALID_CURSOR' });
  });

  it('finds a selective match beyond the first page of the stream', async () => {
    const alerts = new AlertRepository(redis.client);
    const rare = await alerts.publish(alert('attic', 'p9', 0));
    await Promise.all(Array.from({ length: 1200 }, (_, n) => alerts.publish(alert('lobby', 'p1', n + 1))));
    expect((await alerts.list({ camera: 'attic' })).map((a) => a.id)).toEqual([rare]);
  });

  it('readAfter and tail resume after a given id, in order', async () => {
    const alerts = new AlertRepository(redis.client);
    const ids: string[] = [];
    for (let n = 0; n < 4; n++) ids.push(await alerts.publish(alert('lobby', 'p1', n)));
    expect((await alerts.readAfter(ids[1]!)).map((a) => a.id)).toEqual(ids.slice(2));
    expect((await alerts.readAfter('0', 2)).map((a) => a.id)).toEqual(ids.slice(0, 2));

    const seen: Alert[] = [];
    const abort = new AbortController();
    const tail = alerts.tail(ids[2]!, (a) => {
      seen.push(a);
    }, { signal: abort.signal, blockMs: 200 });
    ids.push(await alerts.publish(alert('door', 'p2', 4)));
    await until(() => seen.length === 2, 2000);
    abort.abort();
    await tail;
    expect(seen.map((a) => a.id)).toEqual(ids.slice(3));
    expect(seen[1]).toMatchObject({ camera: 'door', personId: 'p2', trackId: 't4' });
  });

  it('records the first acknowledgement, shows it in lists, and refuses unknown alerts', async () => {
    const alerts = new AlertRepository(redis.client);
    const id = await alerts.publish(alert('lobby', 'p1', 1));
    const other = await alerts.publish(alert('lobby', 'p1', 2));
    const ack = await alerts.ack(id, 'operator-1');
    expect(ack.by).toBe('operator-1');
    expect(Math.abs(ack.at - Date.now())).toBeLessThan(5000);
    expect(await alerts.ack(id, 'operator-2')).toEqual(ack);
    const listed = await alerts.list();
    expect(listed.find((a) => a.id === id)?.ack).toEqual(ack);
    expect(listed.find((a) => a.id === other)?.ack).toBeUndefined();
    await expect(alerts.ack('1-0', 'operator-1')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(alerts.ack(other, ' ')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('caps the stream near maxLen and prunes acknowledgements of trimmed alerts', async () => {
    const alerts = new AlertRepository(redis.client, { maxLen: 50 });
    const first = await alerts.publish(alert('lobby', 'p1', 0));
    await alerts.ack(first, 'op');
    await Promise.all(Array.from({ length: 999 }, (_, n) => alerts.publish(alert('lobby', 'p1', n + 1))));
    const length = await redis.client.xLen(keys.alerts);
    // MAXLEN ~ trims whole macro nodes (100 entries each by default): near 50, never the full 1000.
    expect(length).toBeGreaterThanOrEqual(50);
    expect(length).toBeLessThanOrEqual(150);
    expect(await alerts.get(first)).toBeNull();
    expect(await alerts.pruneAcks()).toBe(1);
    expect(await redis.client.hLen(keys.alertAcks)).toBe(0);
  });
});
