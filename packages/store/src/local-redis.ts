// Runs a redis-server child process on loopback: `npm start` keeps its data under data/redis (AOF on),
// tests give it a temp dir and a free port. Resolves once the server answers (and is ours, not another one on that port).
import { freeTcpPort } from '@argus/runtime';
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { resolve } from 'node:path';
import { silentLog, type StoreLog } from './redis-client.ts';
import { StoreError } from './store-error.ts';

export interface LocalRedisOptions {
  /** Data directory (AOF, RDB); created if missing. */
  dir: string;
  /** TCP port on 127.0.0.1; a free one when omitted or 0. */
  port?: number;
  /** AOF (fsync every second) plus RDB snapshots when true; no persistence at all when false. Default true. */
  appendOnly?: boolean;
  log?: StoreLog;
  /** The redis-server binary. Default: ARGUS_REDIS_SERVER or `redis-server` on PATH. */
  binary?: string;
  /** How long to wait for the server to answer (loading a big AOF takes a while). Default 10 s. */
  startTimeoutMs?: number;
}

export interface LocalRedis {
  url: string;
  port: number;
  /** Resolves when the server process exits, for whatever reason. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM (redis flushes AOF and exits), SIGKILL after 5 s. Safe to call twice. */
  stop(): Promise<void>;
}

const OUTPUT_LINES_KEPT = 30;

/**
 * The process id of the Redis answering on 127.0.0.1:port, or undefined when none answers (yet): tells our
 * server apart from another one already on that port. A server still loading its AOF answers -LOADING: undefined.
 */
export function redisProcessId(port: number, timeoutMs = 500): Promise<number | undefined> {
  return new Promise((done) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const finish = (pid: number | undefined) => {
      socket.destroy();
      done(pid);
    };
    socket.setTimeout(timeoutMs, () => finish(undefined));
    socket.once('error', () => finish(undefined));
    socket.once('connect', () => socket.write('INFO server\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.startsWith('-')) return finish(undefined);
      const match = /process_id:(\d+)\r\n/.exec(reply);
      if (match) finish(Number(match[1]));
    });
  });
}

export async function startLocalRedis(options: LocalRedisOptions): Promise<LocalRedis> {
  const attempts = options.port ? 1 : 3;
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options, options.port || (await freeTcpPort()));
    } catch (err) {
      // A free port can be taken between freeTcpPort() and redis binding it: pick another.
      const portTaken = err instanceof StoreError && /already in use|already used/i.test(err.message);
      if (!portTaken || attempt >= attempts) throw err;
    }
  }
}

function serverArgs(dir: string, port: number, appendOnly: boolean): string[] {
  const persistence = appendOnly
    ? ['--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '3600 1 300 100 60 10000']
    : ['--appendonly', 'no', '--save', ''];
  return [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--protected-mode', 'yes',
    '--daemonize', 'no',
    '--dir', dir,
    '--logfile', '',
    '--loglevel', 'notice',
    ...persistence,
  ];
}

async function startOnce(options: LocalRedisOptions, port: number): Promise<LocalRedis> {
  const { appendOnly = true, log = silentLog, startTimeoutMs = 10_000 } = options;
  const binary = options.binary ?? process.env.ARGUS_REDIS_SERVER ?? 'redis-server';
  const dir = resolve(options.dir);
  await mkdir(dir, { recursive: true });

  const child = spawn(binary, serverArgs(dir, port, appendOnly), { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const onOutput = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      output.push(line);
      if (output.length > OUTPUT_LINES_KEPT) output.shift();
      // Redis marks warnings with " # " (notices use " * ").
      if (/ # /.test(line)) log.warn(`redis-server: ${line}`);
    }
  };
  child.stdout?.on('data', onOutput);
  child.stderr?.on('data', onOutput);

  // A test that crashes must not leave a redis-server behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  let stopping = false;
  let ready = false;
  let settled = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => {
    child.once('exit', (code, signal) => {
      process.removeListener('exit', killOnExit);
      if (!stopping && ready) log.error(`redis-server on port ${port} exited unexpectedly (code ${code}, signal ${signal}): ${output.slice(-5).join(' | ')}`);
      done({ code, signal });
    });
  });
  const spawnError = new Promise<Error>((done) => child.once('error', done));

  const deadline = Date.now() + startTimeoutMs;
  const failure = await Promise.race([
    spawnError,
    exited.then(({ code, signal }) => new Error(`exited during start (code ${code}, signal ${signal})`)),
    (async () => {
      while (Date.now() < deadline && !settled) {
        const pid = await redisProcessId(port);
        if (pid === child.pid) return undefined;
        if (pid !== undefined) return new Error(`port ${port} is already used by another redis-server (pid ${pid}); stop it or choose another port`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return new Error(`no answer within ${startTimeoutMs} ms`);
    })(),
  ]);
  settled = true;

  if (failure) {
    stopping = true;
    if (child.exitCode === null && child.pid !== undefined) child.kill('SIGKILL');
    process.removeListener('exit', killOnExit);
    if ((failure as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new StoreError('REDIS_SERVER_MISSING', `${binary} not found: install it: apt-get install redis-server, or run \`npm run setup\``, { cause: failure });
    }
    throw new StoreError(
      'REDIS_SERVER_FAILED',
      `redis-server on port ${port} with data in ${dir} failed to start: ${failure.message}\n  ${output.slice(-8).join('\n  ')}`,
      { cause: failure },
    );
  }
  ready = true;

  const stop = async (): Promise<void> => {
    stopping = true;
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const killTimer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(killTimer);
  };
  return { url: `redis://127.0.0.1:${port}`, port, exited, stop };
}

