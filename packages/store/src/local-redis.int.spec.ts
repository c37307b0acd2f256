import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freeTcpPort as freePort } from '@argus/runtime';
import { redisProcessId, startLocalRedis, type LocalRedis } from './local-redis.ts';
import { connectRedis, silentLog } from './redis-client.ts';
import { isStoreError, type StoreError } from './store-error.ts';

async function caught(run: () => Promise<unknown>): Promise<StoreError> {
  try {
    await run();
  } catch (err) {
    if (isStoreError(err)) return err;
    throw err;
  }
  throw new Error('expected a StoreError');
}

describe('startLocalRedis', () => {
  let dir: string;
  const running: LocalRedis[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'argus-local-redis-'));
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((r) => r.stop()));
    await rm(dir, { recursive: true, force: true });
  });

  it('starts on a free loopback port, keeps data across a restart with AOF, and stops', async () => {
    const first = await startLocalRedis({ dir });
    running.push(first);
    expect(first.url).toBe(`redis://127.0.0.1:${first.port}`);
    const client = await connectRedis(first.url, { log: silentLog });
    await client.set('argus:probe', 'kept');
    expect(await client.configGet('appendonly')).toEqual({ appendonly: 'yes' });
    client.destroy();
    await first.stop();
    expect(await redisProcessId(first.port)).toBeUndefined();
    expect(existsSync(join(dir, 'appendonlydir'))).toBe(true);

    const second = await startLocalRedis({ dir, port: first.port });
    running.push(second);
    const again = await connectRedis(second.url, { log: silentLog });
    expect(await again.get('argus:probe')).toBe('kept');
    again.destroy();
    await second.stop();
    await second.stop();
  });

  it('runs without persistence for tests', async () => {
    const server = await startLocalRedis({ dir, appendOnly: false });
    running.push(server);
    const client = await connectRedis(server.url, { log: silentLog });
    expect(await client.configGet('appendonly')).toEqual({ appendonly: 'no' });
    expect(await client.configGet('save')).toEqual({ save: '' });
    client.destroy();
  });

  it('says how to install redis-server when the binary is missing', async () => {
    const err = await caught(() => startLocalRedis({ dir, binary: join(dir, 'no-such-redis-server') }));
    expect(err.code).toBe('REDIS_SERVER_MISSING');
    expect(err.message).toMatch(/apt-get install redis-server, or run `npm run setup`/);
  });

  it('refuses a port where another redis-server already answers', async () => {
    const other = await startLocalRedis({ dir: join(dir, 'other'), appendOnly: false });
    running.push(other);
    const err = await caught(() => startLocalRedis({ dir, port: other.port, appendOnly: false }));
    expect(err.code).toBe('REDIS_SERVER_FAILED');
    expect(err.message).toMatch(new RegExp(`port ${other.port}`));
    expect(await redisProcessId(other.port)).toBeTypeOf('number');
  });

  it('fails fast with REDIS_UNAVAILABLE when nothing listens', async () => {
    const port = await freePort();
    const started = Date.now();
    const err = await caught(() => connectRedis(`redis://127.0.0.1:${port}`, { log: silentLog, connectTimeoutMs: 600 }));
    expect(err.code).toBe('REDIS_UNAVAILABLE');
    expect(err.message).toMatch(/could not reach Redis at redis:\/\/127\.0\.0\.1:\d+ within 600 ms .*set REDIS_URL/);
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
