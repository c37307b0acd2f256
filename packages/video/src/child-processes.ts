// Keeps the promise "no ffmpeg left behind": every child this package starts is registered, is killed
// if this Node process exits while it still runs, and can be awaited until it is really gone.
import { execFileSync, type ChildProcess } from 'node:child_process';

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function killAllOnExit(): void {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}

export function hasExited(child: ChildProcess): boolean {
  return child.pid === undefined || child.exitCode !== null || child.signalCode !== null;
}

/** Registers a child until it exits; returns a promise that resolves once it has exited. */
export function trackChild(child: ChildProcess): Promise<void> {
  if (!exitHookInstalled) {
    process.once('exit', killAllOnExit);
    exitHookInstalled = true;
  }
  if (hasExited(child)) return Promise.resolve();
  live.add(child);
  return new Promise<void>((resolve) => {
    const done = (): void => {
      live.delete(child);
      resolve();
    };
    child.once('exit', done);
    // A child that failed to spawn emits 'error' and never 'exit'.
    child.once('error', () => {
      if (hasExited(child)) done();
    });
  });
}

/** Sends SIGINT (or another signal), then SIGKILL after graceMs if the child is still there. */
export async function terminateChild(child: ChildProcess, graceMs: number, signal: NodeJS.Signals = 'SIGINT'): Promise<void> {
  if (hasExited(child)) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  let timer: NodeJS.Timeout | undefined;
  const killed = await Promise.race([gone.then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), graceMs)))]);
  clearTimeout(timer);
  if (!killed && !hasExited(child)) {
    child.kill('SIGKILL');
    await gone;
  }
}

/** The processes whose parent is ppid (default: this process), from `ps`; tests use it to prove nothing leaked. */
export function childProcesses(ppid: number = process.pid): Array<{ pid: number; command: string }> {
  let out: string;
  try {
    out = execFileSync('ps', ['--ppid', String(ppid), '-o', 'pid=,args='], { encoding: 'utf8' });
  } catch (err) {
    // ps exits 1 when there is no such process.
    if ((err as { status?: number }).status === 1) return [];
    throw err;
  }
  return out
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), command: m[2]! }))
    .filter((p) => !p.command.startsWith('ps --ppid'));
}
