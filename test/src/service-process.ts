// One Argus app (api, ingest, dashboard) run as production runs it: `node --import tsx <entry>`, its own
// process, configured only through the environment. Keeps the last lines of its output for failure messages.
import { spawn, type ChildProcess } from 'node:child_process';
import { repoRoot } from '@argus/config';

const OUTPUT_LINES_KEPT = 60;
const STOP_GRACE_MS = 15_000;

export interface ServiceProcess {
  readonly name: string;
  readonly pid: number;
  /** The last lines the process wrote (stdout and stderr). */
  output(): string;
  /** Resolves with the exit code/signal once the process is gone. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited(): boolean;
  /** SIGTERM (the apps shut down cleanly on it), SIGKILL after 15 s. Safe to call twice. */
  stop(): Promise<void>;
}

export interface ServiceOptions {
  /** Working directory, and what `entry` is relative to (default: the repository root). */
  cwd?: string;
}

export function startService(name: string, entry: string, env: NodeJS.ProcessEnv, options: ServiceOptions = {}): ServiceProcess {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', entry], { cwd: options.cwd ?? repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      lines.push(line);
      if (lines.length > OUTPUT_LINES_KEPT) lines.shift();
    }
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  // A test run that dies must not leave an api or ingest behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let gone = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => {
    child.once('exit', (code, signal) => {
      gone = true;
      process.removeListener('exit', killOnExit);
      done({ code, signal });
    });
    child.once('error', (err) => {
      lines.push(`spawn failed: ${err.message}`);
      gone = true;
      done({ code: null, signal: null });
    });
  });
  if (child.pid === undefined) throw new Error(`${name}: could not start ${process.execPath} --import tsx ${entry}`);
  const pid = child.pid;

  return {
    name,
    pid,
    exited,
    output: () => lines.join('\n'),
    hasExited: () => gone,
    async stop() {
      if (gone) return;
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const inTime = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), STOP_GRACE_MS)))]);
      clearTimeout(timer);
      if (!inTime) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}
