// SightingIndex on worker threads: the same calls, answered by Promise, so a search over a million sightings (tens of
// ms of synchronous hnswlib work) never blocks the caller's event loop. With threads > 1 the sightings are sharded by
// id hash across threads, so inserts and searches run on several cores. Calls apply in the order made.
import { readdir, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { SightingHit, SightingIndexOptions, SightingIndexStats, SightingQuery, SightingRecord, SightingSearchStrategy } from './sighting-index.ts';
import { SightingIndexError, type SightingIndexErrorCode } from './sighting-index.errors.ts';

export type WorkerRequest = { seq: number } & (
  | { op: 'create'; options: SightingIndexOptions }
  | { op: 'load'; dir: string; options: SightingIndexOptions }
  | { op: 'add'; records: SightingRecord[] }
  | { op: 'remove'; ids: readonly string[] }
  | { op: 'unlinkPerson'; personId: string }
  | { op: 'idsOfPerson'; personId: string }
  | { op: 'dropOlderThan'; ms: number }
  | { op: 'size' }
  | { op: 'stats' }
  | { op: 'setEfSearch'; efSearch: number }
  | { op: 'search'; query: SightingQuery; strategy: SightingSearchStrategy }
  | { op: 'save'; dir: string; lastId: string }
);

type RequestBody = WorkerRequest extends infer R ? (R extends { seq: number } ? Omit<R, 'seq'> : never) : never;

export type WorkerReply = { seq: number } & ({ ok: true; result: unknown } | { ok: false; error: { name: string; message: string; code?: string } });

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

const ENTRY = new URL('./sighting-index.worker.ts', import.meta.url);

/**
 * Source files are TypeScript run through tsx: the thread registers tsx's loader before importing its entry, so it
 * works the same under `node --import tsx`, `tsx` and vitest.
 */
function spawn(): Worker {
  if (!ENTRY.pathname.endsWith('.ts')) return new Worker(ENTRY);
  // The ESM build of tsx's register API (its CommonJS build fails to find its own hooks from an eval'd thread).
  const require = createRequire(import.meta.url);
  const pkgPath = require.resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { exports: Record<string, { import?: { default?: string } }> };
  const api = pkg.exports['./esm/api']?.import?.default;
  if (!api) throw new SightingIndexError('SIGHTING_WORKER_FAILED', `tsx at ${pkgPath} has no ./esm/api export; install tsx ^4.20 (npm install)`);
  const bootstrap = `const { workerData } = require('node:worker_threads');
import(workerData.api).then((tsx) => { tsx.register(); return import(workerData.entry); }).catch((err) => { setImmediate(() => { throw err; }); });`;
  return new Worker(bootstrap, { eval: true, workerData: { api: pathToFileURL(join(dirname(pkgPath), api)).href, entry: ENTRY.href }, execArgv: [], env: process.env });
}

/** One worker thread holding one SightingIndex. */
class Shard {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #seq = 0;
  #failure: SightingIndexError | undefined;
  #closed = false;

  constructor() {
    this.#worker = spawn();
    this.#worker.on('message', (reply: WorkerReply) => this.#settle(reply));
    this.#worker.on('error', (err) => this.#fail(`a sightings worker thread failed: ${err.message}`, err));
    this.#worker.on('exit', (code) => {
      if (!this.#closed) this.#fail(`a sightings worker thread exited with code ${code}`);
    });
  }

  call(body: RequestBody): Promise<unknown> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (this.#closed) return Promise.reject(new SightingIndexError('SIGHTING_WORKER_FAILED', 'the sightings worker is closed; start a new one'));
    const seq = this.#seq++;
    return new Promise((resolve, reject) => {
      this.#pending.set(seq, { resolve, reject });
      try {
        this.#worker.postMessage({ ...body, seq });
      } catch (err) {
        this.#pending.delete(seq);
        reject(new SightingIndexError('SIGHTING_INVALID_ARGUMENT', `sightings worker: the call cannot be sent to the thread (${(err as Error).message})`, { cause: err }));
      }
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#rejectAll(new SightingIndexError('SIGHTING_WORKER_FAILED', 'the sightings worker was closed before it answered'));
    await this.#worker.terminate();
  }

  #settle(reply: WorkerReply): void {
    const pending = this.#pending.get(reply.seq);
    if (!pending) return;
    this.#pending.delete(reply.seq);
    if (reply.ok) pending.resolve(reply.result);
    else {
      const { code, message, name } = reply.error;
      if (code?.startsWith('SIGHTING_')) pending.reject(new SightingIndexError(code as SightingIndexErrorCode, message));
      else pending.reject(Object.assign(new Error(message), { name }));
    }
  }

  #fail(message: string, cause?: unknown): void {
    this.#failure ??= new SightingIndexError('SIGHTING_WORKER_FAILED', `${message}; start a new SightingIndexWorker (load the last snapshot)`, cause === undefined ? undefined : { cause });
    this.#rejectAll(this.#failure);
  }

  #rejectAll(err: Error): void {
    for (const p of this.#pending.values()) p.reject(err);
    this.#pending.clear();
  }
}

export interface SightingIndexWorkerOptions extends SightingIndexOptions {
  /** Worker threads (shards); default min(2, available cores). A loaded snapshot keeps the count it was saved with. */
  threads?: number;
}

const SHARD_DIR = /^shard-(\d+)$/;

/** FNV-1a over the id's UTF-16 units: a stable shard for an id, whatever its start time. */
function shardOf(id: string, shards: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % shards;
}

/** "ms-seq" stream ids compared as numbers. */
function compareStreamIds(a: string, b: string): number {
  const [am = 0n, as = 0n] = a.split('-').map((x) => BigInt(x));
  const [bm = 0n, bs = 0n] = b.split('-').map((x) => BigInt(x));
  return am !== bm ? (am < bm ? -1 : 1) : as === bs ? 0 : as < bs ? -1 : 1;
}

/**
 * The SightingIndex API on worker threads. Each sighting lives in the shard its id hashes to; searches ask every
 * shard in parallel and merge their top hits, so results equal one index's (exactly so for the exact strategy).
 */
export class SightingIndexWorker {
  readonly #shards: Shard[];

  private constructor(threads: number) {
    this.#shards = Array.from({ length: threads }, () => new Shard());
  }

  /** Worker threads holding a new, empty index. */
  static async start(options: SightingIndexWorkerOptions = {}): Promise<SightingIndexWorker> {
    const { threads, ...indexOptions } = options;
    const w = new SightingIndexWorker(checkThreads(threads));
    await w.#all((s) => s.call({ op: 'create', options: indexOptions })).catch(async (err: unknown) => {
      await w.close();
      throw err;
    });
    return w;
  }

  /**
   * Worker threads holding the index saved under `dir` by save(); null, with no thread left running, when `dir` holds
   * none. lastId is the lowest of the shards' (a crash between shard saves can leave them apart; replaying the stream
   * from the lowest is harmless, since adds replace by id and removes of unknown ids are ignored).
   */
  static async load(dir: string, options: SightingIndexWorkerOptions = {}): Promise<{ index: SightingIndexWorker; lastId: string } | null> {
    const { threads, ...indexOptions } = options;
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return null;
      throw new SightingIndexError('SIGHTING_SNAPSHOT_CORRUPT', `sightings snapshot in ${dir} cannot be listed (${(err as Error).message})`, { cause: err });
    }
    const shardNumbers = names.flatMap((n) => SHARD_DIR.exec(n)?.[1] ?? []).map(Number).sort((a, b) => a - b);
    if (shardNumbers.length === 0) return null;
    if (shardNumbers.some((n, i) => n !== i)) {
      throw new SightingIndexError('SIGHTING_SNAPSHOT_CORRUPT', `sightings snapshot in ${dir} has shard directories ${shardNumbers.join(', ')}, expected 0..${shardNumbers.length - 1}; delete the directory and rebuild from Redis`);
    }
    if (threads !== undefined && checkThreads(threads) !== shardNumbers.length) {
      throw new SightingIndexError('SIGHTING_SNAPSHOT_MISMATCH', `sightings snapshot in ${dir} was saved by ${shardNumbers.length} threads, but ${threads} were asked for; leave threads unset to take the saved count, or delete the directory to rebuild`);
    }
    const w = new SightingIndexWorker(shardNumbers.length);
    let lastIds: unknown[];
    try {
      lastIds = await w.#all((s, i) => s.call({ op: 'load', dir: join(dir, `shard-${i}`), options: indexOptions }));
    } catch (err) {
      await w.close();
      throw err;
    }
    if (lastIds.some((id) => id === null)) {
      await w.close();
      throw new SightingIndexError('SIGHTING_SNAPSHOT_CORRUPT', `sightings snapshot in ${dir}: a shard directory holds no snapshot; delete the directory and rebuild from Redis`);
    }
    const lastId = (lastIds as string[]).sort(compareStreamIds)[0]!;
    return { index: w, lastId };
  }

  get threads(): number {
    return this.#shards.length;
  }

  /** The embedding is copied to the worker (structured clone, ~2 KB). */
  add(record: SightingRecord): Promise<void> {
    return this.addMany([record]);
  }

  /** Several sightings in one message per shard (a backlog replay): far fewer thread hops than one add each. */
  async addMany(records: readonly SightingRecord[]): Promise<void> {
    const groups = this.#shards.map((): SightingRecord[] => []);
    for (const r of records) groups[this.#shardOfRecord(r)]!.push(r);
    await Promise.all(groups.map((g, i) => (g.length > 0 ? this.#shards[i]!.call({ op: 'add', records: g }) : undefined)));
  }

  async remove(ids: readonly string[]): Promise<number> {
    if (!Array.isArray(ids)) throw new SightingIndexError('SIGHTING_INVALID_ARGUMENT', 'remove: expected an array of sighting ids');
    const groups = this.#shards.map((): string[] => []);
    for (const id of ids) if (typeof id === 'string') groups[shardOf(id, this.#shards.length)]!.push(id);
    const counts = await Promise.all(groups.map((g, i) => (g.length > 0 ? this.#shards[i]!.call({ op: 'remove', ids: g }) : 0)));
    return sum(counts);
  }

  async unlinkPerson(personId: string): Promise<number> {
    return sum(await this.#all((s) => s.call({ op: 'unlinkPerson', personId })));
  }

  async idsOfPerson(personId: string): Promise<string[]> {
    return (await this.#all((s) => s.call({ op: 'idsOfPerson', personId }))).flat() as string[];
  }

  async dropOlderThan(ms: number): Promise<number> {
    return sum(await this.#all((s) => s.call({ op: 'dropOlderThan', ms })));
  }

  async size(): Promise<number> {
    return sum(await this.#all((s) => s.call({ op: 'size' })));
  }

  /** Summed over shards (partitions and persons count once per shard that holds them; cameras is the largest shard count). */
  async stats(): Promise<SightingIndexStats> {
    const all = (await this.#all((s) => s.call({ op: 'stats' }))) as SightingIndexStats[];
    return {
      sightings: sum(all.map((x) => x.sightings)),
      partitions: sum(all.map((x) => x.partitions)),
      persons: sum(all.map((x) => x.persons)),
      cameras: Math.max(...all.map((x) => x.cameras)),
      hnswBytes: sum(all.map((x) => x.hnswBytes)),
      flatBytes: sum(all.map((x) => x.flatBytes)),
    };
  }

  async setEfSearch(efSearch: number): Promise<void> {
    await this.#all((s) => s.call({ op: 'setEfSearch', efSearch }));
  }

  /** Every shard searches at once; their hits merge best first (ties by id), cut to the limit. */
  async search(query: SightingQuery, strategy: SightingSearchStrategy = 'auto'): Promise<SightingHit[]> {
    const parts = (await this.#all((s) => s.call({ op: 'search', query, strategy }))) as SightingHit[][];
    if (parts.length === 1) return parts[0]!;
    return parts
      .flat()
      .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .slice(0, query.limit);
  }

  /**
   * Each shard saves to dir/shard-<i> on its own thread (see SightingIndex.save: its synchronous graph write blocks
   * only that thread). Load with SightingIndexWorker.load(dir).
   */
  async save(dir: string, lastId: string): Promise<void> {
    await this.#all((s, i) => s.call({ op: 'save', dir: join(dir, `shard-${i}`), lastId }));
    // Shards of an earlier save with more threads would make the next load refuse the directory.
    const names = await readdir(dir);
    const stale = names.filter((n) => Number(SHARD_DIR.exec(n)?.[1] ?? -1) >= this.#shards.length);
    await Promise.all(stale.map((n) => rm(join(dir, n), { recursive: true, force: true })));
  }

  /** Stops the threads; calls still pending are rejected. */
  async close(): Promise<void> {
    await Promise.all(this.#shards.map((s) => s.close()));
  }

  #shardOfRecord(r: SightingRecord): number {
    const id = (r as Partial<SightingRecord> | null)?.id;
    if (typeof id !== 'string' || id.length === 0) {
      throw new SightingIndexError('SIGHTING_INVALID_ARGUMENT', `sighting id must be a non-empty string, got ${JSON.stringify(id)}`);
    }
    return shardOf(id, this.#shards.length);
  }

  /** Runs `fn` on every shard at once; the first failure wins. */
  #all<T>(fn: (shard: Shard, i: number) => Promise<T>): Promise<T[]> {
    return Promise.all(this.#shards.map(fn));
  }
}

function checkThreads(threads: number | undefined): number {
  const n = threads ?? Math.max(1, Math.min(2, os.availableParallelism()));
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new SightingIndexError('SIGHTING_INVALID_OPTIONS', `threads must be an integer from 1 to 64, got ${String(threads)}`);
  return n;
}

function sum(values: unknown[]): number {
  return values.reduce((a: number, b) => a + (b as number), 0);
}
