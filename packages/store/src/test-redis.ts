// Vitest helper (exported as @argus/store/testing, not from the main entry): a real redis-server on a free
// port with a temp data dir for one test file, emptied before each test, stopped and deleted after.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { startLocalRedis, type LocalRedis } from './local-redis.ts';
import { connectRedis, silentLog, type RedisClient } from './redis-client.ts';

export interface TestRedis {
  readonly url: string;
  readonly server: LocalRedis;
  /** A connected client shared by the file's tests. */
  readonly client: RedisClient;
  /** Another connection (another "process"), closed after the file's tests. */
  connect(): Promise<RedisClient>;
}

export function withTestRedis(options: { flushBeforeEach?: boolean } = {}): TestRedis {
  const { flushBeforeEach = true } = options;
  let dir: string | undefined;
  let server: LocalRedis | undefined;
  let client: RedisClient | undefined;
  const extra: RedisClient[] = [];
  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`withTestRedis: ${what} is only available inside tests (after beforeAll)`);
    return value;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'argus-redis-'));
    server = await startLocalRedis({ dir, appendOnly: false });
    client = await connectRedis(server.url, { log: silentLog, connectTimeoutMs: 5000 });
  });
  if (flushBeforeEach) {
    beforeEach(async () => {
      await need(client, 'client').flushAll();
    });
  }
  afterAll(async () => {
    for (const c of [...extra, client]) if (c?.isOpen) c.destroy();
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  return {
    get url() {
      return need(server, 'url').url;
    },
    get server() {
      return need(server, 'server');
    },
    get client() {
      return need(client, 'client');
    },
    async connect() {
      const c = await connectRedis(need(server, 'server').url, { log: silentLog, connectTimeoutMs: 5000 });
      extra.push(c);
      return c;
    },
  };
}
