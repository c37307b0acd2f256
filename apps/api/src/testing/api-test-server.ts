// Vitest helper: a real api server (real Redis from withTestRedis, the real models, a temp data dir) on a
// free loopback port, for one test file. Started in beforeAll, closed and deleted in afterAll.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type LoadedConfig } from '@argus/config';
import { withTestRedis, type TestRedis } from '@argus/store/testing';
import { FaceAnalyzer } from '@argus/vision';
import pino from 'pino';
import { afterAll, beforeAll } from 'vitest';
import type { GatewayOptions } from '../alert-gateway.ts';
import { createServer, type ApiServer } from '../server.ts';

export const TEST_TOKEN = 'test-admin-token-0123456789abcdef';

export interface TestApi {
  readonly redis: TestRedis;
  readonly config: LoadedConfig;
  readonly server: ApiServer;
  /** http://127.0.0.1:<port> */
  readonly base: string;
  readonly dataDir: string;
  /** fetch against the server with the admin token (unless `auth: false`). */
  fetch(path: string, init?: RequestInit & { auth?: boolean }): Promise<Response>;
  fixture(relative: string): string;
}

export function withTestApi(options: { gateway?: GatewayOptions; liveFeedIntervalMs?: number } = {}): TestApi {
  const redis = withTestRedis();
  let state: { config: LoadedConfig; server: ApiServer; base: string; dataDir: string; analyzer: FaceAnalyzer } | undefined;
  const need = () => {
    if (!state) throw new Error('withTestApi: only available inside tests (after beforeAll)');
    return state;
  };

  beforeAll(async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'argus-api-'));
    const config = loadConfig({ env: { ...process.env, ARGUS_DATA_DIR: dataDir, ARGUS_ADMIN_TOKEN: TEST_TOKEN, REDIS_URL: redis.url } });
    const analyzer = await FaceAnalyzer.create(config);
    const server = await createServer({
      config,
      redis: redis.client,
      analyzer,
      adminToken: TEST_TOKEN,
      log: pino({ level: 'silent' }),
      ...(options.gateway ? { gateway: options.gateway } : {}),
      ...(options.liveFeedIntervalMs ? { liveFeedIntervalMs: options.liveFeedIntervalMs } : {}),
    });
    const base = await server.app.listen({ host: '127.0.0.1', port: 0 });
    state = { config, server, base, dataDir, analyzer };
  });
  afterAll(async () => {
    if (!state) return;
    await state.server.app.close();
    await state.analyzer.dispose();
    await rm(state.dataDir, { recursive: true, force: true });
  });

  return {
    redis,
    get config() {
      return need().config;
    },
    get server() {
      return need().server;
    },
    get base() {
      return need().base;
    },
    get dataDir() {
      return need().dataDir;
    },
    fetch(path, init = {}) {
      const { auth = true, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (auth && !headers.has('authorization')) headers.set('authorization', `Bearer ${TEST_TOKEN}`);
      return fetch(`${need().base}${path}`, { ...rest, headers });
    },
    fixture(relative) {
      return join(need().config.resolved.fixtures, relative);
    },
  };
}
