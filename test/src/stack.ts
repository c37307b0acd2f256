// The whole Argus stack as real processes for end-to-end tests and the dashboard benchmark: redis-server,
// api, optionally ingest and the dashboard, each on a free port, sharing one temp data dir. The api can be
// stopped and started again on its port (the dashboard's reconnect path); stop() kills everything.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@argus/config';
import { freeTcpPort } from '@argus/runtime';
import { startLocalRedis, type LocalRedis } from '@argus/store';
import { childProcesses } from '@argus/video';
import { startService, type ServiceProcess } from './service-process.ts';

export const DASHBOARD_DIR = join(repoRoot, 'apps', 'dashboard');
const API_READY_MS = 90_000;
const DASHBOARD_READY_MS = 60_000;
const POLL_MS = 250;

export class StackError extends Error {
  constructor(
    readonly code: 'DASHBOARD_NOT_BUILT' | 'SERVICE_EXITED' | 'SERVICE_NOT_READY',
    message: string,
  ) {
    super(message);
    this.name = 'StackError';
  }
}

/** Throws DASHBOARD_NOT_BUILT, saying how to build it, when apps/dashboard has no production build. */
export function assertDashboardBuilt(): void {
  if (!existsSync(join(DASHBOARD_DIR, '.next', 'BUILD_ID'))) {
    throw new StackError(
      'DASHBOARD_NOT_BUILT',
      `the dashboard is not built (${join(DASHBOARD_DIR, '.next', 'BUILD_ID')} is missing): run npm run build -w @argus/dashboard`,
    );
  }
}

export interface StackOptions {
  /** Run apps/ingest too (it picks up cameras added through the api). Default false. */
  ingest?: boolean;
  /** Run apps/dashboard (needs `npm run build -w @argus/dashboard`). Default false. */
  dashboard?: boolean;
  /** Extra environment for every app, e.g. ARGUS_ALERTS__COOLDOWN_MS. */
  env?: NodeJS.ProcessEnv;
  /** Log level of the apps (default warn). */
  logLevel?: string;
}

export interface Stack {
  readonly dataDir: string;
  readonly token: string;
  readonly redis: LocalRedis;
  /** http://127.0.0.1:<api port> */
  readonly apiUrl: string;
  /** http://127.0.0.1:<dashboard port>; empty without the dashboard. */
  readonly dashboardUrl: string;
  /** The api (current process: a new one after startApi). */
  api(): ServiceProcess | undefined;
  ingest(): ServiceProcess | undefined;
  dashboard(): ServiceProcess | undefined;
  /** fetch against the api with the admin token. */
  http(path: string, init?: RequestInit): Promise<Response>;
  /** SIGTERM to the api, resolved once it has exited. */
  stopApi(): Promise<void>;
  /** Starts the api again on the same port; resolves once /api/health says ok. */
  startApi(): Promise<void>;
  /** The last lines of every app, for failure messages. */
  output(): string;
  /** Throws SERVICE_EXITED, with their output, when an app that should run has died. */
  assertRunning(): void;
  /**
   * Polls `probe` until it returns a value (a throw counts as "not yet"); fails early, with the apps' output,
   * when one of them died, and after `timeoutMs` saying what it waited for.
   */
  waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, intervalMs?: number): Promise<T>;
  /** Stops every process it started and removes the data dir; safe to call twice and after a failed start. */
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  if (options.dashboard) assertDashboardBuilt();
  const dataDir = await mkdtemp(join(tmpdir(), 'argus-stack-'));
  const token = randomBytes(16).toString('hex');
  let redis: LocalRedis | undefined;
  let api: ServiceProcess | undefined;
  let ingest: ServiceProcess | undefined;
  let dashboard: ServiceProcess | undefined;
  let apiStopped = false;
  let stopped = false;

  const services = () => [api, ingest, dashboard].filter((s): s is ServiceProcess => s !== undefined);
  const output = () => services().map((s) => `--- ${s.name} (last lines):\n${s.output()}`).join('\n');
  const assertRunning = () => {
    for (const s of services()) {
      if (s === api && apiStopped) continue;
      if (s.hasExited()) throw new StackError('SERVICE_EXITED', `${s.name} exited unexpectedly\n${output()}`);
    }
  };
  const waitFor = async <T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, intervalMs = POLL_MS): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      assertRunning();
      const value = await probe().catch(() => undefined);
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new StackError('SERVICE_NOT_READY', `timed out after ${timeoutMs} ms waiting for ${what}\n${output()}`);
      await sleep(intervalMs);
    }
  };
  const waitUntil = (what: string, timeoutMs: number, probe: () => Promise<boolean>) => waitFor(what, timeoutMs, async () => ((await probe()) ? true : undefined));

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await Promise.all(services().map((s) => s.stop()));
    await redis?.stop();
    await rm(dataDir, { recursive: true, force: true });
  };

  try {
    redis = await startLocalRedis({ dir: join(dataDir, 'redis'), appendOnly: false });
    const [apiPort, dashboardPort] = await Promise.all([freeTcpPort(), options.dashboard ? freeTcpPort() : Promise.resolve(0)]);
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const dashboardUrl = options.dashboard ? `http://127.0.0.1:${dashboardPort}` : '';
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      REDIS_URL: redis.url,
      ARGUS_DATA_DIR: dataDir,
      ARGUS_API__HOST: '127.0.0.1',
      ARGUS_API__PORT: String(apiPort),
      ARGUS_INGEST__METRICS_PORT: '0',
      ARGUS_ADMIN_TOKEN: token,
      ARGUS_LOG_LEVEL: options.logLevel ?? 'warn',
      NEXT_TELEMETRY_DISABLED: '1',
      ...options.env,
    };
    const apiHealthy = async () => {
      const res = await fetch(`${apiUrl}/api/health`);
      const body = (await res.json()) as { status?: string; redis?: string };
      return res.status === 200 && body.status === 'ok' && body.redis === 'up';
    };
    const startApi = async () => {
      apiStopped = false;
      api = startService('api', 'apps/api/src/main.ts', env);
      await waitUntil('GET /api/health to answer ok', API_READY_MS, apiHealthy);
    };

    const apiReady = startApi();
    if (options.ingest) ingest = startService('ingest', 'apps/ingest/src/main.ts', env);
    if (options.dashboard) {
      dashboard = startService(
        'dashboard',
        'server.ts',
        { ...env, NODE_ENV: 'production', ARGUS_DASHBOARD__HOST: '127.0.0.1', ARGUS_DASHBOARD__PORT: String(dashboardPort), ARGUS_DASHBOARD__API_URL: apiUrl },
        { cwd: DASHBOARD_DIR },
      );
    }
    await apiReady;
    if (options.dashboard) {
      await waitUntil('the dashboard GET /healthz to answer 200', DASHBOARD_READY_MS, async () => (await fetch(`${dashboardUrl}/healthz`)).status === 200);
    }

    return {
      dataDir,
      token,
      redis,
      apiUrl,
      dashboardUrl,
      api: () => api,
      ingest: () => ingest,
      dashboard: () => dashboard,
      http(path, init = {}) {
        const headers = new Headers(init.headers);
        headers.set('authorization', `Bearer ${token}`);
        return fetch(`${apiUrl}${path}`, { ...init, headers });
      },
      async stopApi() {
        apiStopped = true;
        await api?.stop();
      },
      startApi,
      output,
      assertRunning,
      waitFor,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Processes a test left behind: children of this process, and any process whose command line names
 * `cameraUrl` (an ffmpeg of an ingest worker that outlived it). Empty when all is clean.
 */
export function leftoverProcesses(cameraUrl?: string): string[] {
  const children = childProcesses(process.pid).map((p) => `child ${JSON.stringify(p)}`);
  const strays = cameraUrl
    ? execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
        .split('\n')
        .filter((line) => line.includes(cameraUrl))
        .map((line) => `stray ${line.trim()}`)
    : [];
  return [...children, ...strays];
}
