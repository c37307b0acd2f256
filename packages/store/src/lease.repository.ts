// Which ingest worker runs which camera: a lease per camera (SET NX PX) that its holder renews well
// before it expires; a dead worker's cameras become free within the lease time.
import { assertId } from './ids.ts';
import { keys } from './keys.ts';
import type { RedisClient } from './redis-client.ts';
import { StoreError } from './store-error.ts';

// Renew and release must only touch a lease that is still ours: check and act in one script.
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

function assertTtl(ttlMs: number): number {
  if (!Number.isInteger(ttlMs) || ttlMs < 1) throw new StoreError('INVALID_INPUT', `lease ttlMs must be a positive integer, got ${ttlMs}`);
  return ttlMs;
}

export class LeaseRepository {
  constructor(private readonly client: RedisClient) {}

  /** True when the camera was free and is now leased to `workerId` for `ttlMs`. */
  async acquire(camera: string, workerId: string, ttlMs: number): Promise<boolean> {
    assertId(workerId, 'worker id');
    const reply = await this.client.set(keys.cameraLease(camera), workerId, { condition: 'NX', expiration: { type: 'PX', value: assertTtl(ttlMs) } });
    return reply === 'OK';
  }

  /** Extends the lease to `ttlMs` from now; false when it expired or another worker holds it (stop the camera). */
  async renew(camera: string, workerId: string, ttlMs: number): Promise<boolean> {
    const reply = await this.client.eval(RENEW, { keys: [keys.cameraLease(camera)], arguments: [assertId(workerId, 'worker id'), String(assertTtl(ttlMs))] });
    return Number(reply) === 1;
  }

  /** Gives the camera up at once; false when the lease was not ours (any more). */
  async release(camera: string, workerId: string): Promise<boolean> {
    const reply = await this.client.eval(RELEASE, { keys: [keys.cameraLease(camera)], arguments: [assertId(workerId, 'worker id')] });
    return Number(reply) === 1;
  }

  /** The worker holding the camera, or null. */
  holder(camera: string): Promise<string | null> {
    return this.client.get(keys.cameraLease(camera));
  }
}
