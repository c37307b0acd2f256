// Historical search benchmark: the sightings index (time-partitioned HNSW + exact scans) against one global HNSW
// index with a filter callback and against exact search, on synthetic sightings spread over 30 days and 16 cameras.
// Build time, memory, p50/p99 latency with and without a one-hour window, recall@10 against exact search.
// Run alone: npx tsx bench/src/search.bench.ts [--n=1000000] [--compare=100000] [--queries=200] [--snapshot=0]
import { readdirSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SIGHTING_INDEX_DEFAULTS, SightingIndex, SightingIndexWorker, type SightingHit, type SightingIndexOptions, type SightingQuery, type SightingRecord, type SightingSearchStrategy } from '@argus/gallery';
import { fmtCount, fmtDuration, gc, mib, ms, noisyCopy, percentile, Random, timeEventLoopBlock } from './vector-bench.ts';

const DIM = 512;
const DAYS = 30;
const CAMERAS = 16;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 9, 1);
const K = 10;
/** Mean sightings per identity (each sighting picks its identity uniformly, so counts are Poisson). */
const SIGHTINGS_PER_IDENTITY = 10;
/** Identities share a low-dimensional "population" subspace (face attributes) carrying this share of their energy. */
const LATENT_DIM = 64;
const LATENT_SHARE = 0.36;
/** Cosine of each sighting (and query) to its identity. */
const COS_MIN = 0.6;
const COS_MAX = 0.8;
/** A design whose search is slower than this per query is sampled with fewer queries. */
const SLOW_MS = 200;

export interface SearchBenchOptions {
  /** Sightings in the main (partitioned) run. */
  n?: number;
  /** Sightings in the design comparison (global index + filter callback vs partitioned); 0 skips it. */
  compare?: number;
  /** Queries per query set. */
  queries?: number;
  /** efSearch values swept on the unfiltered queries. */
  ef?: number[];
  /** Partition widths compared in the design comparison (the default is always included). */
  partitionHours?: number[];
  /** Worker threads (shards) of the main run. */
  threads?: number;
  /** Save and load a snapshot of the main index. */
  snapshot?: boolean;
  log?: (line: string) => void;
}

function normalise(v: Float32Array): Float32Array {
  let ss = 0;
  for (let i = 0; i < v.length; i++) ss += v[i]! * v[i]!;
  const inv = 1 / Math.sqrt(ss);
  for (let i = 0; i < v.length; i++) v[i]! *= inv;
  return v;
}

/**
 * n sightings of n/10 identities over 30 days and 16 cameras, in start order. An identity is a unit vector
 * sqrt(0.36) * (a random point of a fixed 64-d subspace) + sqrt(0.64) * (a random direction), so identities are
 * not isotropic (like real faces, which share structure); a sighting or a query is that identity at cosine 0.6-0.8.
 */
class SyntheticSightings {
  readonly n: number;
  readonly identityCount: number;
  readonly identities: Float32Array[];
  /** In start order: identity, start, duration, camera of sighting i. */
  readonly identity: Int32Array;
  readonly start: Float64Array;
  readonly camera: Uint8Array;
  readonly duration: Int32Array;
  /** CSR: sightings of identity p are byIdentity[offsets[p] .. offsets[p+1]). */
  readonly offsets: Int32Array;
  readonly byIdentity: Int32Array;
  readonly #seed: number;

  constructor(n: number, seed: number, latent = true) {
    this.n = n;
    this.#seed = seed;
    const rng = new Random(seed);
    this.identityCount = Math.max(1, Math.round(n / SIGHTINGS_PER_IDENTITY));
    const basis = Array.from({ length: LATENT_DIM }, () => normalise(rng.gaussian(new Float32Array(DIM))));
    const z = new Float32Array(LATENT_DIM);
    this.identities = Array.from({ length: this.identityCount }, () => {
      const own = normalise(rng.gaussian(new Float32Array(DIM)));
      if (!latent) return own;
      rng.gaussian(z);
      const shared = new Float32Array(DIM);
      for (let l = 0; l < LATENT_DIM; l++) {
        const b = basis[l]!;
        const zl = z[l]!;
        for (let i = 0; i < DIM; i++) shared[i]! += zl * b[i]!;
      }
      normalise(shared);
      const a = Math.sqrt(LATENT_SHARE);
      const c = Math.sqrt(1 - LATENT_SHARE);
      for (let i = 0; i < DIM; i++) own[i] = a * shared[i]! + c * own[i]!;
      return normalise(own);
    });
    const identity = new Int32Array(n);
    const start = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      identity[i] = rng.int(this.identityCount);
      start[i] = T0 + Math.floor(rng.next() * DAYS * DAY);
    }
    const order = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => start[a]! - start[b]!);
    this.identity = Int32Array.from(order, (i) => identity[i]!);
    this.start = Float64Array.from(order, (i) => start[i]!);
    this.camera = Uint8Array.from({ length: n }, () => rng.int(CAMERAS));
    this.duration = Int32Array.from({ length: n }, () => 1000 + rng.int(59_000));
    this.offsets = new Int32Array(this.identityCount + 1);
    for (let i = 0; i < n; i++) this.offsets[this.identity[i]! + 1]!++;
    for (let p = 0; p < this.identityCount; p++) this.offsets[p + 1]! += this.offsets[p]!;
    this.byIdentity = new Int32Array(n);
    const fill = this.offsets.slice(0, this.identityCount);
    for (let i = 0; i < n; i++) this.byIdentity[fill[this.identity[i]!]!++] = i;
  }

  /** A unit vector at cosine COS_MIN..COS_MAX to identity p. */
  face(p: number, rng: Random, scratch: Float32Array): Float32Array {
    const c = COS_MIN + (COS_MAX - COS_MIN) * rng.next();
    return noisyCopy(this.identities[p]!, c, rng.gaussian(scratch));
  }

  /** The sightings in start order (embeddings generated on the fly, the same every call). */
  *records(): Generator<SightingRecord> {
    const rng = new Random(this.#seed + 1);
    const scratch = new Float32Array(DIM);
    for (let i = 0; i < this.n; i++) {
      const p = this.identity[i]!;
      const start = this.start[i]!;
      yield {
        id: `${start}-${i}`,
        camera: `cam${this.camera[i]}`,
        start,
        end: start + this.duration[i]!,
        // One identity in 50 is on the watchlist.
        ...(p % 50 === 0 ? { personId: `p${p}` } : {}),
        embedding: this.face(p, rng, scratch),
      };
    }
  }

  identityOfHit(id: string): number {
    return this.identity[Number(id.slice(id.indexOf('-') + 1))]!;
  }
}

interface QuerySet {
  name: string;
  queries: SightingQuery[];
  /** Identity each query was drawn from. */
  identities: number[];
}

/** Held-out faces (never added) of identities with at least one sighting, with the filters of each query set. */
function makeQuerySets(data: SyntheticSightings, count: number, seed: number): QuerySet[] {
  const rng = new Random(seed);
  const scratch = new Float32Array(DIM);
  const pick = (): number => {
    for (;;) {
      const p = rng.int(data.identityCount);
      if (data.offsets[p + 1]! > data.offsets[p]!) return p;
    }
  };
  const anySighting = (p: number): number => data.byIdentity[data.offsets[p]! + rng.int(data.offsets[p + 1]! - data.offsets[p]!)]!;
  const sets: QuerySet[] = [];
  const make = (name: string, n: number, build: (p: number) => SightingQuery): void => {
    const identities = Array.from({ length: n }, pick);
    sets.push({ name, identities, queries: identities.map(build) });
  };
  make('30 days, all cameras', count, (p) => ({ embeddings: [data.face(p, rng, scratch)], limit: K }));
  make('one hour (around one of its sightings)', count, (p) => {
    const t = data.start[anySighting(p)]!;
    const from = t - Math.floor(rng.next() * HOUR);
    return { embeddings: [data.face(p, rng, scratch)], from, to: from + HOUR, limit: K };
  });
  make('one day, all cameras', count, (p) => {
    const t = data.start[anySighting(p)]!;
    const from = t - Math.floor(rng.next() * DAY);
    return { embeddings: [data.face(p, rng, scratch)], from, to: from + DAY, limit: K };
  });
  make('30 days, 4 of 16 cameras', count, (p) => ({ embeddings: [data.face(p, rng, scratch)], cameras: ['cam0', 'cam5', 'cam10', 'cam15'], limit: K }));
  make('30 days, 3 enrolled faces', Math.max(1, Math.floor(count / 4)), (p) => ({ embeddings: [0, 1, 2].map(() => data.face(p, rng, scratch)), limit: K }));
  return sets;
}

interface Timed {
  p50: number;
  p99: number;
  mean: number;
  hits: SightingHit[][];
}

type Searcher = (q: SightingQuery, strategy: SightingSearchStrategy) => SightingHit[] | Promise<SightingHit[]>;

const inProcess = (index: SightingIndex): Searcher => (q, strategy) => index.search(q, strategy);
const viaWorkers = (index: SightingIndexWorker): Searcher => (q, strategy) => index.search(q, strategy);

async function timeSearches(search: Searcher, queries: SightingQuery[], strategy: SightingSearchStrategy): Promise<Timed> {
  const times = new Float64Array(queries.length);
  const hits: SightingHit[][] = [];
  for (let i = 0; i < queries.length; i++) {
    const t0 = performance.now();
    hits.push(await search(queries[i]!, strategy));
    times[i] = performance.now() - t0;
  }
  const mean = times.reduce((a, b) => a + b, 0) / Math.max(1, times.length);
  times.sort();
  return { p50: percentile(times, 0.5), p99: percentile(times, 0.99), mean, hits };
}

/** recall@k of `got` against `truth`, averaged over queries. */
function recallAt(got: SightingHit[][], truth: SightingHit[][]): number {
  let sum = 0;
  truth.forEach((t, i) => {
    if (t.length === 0) {
      sum += 1;
      return;
    }
    const want = new Set(t.map((h) => h.id));
    sum += got[i]!.filter((h) => want.has(h.id)).length / t.length;
  });
  return sum / Math.max(1, truth.length);
}

interface Built {
  index: SightingIndex;
  buildS: number;
  addP50: number;
  addP99: number;
  rssDelta: number;
  heapDelta: number;
}

function buildIndex(data: SyntheticSightings, options: SightingIndexOptions, label: string, log: (l: string) => void): Built {
  gc();
  const rss0 = process.memoryUsage().rss;
  const heap0 = process.memoryUsage().heapUsed;
  const index = new SightingIndex(options);
  const tail = new Float64Array(Math.min(10_000, data.n));
  let i = 0;
  const t0 = performance.now();
  let lastReport = t0;
  for (const r of data.records()) {
    const a = performance.now();
    index.add(r);
    const b = performance.now();
    if (i >= data.n - tail.length) tail[i - (data.n - tail.length)] = b - a;
    i++;
    if (b - lastReport > 30_000) {
      lastReport = b;
      const rate = i / ((b - t0) / 1000);
      log(`[search] ${label}: ${i} sightings, ${rate.toFixed(0)}/s, eta ${fmtDuration((data.n - i) / rate)}`);
    }
  }
  const buildS = (performance.now() - t0) / 1000;
  gc();
  tail.sort();
  const built = { index, buildS, addP50: percentile(tail, 0.5), addP99: percentile(tail, 0.99), rssDelta: process.memoryUsage().rss - rss0, heapDelta: process.memoryUsage().heapUsed - heap0 };
  log(`[search] ${label}: built ${fmtCount(data.n)} in ${fmtDuration(buildS)} (${(data.n / buildS).toFixed(0)}/s), rss +${mib(built.rssDelta)}, heap +${mib(built.heapDelta)}`);
  return built;
}

async function buildWorkers(data: SyntheticSightings, threads: number, label: string, log: (l: string) => void): Promise<{ workers: SightingIndexWorker; buildS: number; rssDelta: number }> {
  gc();
  const rss0 = process.memoryUsage().rss;
  const workers = await SightingIndexWorker.start({ threads });
  const t0 = performance.now();
  let lastReport = t0;
  let i = 0;
  // Batches stream to the threads while this thread generates the next ones (at most 3 in flight).
  const inFlight: Promise<void>[] = [];
  let batch: SightingRecord[] = [];
  for (const r of data.records()) {
    batch.push(r);
    i++;
    if (batch.length === 1000 || i === data.n) {
      inFlight.push(workers.addMany(batch));
      batch = [];
      if (inFlight.length >= 3) await inFlight.shift();
      const now = performance.now();
      if (now - lastReport > 30_000) {
        lastReport = now;
        const rate = i / ((now - t0) / 1000);
        log(`[search] ${label}: ${i} sightings, ${rate.toFixed(0)}/s, eta ${fmtDuration((data.n - i) / rate)}`);
      }
    }
  }
  await Promise.all(inFlight);
  const buildS = (performance.now() - t0) / 1000;
  gc();
  const built = { workers, buildS, rssDelta: process.memoryUsage().rss - rss0 };
  log(`[search] ${label}: built ${fmtCount(data.n)} on ${threads} threads in ${fmtDuration(buildS)} (${(data.n / buildS).toFixed(0)}/s), rss +${mib(built.rssDelta)}`);
  return built;
}

interface Row {
  design: string;
  set: string;
  queries: number;
  p50: number;
  p99: number;
  recall: number;
  identityRecall: number;
  exactP50: number;
  exactP99: number;
  /** Share of queries whose top hit is a sighting of the query's identity (exact search). */
  identityTop1: number;
}

async function measureSets(design: string, search: Searcher, data: SyntheticSightings, sets: QuerySet[], truth: Map<string, Timed>, strategy: SightingSearchStrategy, log: (l: string) => void): Promise<Row[]> {
  const rows: Row[] = [];
  for (const set of sets) {
    const exact = truth.get(set.name)!;
    // Warm-up (JIT, caches), then one probe: a design that is very slow here gets fewer samples.
    await timeSearches(search, set.queries.slice(0, 5), strategy);
    const probe = await timeSearches(search, set.queries.slice(0, 5), strategy);
    const n = probe.mean > SLOW_MS ? Math.min(set.queries.length, 20) : set.queries.length;
    const timed = await timeSearches(search, set.queries.slice(0, n), strategy);
    const truthHits = exact.hits.slice(0, n);
    const recall = recallAt(timed.hits, truthHits);
    // Recall of the exact top 10's sightings of the query's own identity (the matches a user is looking for).
    const own = truthHits.map((hits, i) => hits.filter((h) => data.identityOfHit(h.id) === set.identities[i]));
    const identityRecall = recallAt(timed.hits, own);
    const identityTop1 = exact.hits.filter((h, i) => h[0] !== undefined && data.identityOfHit(h[0].id) === set.identities[i]).length / exact.hits.length;
    rows.push({ design, set: set.name, queries: n, p50: timed.p50, p99: timed.p99, recall, identityRecall, exactP50: exact.p50, exactP99: exact.p99, identityTop1 });
    log(`[search] ${design} / ${set.name}: p50 ${ms(timed.p50)} ms, p99 ${ms(timed.p99)} ms, recall@${K} ${recall.toFixed(4)}, own-identity recall ${identityRecall.toFixed(4)} (${n} queries; exact p50 ${ms(exact.p50)} ms)`);
  }
  return rows;
}

async function groundTruth(search: Searcher, sets: QuerySet[], log: (l: string) => void): Promise<Map<string, Timed>> {
  const truth = new Map<string, Timed>();
  for (const set of sets) {
    await timeSearches(search, set.queries.slice(0, 3), 'exact');
    const t = await timeSearches(search, set.queries, 'exact');
    truth.set(set.name, t);
    log(`[search] exact / ${set.name}: p50 ${ms(t.p50)} ms, p99 ${ms(t.p99)} ms`);
  }
  return truth;
}

async function workerOverhead(log: (l: string) => void) {
  const data = new SyntheticSightings(20_000, 99);
  const local = new SightingIndex();
  const worker = await SightingIndexWorker.start({ threads: 1 });
  try {
    const batch: SightingRecord[] = [];
    for (const r of data.records()) {
      local.add(r);
      batch.push(r);
      if (batch.length === 1000) await worker.addMany(batch.splice(0));
    }
    await worker.addMany(batch);
    const queries = makeQuerySets(data, 300, 7)[0]!.queries;
    const timeAsync = async (fn: (q: SightingQuery) => Promise<unknown>): Promise<Float64Array> => {
      for (const q of queries.slice(0, 20)) await fn(q);
      const times = new Float64Array(queries.length);
      for (let i = 0; i < queries.length; i++) {
        const t0 = performance.now();
        await fn(queries[i]!);
        times[i] = performance.now() - t0;
      }
      return times.sort();
    };
    const inProcess = await timeAsync(async (q) => local.search(q));
    const viaWorker = await timeAsync((q) => worker.search(q));
    const ping = await timeAsync(() => worker.size());
    const r = {
      n: data.n,
      localP50: percentile(inProcess, 0.5),
      localP99: percentile(inProcess, 0.99),
      workerP50: percentile(viaWorker, 0.5),
      workerP99: percentile(viaWorker, 0.99),
      pingP50: percentile(ping, 0.5),
      pingP99: percentile(ping, 0.99),
    };
    log(`[search] worker: in-process p50 ${ms(r.localP50)} ms, via worker p50 ${ms(r.workerP50)} ms, empty round trip p50 ${ms(r.pingP50)} ms`);
    return r;
  } finally {
    await worker.close();
  }
}

async function snapshotRoundTrip(index: SightingIndexWorker, sample: SightingQuery[], log: (l: string) => void) {
  const dir = await mkdtemp(join(os.tmpdir(), 'argus-search-bench-'));
  try {
    // The graph writes run on the workers: this event loop should stay free.
    const { seconds: saveS, blockMs: maxGapMs } = await timeEventLoopBlock(() => index.save(dir, '1732540000000-0'));
    const bytes = du(dir);
    const l0 = performance.now();
    const loaded = await SightingIndexWorker.load(dir);
    const loadS = (performance.now() - l0) / 1000;
    let identical = !!loaded;
    for (const q of sample) if (loaded && JSON.stringify(await loaded.index.search(q)) !== JSON.stringify(await index.search(q))) identical = false;
    await loaded?.index.close();
    log(`[search] snapshot: save ${fmtDuration(saveS)} (main event loop blocked up to ${ms(maxGapMs)} ms), ${mib(bytes)}, load ${fmtDuration(loadS)}, identical ${identical}`);
    return { saveS, blockMs: maxGapMs, bytes, loadS, identical };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function du(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.size;
  return readdirSync(path).reduce((sum, n) => sum + du(join(path, n)), 0);
}

export async function runSearchBench(opts: SearchBenchOptions = {}): Promise<string> {
  const o = {
    n: opts.n ?? 1_000_000,
    compare: opts.compare ?? 100_000,
    queries: opts.queries ?? 200,
    ef: opts.ef ?? [32, 64, 128],
    threads: opts.threads ?? 2,
    partitionHours: opts.partitionHours ?? [24, 168],
    snapshot: opts.snapshot ?? true,
    log: opts.log ?? ((line: string) => console.error(line)),
  };
  const { log } = o;
  const started = performance.now();
  const d = SIGHTING_INDEX_DEFAULTS;
  const lines: string[] = [];
  lines.push('## Historical search (sightings index)', '');
  lines.push(
    `Synthetic sightings: ${DAYS} days, ${CAMERAS} cameras, start times uniform, tracks 1-60 s long, added in start order. ` +
      `Identities: n/${SIGHTINGS_PER_IDENTITY} (each sighting picks one uniformly, so Poisson(${SIGHTINGS_PER_IDENTITY}) sightings each); an identity is a unit vector with ${Math.round(LATENT_SHARE * 100)}% of its energy in a shared random ${LATENT_DIM}-d subspace and the rest in a random direction ` +
      `(real faces share structure; the gallery benchmark's isotropic identities are the harder case). A sighting is its identity at cosine ${COS_MIN}-${COS_MAX}. ` +
      `Queries are held-out faces (never added) of identities with sightings, limit ${K}; a one-hour or one-day window is placed at random around one of that identity's sightings. ` +
      `recall@${K} = share of the exact top ${K} (same filters, strategy 'exact': a flat scan checked against brute force in the specs) that the design returns; ` +
      `own-identity recall = the same, counting only the exact top ${K}'s sightings of the query's own identity (the matches a user looks for; the rest are the nearest strangers). ` +
      `Index defaults: partitionHours=${d.partitionHours}, M=${d.m}, efConstruction=${d.efConstruction}, efSearch=${d.efSearch}, exactBelow=${d.exactBelow}.`,
    '',
  );
  const rowTable = (rows: Row[], withDesign: boolean): void => {
    lines.push(`| ${withDesign ? 'design | ' : ''}query set | queries | p50 | p99 | recall@${K} | own-identity recall | exact p50 / p99 (same run) |`, `|${withDesign ? '---|' : ''}---|---|---|---|---|---|---|`);
    for (const r of rows) {
      lines.push(`| ${withDesign ? `${r.design} | ` : ''}${r.set} | ${r.queries} | ${ms(r.p50)} ms | ${ms(r.p99)} ms | ${r.recall.toFixed(4)} | ${r.identityRecall.toFixed(4)} | ${ms(r.exactP50)} / ${ms(r.exactP99)} ms |`);
    }
    lines.push('');
  };

  // 1. Design comparison, in process on one thread, at a size where the global index builds in minutes.
  if (o.compare > 0) {
    log(`[search] design comparison at ${fmtCount(o.compare)} sightings`);
    const data = new SyntheticSightings(o.compare, 17);
    const sets = makeQuerySets(data, Math.min(o.queries, 100), 18);
    const builds: { design: string; buildS: number; rssDelta: number; partitions: number }[] = [];
    let truth: Map<string, Timed> | undefined;
    const rows: Row[] = [];
    const designs: { design: string; options: SightingIndexOptions; strategies: [string, SightingSearchStrategy][] }[] = [
      { design: `(b) partitions of ${d.partitionHours} h (default)`, options: {}, strategies: [['', 'auto']] },
      ...o.partitionHours.filter((h) => h !== d.partitionHours).map((h) => ({ design: `(b) partitions of ${h} h`, options: { partitionHours: h }, strategies: [['', 'auto']] as [string, SightingSearchStrategy][] })),
      // One partition for all time: with strategy 'hnsw' hnswlib's filter callback does all the filtering.
      {
        design: '(a) one global index',
        options: { partitionHours: 24 * 365 * 100 },
        strategies: [
          [', filter callback', 'hnsw'],
          [', exact scan below exactBelow', 'auto'],
        ],
      },
    ];
    for (const { design, options, strategies } of designs) {
      const built = buildIndex(data, options, `${design} ${fmtCount(o.compare)}`, log);
      truth ??= await groundTruth(inProcess(built.index), sets, log);
      for (const [suffix, strategy] of strategies) rows.push(...(await measureSets(design + suffix, inProcess(built.index), data, sets, truth, strategy, log)));
      builds.push({ design, buildS: built.buildS, rssDelta: built.rssDelta, partitions: built.index.stats().partitions });
      built.index.dropOlderThan(Number.MAX_SAFE_INTEGER);
      gc();
    }
    lines.push(`### Design comparison: ${fmtCount(o.compare)} sightings, in process, one thread`, '');
    lines.push(`Exact = the same index's \`search(q, 'exact')\`. Sets where a design takes over ${SLOW_MS} ms a query are sampled with 20 queries.`, '');
    lines.push('| design | build (one thread) | RSS delta | partitions |', '|---|---|---|---|');
    for (const b of builds) lines.push(`| ${b.design} | ${fmtDuration(b.buildS)} (${(o.compare / b.buildS).toFixed(0)}/s) | ${mib(b.rssDelta)} | ${b.partitions} |`);
    lines.push('');
    rowTable(rows, true);
  }

  // 2. The main run: the partitioned index at n, sharded over worker threads.
  log(`[search] main run at ${fmtCount(o.n)} sightings on ${o.threads} worker threads`);
  const g0 = performance.now();
  const data = new SyntheticSightings(o.n, 1);
  const sets = makeQuerySets(data, o.queries, 2);
  log(`[search] generated ${fmtCount(o.n)} sightings' metadata and ${data.identityCount} identities in ${fmtDuration((performance.now() - g0) / 1000)}`);
  const built = await buildWorkers(data, o.threads, `partitioned ${fmtCount(o.n)}`, log);
  const index = built.workers;
  const stats = await index.stats();
  const search = viaWorkers(index);
  const truth = await groundTruth(search, sets, log);
  const mainRows = await measureSets('default', search, data, sets, truth, 'auto', log);
  const sweep: Row[] = [];
  for (const ef of o.ef.filter((e) => e !== d.efSearch)) {
    await index.setEfSearch(ef);
    for (const r of await measureSets(`efSearch ${ef}`, search, data, [sets[0]!, sets[2]!], truth, 'auto', log)) sweep.push({ ...r, design: String(ef) });
  }
  await index.setEfSearch(d.efSearch);
  const snap = o.snapshot ? await snapshotRoundTrip(index, sets.flatMap((s) => s.queries.slice(0, 5)), log) : undefined;
  await index.close();
  gc();
  const worker = await workerOverhead(log);

  lines.push(`### ${fmtCount(o.n)} sightings, partitioned, ${o.threads} worker threads (\`SightingIndexWorker\`, sharded by id)`, '');
  lines.push(
    `Build = \`addMany\` batches of 1000 in start order while this thread generates them. Search = \`await workers.search(q)\`: every shard searches its half at once, the hits merge; ` +
      `the times include the thread round trip. Exact = the same workers' \`search(q, 'exact')\`.`,
    '',
  );
  lines.push('| sightings | identities | partitions (all shards) | build | RSS delta (process) | hnsw bytes (est.) | flat + columns bytes |', '|---|---|---|---|---|---|---|');
  lines.push(
    `| ${fmtCount(o.n)} | ${data.identityCount} | ${stats.partitions} | ${fmtDuration(built.buildS)} (${(o.n / built.buildS).toFixed(0)}/s on ${o.threads} threads) | ${mib(built.rssDelta)} | ${mib(stats.hnswBytes)} | ${mib(stats.flatBytes)} |`,
    '',
  );
  rowTable(mainRows, false);
  if (sweep.length > 0) {
    lines.push(`efSearch sweep (default ${d.efSearch}, above):`, '', `| efSearch | query set | p50 | p99 | recall@${K} | own-identity recall |`, '|---|---|---|---|---|---|');
    for (const r of sweep) lines.push(`| ${r.design} | ${r.set} | ${ms(r.p50)} ms | ${ms(r.p99)} ms | ${r.recall.toFixed(4)} | ${r.identityRecall.toFixed(4)} |`);
    lines.push('');
  }
  if (snap) {
    lines.push('| snapshot save (all shards) | main event loop blocked | files | load | search identical after load |', '|---|---|---|---|---|');
    lines.push(`| ${fmtDuration(snap.saveS)} | ${ms(snap.blockMs)} ms | ${mib(snap.bytes)} | ${fmtDuration(snap.loadS)} | ${snap.identical ? 'yes' : 'NO'} |`, '');
  }
  lines.push(
    `Worker round trip (${fmtCount(worker.n)} sightings, unfiltered queries, one thread): in-process \`SightingIndex.search\` p50 / p99 ${ms(worker.localP50)} / ${ms(worker.localP99)} ms, ` +
      `the same through \`SightingIndexWorker\` ${ms(worker.workerP50)} / ${ms(worker.workerP99)} ms; an empty round trip (\`size()\`) ${ms(worker.pingP50)} / ${ms(worker.pingP99)} ms.`,
    '',
    `Whole run: ${fmtDuration((performance.now() - started) / 1000)}.`,
    '',
  );
  return lines.join('\n');
}

function parseArgs(argv: string[]): SearchBenchOptions {
  const o: SearchBenchOptions = {};
  for (const arg of argv) {
    const [key, value = ''] = arg.replace(/^--/, '').split('=');
    const nums = value.split(',').filter(Boolean).map(Number);
    if (key === 'n') o.n = nums[0];
    else if (key === 'compare') o.compare = nums[0] ?? 0;
    else if (key === 'queries') o.queries = nums[0];
    else if (key === 'ef') o.ef = nums;
    else if (key === 'snapshot') o.snapshot = value !== '0';
    else if (key === 'threads') o.threads = nums[0];
    else if (key === 'hours') o.partitionHours = nums;
    else throw new Error(`search.bench: unknown argument ${arg}; usage: search.bench.ts [--n=N] [--compare=N] [--queries=N] [--ef=a,b] [--snapshot=0]`);
  }
  return o;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  runSearchBench(parseArgs(process.argv.slice(2)))
    .then((md) => console.log(md))
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
}
