// What a benchmark ran on: CPU, cores, memory, OS, Node, date, git commit and load, so every recorded figure
// can be told apart from one taken elsewhere or on a busy machine.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface MachineInfo {
  cpuModel: string;
  /** Logical CPUs this process may use. */
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  /** ISO 8601, UTC. */
  date: string;
  /** Short commit hash, with " + uncommitted changes" when the tree differs from it; "unknown" outside git. */
  commit: string;
  /** 1-minute load average when the description was taken: above the core count means others were competing for the CPU. */
  load1: number;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function cpuModel(): string {
  const fromProc = readText('/proc/cpuinfo')?.match(/^model name\s*:\s*(.+)$/m)?.[1]?.trim();
  return fromProc ?? os.cpus()[0]?.model.trim() ?? 'unknown CPU';
}

function osName(): string {
  const pretty = readText('/etc/os-release')?.match(/^PRETTY_NAME="?([^"\n]+)"?$/m)?.[1];
  return `${pretty ?? os.type()} (${os.arch()})`;
}

function git(args: string[], cwd: string): string | undefined {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

function commit(cwd: string): string {
  const head = git(['rev-parse', '--short', 'HEAD'], cwd);
  if (!head) return 'unknown';
  const dirty = git(['status', '--porcelain', '--untracked-files=no'], cwd);
  return dirty ? `${head} + uncommitted changes` : head;
}

export function describeMachine(repoRoot: string): MachineInfo {
  return {
    cpuModel: cpuModel(),
    cores: os.availableParallelism(),
    memoryGiB: os.totalmem() / 2 ** 30,
    os: osName(),
    node: process.version,
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    commit: commit(repoRoot),
    load1: os.loadavg()[0] ?? 0,
  };
}

/** One Markdown line: `AMD EPYC, 2 cores, 23.4 GiB, Debian GNU/Linux 12 (x64), Node v20.19.5; commit abc1234; 2026-11-25T16:20:00Z; load 1.20`. */
export function formatMachine(m: MachineInfo): string {
  return (
    `${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB.toFixed(1)} GiB, ${m.os}, Node ${m.node}; ` +
    `commit ${m.commit}; ${m.date}; 1-min load average at start ${m.load1.toFixed(2)}`
  );
}
