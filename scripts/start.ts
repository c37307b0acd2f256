// The product runner behind `npm start`: a local redis-server when no Redis is configured, then every app under
// apps/ that has a `start` script, each supervised (output prefixed with its name, restarted with backoff when it
// dies) and stopped in order on Ctrl-C: apps first, Redis last. Run with `node --import tsx scripts/start.ts`.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { delimiter, join, relative, sep } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError, loadConfig } from '@argus/config';

const DEFAULT_REDIS_PORT = 6379;
const REDIS_READY_TIMEOUT_MS = 30_000; // a large AOF takes a while to load
const APP_STOP_GRACE_MS = 10_000;
const REDIS_STOP_GRACE_MS = 30_000; // Redis fsyncs the AOF and writes its RDB snapshot on SIGTERM
const RESTART_MIN_MS = 1_000;
const RESTART_MAX_MS = 30_000;
const STABLE_RUN_MS = 60_000; // an app that ran this long before dying starts its backoff afresh

class StartError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'StartError';
  }
}

const log = (msg: string): void => void process.stdout.write(`[start] ${msg}\n`);
const warn = (msg: string): void => void process.stderr.write(`[start] ${msg}\n`);
const seconds = (ms: number): string => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
const onPath = (bin: string): boolean =>
  (process.env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && existsSync(join(dir, bin)));

/** Copies each line a child writes, with its name in front, to our stdout or stderr. */
function prefixOutput(child: ChildProcess, label: string): void {
  const pairs = [
    [child.stdout, process.stdout],
    [child.stderr, process.stderr],
  ] as const;
  for (const [from, to] of pairs) {
    if (from) createInterface({ input: from, crlfDelay: Infinity }).on('line', (line) => to.write(`${label} | ${line}\n`));
  }
}

const isRunning = (child: ChildProcess): boolean => child.exitCode === null && child.signalCode === null;

/** Children run in their own process group (detached), so Ctrl-C reaches only us and we choose the order. */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is already gone
  }
}

/** Whether any process of the child's group is still alive (the leader may be a shell that died first). */
function groupAlive(child: ChildProcess): boolean {
  if (child.pid === undefined) return false;
  try {
    process.kill(-child.pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function groupGone(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (groupAlive(child) || isRunning(child)) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

/**
 * SIGTERM to the child's whole group, SIGKILL after graceMs; resolves once every process of the group has exited.
 * Waiting for the group, not the leader: `sh -c` dies at once on SIGTERM while the app it ran is still cleaning up.
 */
async function stopGroup(child: ChildProcess, graceMs: number): Promise<void> {
  if (!groupAlive(child) && !isRunning(child)) return;
  signalGroup(child, 'SIGTERM');
  if (await groupGone(child, graceMs)) return;
  warn(`pid ${child.pid} and its group did not stop within ${seconds(graceMs)} of SIGTERM: killing them`);
  signalGroup(child, 'SIGKILL');
  await groupGone(child, 5_000);
}

type PingResult = { state: 'pong' | 'loading' | 'refused' } | { state: 'other'; detail: string };

/** Asks 127.0.0.1:port for PING in raw RESP: no Redis client needed before `npm ci` has run. */
function pingRedis(port: number, timeoutMs = 1_000): Promise<PingResult> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    let settled = false;
    const done = (result: PingResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done({ state: 'other', detail: `no answer to PING within ${seconds(timeoutMs)}` }), timeoutMs);
    socket.on('connect', () => socket.write('*1\r\n$4\r\nPING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (!reply.includes('\r\n')) return;
      if (reply.startsWith('+PONG')) done({ state: 'pong' });
      else if (reply.startsWith('-LOADING')) done({ state: 'loading' });
      else done({ state: 'other', detail: `answered ${JSON.stringify(reply.trim().slice(0, 120))}` });
    });
    socket.on('error', (err: NodeJS.ErrnoException) =>
      done(err.code === 'ECONNREFUSED' ? { state: 'refused' } : { state: 'other', detail: err.message }),
    );
    socket.on('close', () => done({ state: 'other', detail: 'closed the connection without answering PING' }));
  });
}

/** A redis-server child with its data (AOF on) in one directory, bound to loopback. */
class LocalRedis {
  private child: ChildProcess | undefined;

  constructor(
    readonly dir: string,
    readonly port: number,
    private readonly label: string,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (!onPath('redis-server')) {
      throw new StartError(
        'REDIS_NOT_INSTALLED',
        'redis-server is not installed. Run `npm run setup` (installs it with apt) or `sudo apt-get install -y redis-server`; ' +
          'or point Argus at a Redis you run elsewhere with REDIS_URL=redis://host:6379.',
      );
    }
    mkdirSync(this.dir, { recursive: true });
    // Everything on the command line, so no config file is needed; Redis's own defaults otherwise (RDB snapshots too).
    const args = [
      '--port', String(this.port),
      '--bind', '127.0.0.1',
      '--protected-mode', 'yes',
      '--dir', this.dir,
      '--appendonly', 'yes',
      '--appendfsync', 'everysec',
      '--daemonize', 'no',
      '--loglevel', 'warning',
    ];
    const child = spawn('redis-server', args, { cwd: this.dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    prefixOutput(child, this.label);
    let spawnError: Error | undefined;
    child.once('error', (err) => (spawnError = err));
    const deadline = Date.now() + REDIS_READY_TIMEOUT_MS;
    for (;;) {
      if (spawnError) throw new StartError('REDIS_START_FAILED', `redis-server could not start: ${spawnError.message}`);
      if (!isRunning(child)) {
        throw new StartError(
          'REDIS_START_FAILED',
          `redis-server exited (code ${child.exitCode ?? child.signalCode}) before answering on 127.0.0.1:${this.port}; its own lines above say why. ` +
            `If the port is taken, choose another with ARGUS_REDIS_PORT; if the AOF under ${this.dir} is damaged, see docs/OPERATIONS.md.`,
        );
      }
      if ((await pingRedis(this.port, 500)).state === 'pong') return;
      if (Date.now() > deadline) {
        await this.stop();
        throw new StartError('REDIS_START_FAILED', `redis-server did not answer PING on 127.0.0.1:${this.port} within ${seconds(REDIS_READY_TIMEOUT_MS)}`);
      }
      await sleep(100);
    }
  }

  async stop(): Promise<void> {
    if (this.child) await stopGroup(this.child, REDIS_STOP_GRACE_MS);
  }

  kill(): void {
    if (this.child && isRunning(this.child)) signalGroup(this.child, 'SIGKILL');
  }
}

interface AppDefinition {
  name: string;
  dir: string;
  script: string;
}

/** apps/<name>/package.json files; those with a `start` script are run, the others only listed. */
function findApps(appsDir: string): { runnable: AppDefinition[]; without: string[] } {
  const runnable: AppDefinition[] = [];
  const without: string[] = [];
  if (!existsSync(appsDir)) return { runnable, without };
  for (const entry of readdirSync(appsDir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const pkgFile = join(appsDir, entry.name, 'package.json');
    if (!entry.isDirectory() || !existsSync(pkgFile)) continue;
    let script: unknown;
    try {
      script = (JSON.parse(readFileSync(pkgFile, 'utf8')) as { scripts?: Record<string, unknown> }).scripts?.start;
    } catch (err) {
      throw new StartError('APP_PACKAGE_INVALID', `${pkgFile} is not valid JSON (${(err as Error).message}): fix it and start again`);
    }
    if (typeof script === 'string' && script.trim() !== '') runnable.push({ name: entry.name, dir: join(appsDir, entry.name), script });
    else without.push(entry.name);
  }
  return { runnable, without };
}

/** Runs one app's start script like `npm start` would, and restarts it with backoff whenever it exits. */
class SupervisedApp {
  private child: ChildProcess | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private stopping = false;

  constructor(
    readonly app: AppDefinition,
    private readonly env: NodeJS.ProcessEnv,
    private readonly label: string,
  ) {}

  start(): void {
    const startedAt = Date.now();
    const child = spawn('sh', ['-c', this.app.script], {
      cwd: this.app.dir,
      env: this.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    prefixOutput(child, this.label);
    child.once('error', (err) => warn(`${this.app.name}: could not run its start script: ${err.message}`));
    child.once('exit', (code, signal) => {
      if (this.stopping) return; // stop() waits for the whole group
      signalGroup(child, 'SIGKILL'); // whatever the script left behind in its group, before a fresh start
      this.child = undefined;
      const ranMs = Date.now() - startedAt;
      this.failures = ranMs >= STABLE_RUN_MS ? 1 : this.failures + 1;
      const delayMs = Math.min(RESTART_MIN_MS * 2 ** (this.failures - 1), RESTART_MAX_MS);
      warn(
        `${this.app.name} exited with ${code !== null ? `code ${code}` : `signal ${signal}`} after ${seconds(ranMs)}; ` +
          `restarting in ${seconds(delayMs)} (${this.failures === 1 ? 'first restart' : `restart ${this.failures} in a row`})`,
      );
      this.restartTimer = setTimeout(() => this.start(), delayMs);
    });
    log(`${this.app.name}: started (pid ${child.pid}): ${this.app.script}`);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    if (this.child) await stopGroup(this.child, APP_STOP_GRACE_MS);
  }

  kill(): void {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    if (this.child && groupAlive(this.child)) signalGroup(this.child, 'SIGKILL');
  }
}

function parsePort(raw: string): number {
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new StartError('REDIS_PORT_INVALID', `ARGUS_REDIS_PORT=${JSON.stringify(raw)} is not a TCP port: use a number from 1 to 65535`);
  }
  return port;
}

/** A URL fit for the log: the password replaced. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

/** Set by the first Ctrl-C; from then on, start-up errors are consequences of stopping, not news. */
let stopping = false;

async function main(): Promise<void> {
  let redis: LocalRedis | undefined;
  const apps: SupervisedApp[] = [];
  const keepAlive = setInterval(() => undefined, 1 << 30); // stay up even with no child to wait for

  const shutdown = async (reason: string): Promise<void> => {
    stopping = true;
    log(`${reason}: stopping${apps.length ? ` ${apps.map((a) => a.app.name).join(', ')}` : ''}${redis ? `${apps.length ? ', then' : ''} redis` : ''} (Ctrl-C again to kill at once)`);
    await Promise.all(apps.map((a) => a.stop()));
    await redis?.stop();
    clearInterval(keepAlive);
    log('stopped');
  };
  const killAll = (): void => {
    for (const a of apps) a.kill();
    redis?.kill();
  };
  let signals = 0;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      signals += 1;
      if (signals === 1) {
        void shutdown(signal).then(() => process.exit(0));
      } else {
        warn(`${signal} again: killing everything now`);
        killAll();
        process.exit(1);
      }
    });
  }
  process.on('exit', killAll); // an unexpected crash of this runner must not leave children behind

  const cfg = loadConfig();
  const { runnable, without } = findApps(join(cfg.resolved.root, 'apps'));
  const width = Math.max('redis'.length, ...runnable.map((a) => a.name.length));
  const label = (name: string): string => name.padEnd(width);

  let redisUrl = cfg.redis.url;
  if (redisUrl) {
    log(`Redis: ${redactUrl(redisUrl)} (${process.env.REDIS_URL ? 'REDIS_URL' : 'redis.url in the config'}); no local redis-server started`);
  } else {
    const port = parsePort(process.env.ARGUS_REDIS_PORT ?? String(DEFAULT_REDIS_PORT));
    const ping = await pingRedis(port);
    if (ping.state === 'pong' || ping.state === 'loading') {
      redisUrl = `redis://127.0.0.1:${port}`;
      log(`Redis: reusing the redis-server already answering at ${redisUrl} (not started here, so left running on exit)`);
    } else if (ping.state === 'other') {
      throw new StartError(
        'REDIS_PORT_TAKEN',
        `127.0.0.1:${port} is taken by something that is not an open Redis (${ping.detail}). ` +
          'Stop it, choose another port with ARGUS_REDIS_PORT, or set REDIS_URL (with the password) to use it.',
      );
    } else {
      const dir = join(cfg.resolved.data, 'redis');
      redis = new LocalRedis(dir, port, label('redis'));
      log(`Redis: starting redis-server on 127.0.0.1:${port}, data in ${dir.startsWith(process.cwd() + sep) ? relative(process.cwd(), dir) : dir} (AOF on)`);
      await redis.start();
      redisUrl = redis.url;
      log(`Redis: ready at ${redisUrl}`);
    }
  }
  if (stopping) return;

  if (runnable.length === 0) {
    log(`apps: none has a "start" script yet${without.length ? ` (found without one: ${without.join(', ')})` : ''}`);
  } else {
    log(`apps: ${runnable.map((a) => a.name).join(', ')}${without.length ? ` (no start script: ${without.join(', ')})` : ''}`);
  }
  const binPath = (dir: string): string => [join(dir, 'node_modules', '.bin'), join(cfg.resolved.root, 'node_modules', '.bin'), process.env.PATH].join(delimiter);
  for (const app of runnable) {
    const supervised = new SupervisedApp(app, { ...process.env, REDIS_URL: redisUrl, PATH: binPath(app.dir) }, label(app.name));
    apps.push(supervised);
    supervised.start();
  }
  log('Argus is running. Ctrl-C stops it.');
}

main().catch((err: unknown) => {
  if (stopping) return; // shutdown() is already on its way to a clean exit
  if (err instanceof StartError || err instanceof ConfigError) {
    warn(`error (${err.code}): ${err.message}`);
  } else {
    warn(`unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  }
  process.exit(1); // runs the exit hook, which kills any child already started
});
