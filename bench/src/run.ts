// Runs one benchmark by name and prints its Markdown section; with --write, also stores the section in
// docs/BENCHMARKS.md between its markers, headed by the command, the machine and the commit it ran on.
// Usage: npm run bench -- [NAME] [--write] [options]   (no NAME: list the benchmarks)
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { repoRoot } from '@argus/config';
import { describeMachine, formatMachine } from './machine.ts';

export class BenchError extends Error {
  constructor(
    readonly code: 'BENCH_UNKNOWN' | 'BENCH_NOT_WRITTEN' | 'BENCH_BAD_ARGUMENT' | 'BENCH_DOC_CORRUPT',
    message: string,
  ) {
    super(message);
    this.name = 'BenchError';
  }
}

type Log = (line: string) => void;
type BenchFunction = (options: Record<string, unknown>) => Promise<string>;

interface Benchmark {
  summary: string;
  /** File beside this one, loaded only when the benchmark runs (so one missing module breaks only itself). */
  file: string;
  /** The function the file must export: (options) => Promise<Markdown section>. */
  exportName: string;
  usage: string;
  /** Turns `--key=value` arguments into the function's options. */
  options: (flags: Map<string, string>) => Record<string, unknown>;
}

function wholeNumber(flags: Map<string, string>, key: string): number | undefined {
  const raw = flags.get(key);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new BenchError('BENCH_BAD_ARGUMENT', `--${key}=${raw}: expected a whole number`);
  return n;
}

function numberList(flags: Map<string, string>, key: string): number[] | undefined {
  const raw = flags.get(key);
  if (raw === undefined) return undefined;
  const list = raw.split(',').map(Number);
  if (list.length === 0 || list.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new BenchError('BENCH_BAD_ARGUMENT', `--${key}=${raw}: expected whole numbers separated by commas, e.g. --${key}=1,2`);
  }
  return list;
}

/** Accepts only `allowed` flags, so a typo is an error rather than a silently default run. */
function only(allowed: string[], usage: string) {
  return (flags: Map<string, string>): void => {
    const unknown = [...flags.keys()].filter((k) => !allowed.includes(k));
    if (unknown.length > 0) throw new BenchError('BENCH_BAD_ARGUMENT', `unknown option ${unknown.map((k) => `--${k}`).join(', ')}; usage: ${usage}`);
  };
}

const BENCHMARKS: Record<string, Benchmark> = {
  vision: {
    summary: 'ms per 640x360 frame (detection + landmarks, full pipeline) and per face (embedding), Argus vs @vladmandic/face-api',
    file: 'vision.bench.ts',
    exportName: 'runVisionBench',
    usage: 'npm run bench -- vision [--write] [--iterations=20] [--warmup=2] [--threads=1,2]',
    options(flags) {
      only(['iterations', 'warmup', 'threads'], this.usage)(flags);
      return { iterations: wholeNumber(flags, 'iterations'), warmup: wholeNumber(flags, 'warmup'), threads: numberList(flags, 'threads') };
    },
  },
  gallery: {
    summary: 'HNSW vs exact search: build time, memory, latency, recall@1 on synthetic 512-d galleries',
    file: 'gallery.bench.ts',
    exportName: 'runGalleryBench',
    usage: 'npm run bench -- gallery [--write]  (other sizes and index settings: npx tsx bench/src/gallery.bench.ts [sizes...] [--ef=...])',
    options(flags) {
      only([], this.usage)(flags);
      return {};
    },
  },
  pipeline: {
    summary: 'cameras per machine: N fake 1080p25 RTSP cameras analysed at 5 fps, frames lost, alert latency, CPU split',
    file: 'pipeline.bench.ts',
    exportName: 'runPipelineBench',
    usage: 'npm run bench -- pipeline [--write] [--cameras=1,2,4] [--seconds=45]  (no --cameras: 1, 2, 4, 6, 8, ... until one fails)',
    options(flags) {
      only(['cameras', 'seconds'], this.usage)(flags);
      return { cameras: numberList(flags, 'cameras'), seconds: wholeNumber(flags, 'seconds') };
    },
  },
  api: {
    summary: 'alerts/s the WebSocket gateway sustains to 100 clients (loss, latency, drops) vs raw Redis; enrolment photos/s vs the analyzer alone',
    file: 'api.bench.ts',
    exportName: 'runApiBench',
    usage: 'npm run bench -- api [--write] [--rates=100,500,1000] [--seconds=5] [--clients=100] [--rounds=3]',
    options(flags) {
      only(['rates', 'seconds', 'clients', 'rounds'], this.usage)(flags);
      return { rates: numberList(flags, 'rates'), seconds: wholeNumber(flags, 'seconds'), clients: wholeNumber(flags, 'clients'), rounds: wholeNumber(flags, 'rounds') };
    },
  },
  dashboard: {
    summary: 'live wall in Chromium: main-thread ms/s with 8 cameras and 10 alerts/s vs the idle page, tile refresh rate, alerts shown',
    file: 'dashboard.bench.ts',
    exportName: 'runDashboardBench',
    usage: 'npm run bench -- dashboard [--write] [--seconds=30] [--cameras=8] [--rate=10]',
    options(flags) {
      only(['seconds', 'cameras', 'rate'], this.usage)(flags);
      return { seconds: wholeNumber(flags, 'seconds'), cameras: wholeNumber(flags, 'cameras'), rate: wholeNumber(flags, 'rate') };
    },
  },
  search: {
    summary: 'historical search: sightings index (time partitions) vs one global HNSW + filter vs exact; build, memory, p50/p99, recall@10',
    file: 'search.bench.ts',
    exportName: 'runSearchBench',
    usage: 'npm run bench -- search [--write] [--n=1000000] [--compare=100000] [--queries=200] [--threads=2] [--snapshot=0]',
    options(flags) {
      only(['n', 'compare', 'queries', 'threads', 'snapshot'], this.usage)(flags);
      const snapshot = wholeNumber(flags, 'snapshot');
      return { n: wholeNumber(flags, 'n'), compare: wholeNumber(flags, 'compare'), queries: wholeNumber(flags, 'queries'), threads: wholeNumber(flags, 'threads'), snapshot: snapshot === undefined ? undefined : snapshot !== 0 };
    },
  },
};

const here = fileURLToPath(new URL('.', import.meta.url));
const moduleExists = (b: Benchmark) => existsSync(join(here, b.file));

async function loadBenchmark(name: string, b: Benchmark): Promise<BenchFunction> {
  if (!moduleExists(b)) {
    throw new BenchError(
      'BENCH_NOT_WRITTEN',
      `benchmark "${name}" is not written yet: bench/src/${b.file} does not exist (it must export ${b.exportName}(options) returning a Markdown section)`,
    );
  }
  const mod = (await import(pathToFileURL(join(here, b.file)).href)) as Record<string, unknown>;
  const fn = mod[b.exportName];
  if (typeof fn !== 'function') {
    throw new BenchError('BENCH_NOT_WRITTEN', `bench/src/${b.file} does not export ${b.exportName}(options); export it returning the Markdown section`);
  }
  return fn as BenchFunction;
}

export const DOC_PATH = join(repoRoot, 'docs', 'BENCHMARKS.md');

const startMarker = (name: string) => `<!-- bench:${name}:start -->`;
const endMarker = (name: string) => `<!-- bench:${name}:end -->`;

/** `doc` with the section `name` replaced by `section` (appended when the markers are absent); the rest untouched. */
export function replaceSection(doc: string, name: string, section: string): string {
  const start = startMarker(name);
  const end = endMarker(name);
  const block = `${start}\n${section.trim()}\n${end}`;
  const i = doc.indexOf(start);
  if (i === -1) return `${doc.trimEnd()}\n\n${block}\n`;
  const j = doc.indexOf(end, i + start.length);
  if (j === -1 || doc.indexOf(start, i + start.length) !== -1) {
    throw new BenchError('BENCH_DOC_CORRUPT', `docs/BENCHMARKS.md: "${start}" must appear once, followed by "${end}"; fix the markers by hand and run again`);
  }
  return doc.slice(0, i) + block + doc.slice(j + end.length);
}

/** Puts the run line (command, machine, commit, load) right under the section's heading. */
export function withRunLine(section: string, runLine: string): string {
  const lines = section.trim().split('\n');
  if (lines[0]?.startsWith('#')) return [lines[0], '', runLine, ...lines.slice(1)].join('\n');
  return [runLine, '', ...lines].join('\n');
}

function writeSection(name: string, section: string): void {
  const doc = existsSync(DOC_PATH) ? readFileSync(DOC_PATH, 'utf8') : '# Benchmarks\n';
  const tmp = `${DOC_PATH}.${process.pid}.tmp`;
  writeFileSync(tmp, replaceSection(doc, name, section));
  renameSync(tmp, DOC_PATH);
}

function listBenchmarks(): string {
  const rows = Object.entries(BENCHMARKS).map(
    ([name, b]) => `  ${name.padEnd(9)} ${moduleExists(b) ? '' : '(not written yet) '}${b.summary}\n  ${' '.repeat(9)} ${b.usage}`,
  );
  return `Benchmarks (results go to docs/BENCHMARKS.md with --write):\n${rows.join('\n')}\n`;
}

interface Parsed {
  name?: string;
  write: boolean;
  flags: Map<string, string>;
}

export function parseArgs(argv: readonly string[]): Parsed {
  const parsed: Parsed = { write: false, flags: new Map() };
  for (const arg of argv) {
    if (arg === '--write') parsed.write = true;
    else if (arg.startsWith('--')) {
      const [key, ...rest] = arg.slice(2).split('=');
      parsed.flags.set(key!, rest.join('='));
    } else if (parsed.name === undefined) parsed.name = arg;
    else throw new BenchError('BENCH_BAD_ARGUMENT', `one benchmark at a time: got "${parsed.name}" and "${arg}"`);
  }
  return parsed;
}

async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  if (args.name === undefined || args.flags.has('help')) {
    process.stdout.write(listBenchmarks());
    return;
  }
  const bench = BENCHMARKS[args.name];
  if (!bench) throw new BenchError('BENCH_UNKNOWN', `no benchmark named "${args.name}"; known: ${Object.keys(BENCHMARKS).join(', ')}`);
  const options = bench.options(args.flags);
  const run = await loadBenchmark(args.name, bench);
  const machine = describeMachine(repoRoot);
  const log: Log = (line) => process.stderr.write(`${line}\n`);
  log(`[bench] ${args.name} on ${formatMachine(machine)}`);
  const section = await run({ ...options, log });
  const loadEnd = os.loadavg()[0] ?? 0;
  const command = `npm run bench -- ${argv.join(' ')}`;
  const runLine = `Command: \`${command}\`. Machine: ${formatMachine(machine)}, at end ${loadEnd.toFixed(2)}.`;
  const full = withRunLine(section, runLine);
  process.stdout.write(`${full}\n`);
  if (args.write) {
    writeSection(args.name, full);
    log(`[bench] wrote the "${args.name}" section of ${DOC_PATH}`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    const e = err as Error & { code?: string };
    process.stderr.write(e.code ? `bench: ${e.message} [${e.code}]\n` : `bench: ${e.stack ?? String(err)}\n`);
    process.exitCode = 1;
  });
}
