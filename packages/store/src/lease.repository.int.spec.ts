import { describe, expect, it } from 'vitest';
import { keys } from './keys.ts';
import { LeaseRepository } from './lease.repository.ts';
import { withTestRedis } from './test-redis.ts';

const redis = withTestRedis();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('LeaseRepository', () => {
  it('gives a camera to one worker at a time; only the holder renews or releases it', async () => {
    const workerA = new LeaseRepository(redis.client);
    const workerB = new LeaseRepository(await redis.connect());
    expect(await workerA.acquire('lobby', 'worker-a', 10_000)).toBe(true);
    expect(await workerB.acquire('lobby', 'worker-b', 10_000)).toBe(false);
    expect(await workerA.holder('lobby')).toBe('worker-a');

    expect(await workerB.renew('lobby', 'worker-b', 10_000)).toBe(false);
    expect(await workerA.renew('lobby', 'worker-a', 60_000)).toBe(true);
    expect(await redis.client.pTTL(keys.cameraLease('lobby'))).toBeGreaterThan(10_000);

    expect(await workerB.release('lobby', 'worker-b')).toBe(false);
    expect(await workerA.holder('lobby')).toBe('worker-a');
    expect(await workerA.release('lobby', 'worker-a')).toBe(true);
    expect(await workerA.holder('lobby')).toBeNull();
    expect(await workerB.acquire('lobby', 'worker-b', 10_000)).toBe(true);
  });

  it('moves a dead worker’s camera after the lease time; the old holder cannot renew it back', async () => {
    const leases = new LeaseRepository(redis.client);
    expect(await leases.acquire('door', 'worker-a', 150)).toBe(true);
    await sleep(250);
    expect(await leases.holder('door')).toBeNull();
    expect(await leases.acquire('door', 'worker-b', 10_000)).toBe(true);
    expect(await leases.renew('door', 'worker-a', 10_000)).toBe(false);
    expect(await leases.holder('door')).toBe('worker-b');
  });

  it('validates worker ids and lease times', async () => {
    const leases = new LeaseRepository(redis.client);
    await expect(leases.acquire('lobby', 'w 1', 1000)).rejects.toMatchObject({ code: 'INVALID_ID' });
    await expect(leases.acquire('lobby', 'w1', 0)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(leases.renew('lobby', 'w1', 1.5)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});
