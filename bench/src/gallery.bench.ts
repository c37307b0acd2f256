// Gallery benchmark: build time, memory, search latency and recall@1 of HNSW against exact brute force on
// synthetic 512-d face galleries, plus the exact/HNSW crossover that sets GALLERY_DEFAULTS.exactBelow.
// Run alone: npx tsx bench/src/gallery.bench.ts [sizes...] [--m=16] [--efc=64] [--ef=32,64,128,256] [--queries=1000]
import { readdirSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { GALLERY_DEFAULTS, Gallery, type SearchStrategy } from '@argus/gallery';
import { fmtCount, fmtDuration, gc, mib, ms, noisyCopy, percentile, Random, timeEventLoopBlock } from './vector-bench.ts';

const DIM = 512;
/** Cosine of each face (and query) to its identity: the spread of real face photos. */
const COS_MIN = 0.6;
const COS_MAX = 0.75;
const K = 10;

export interface GalleryBenchOptions {
  sizes?: number[];
  m?: number;
  efConstruction?: number;
  /** efSearch values to measure on each built index; the gallery default is marked. */
  efSearch?: number[];
  /** Queries per size (each also answered by exact search for the ground truth). */
  queries?: number;
  /** Sizes for the exact-vs-HNSW crossover table ([] to skip). */
  crossoverSizes?: number[];
  /** Save and load a snapshot of each gallery (disk: about 4.3 KB per face). */
  snapshot?: boolean;
  log?: (line: string) => void;
}

/** A unit vector at cosine uniform in [COS_MIN, COS_MAX] to `identity` (itself a unit vector). */
function noisyFace(rng: Random, identity: Float32Array, scratch: Float32Array): Float32Array {
  const c = COS_MIN + (COS_MAX - COS_MIN) * rng.next();
  return noisyCopy(identity, c, rng.unitVector(scratch));
}

interface Dataset {
  identities: Float32Array[];
  /** Enrolled faces, generated lazily so 1M faces never sit in memory twice. */
  faces(): Generator<{ faceId: string; personId: string; embedding: Float32Array }>;
  queries: { identity: number; embedding: Float32Array }[];
}

function makeDataset(size: number, queryCount: number, seed: number): Dataset {
  const rng = new Random(seed);
  const counts: number[] = [];
  for (let total = 0; total < size; ) {
    const n = Math.min(3 + Math.floor(rng.next() * 5), size - total); // 3..7 faces, mean 5
    counts.push(n);
    total += n;
  }
  const identities = counts.map(() => rng.unitVector(new Float32Array(DIM)));
  const faceRng = new Random(seed + 1);
  const scratch = new Float32Array(DIM);
  const queryRng = new Random(seed + 2);
  const queries = Array.from({ length: queryCount }, () => {
    const identity = Math.floor(queryRng.next() * identities.length);
    return { identity, embedding: noisyFace(queryRng, identities[identity]!, scratch) };
  });
  return {
    identities,
    queries,
    *faces() {
      for (let p = 0; p < counts.length; p++) {
        for (let f = 0; f < counts[p]!; f++) yield { faceId: `f${p}-${f}`, personId: `p${p}`, embedding: noisyFace(faceRng, identities[p]!, scratch) };
      }
    },
  };
}

const sortNums = (xs: number[]): Float64Array => Float64Array.from(xs).sort();

function timeSearches(gallery: Gallery, queries: Float32Array[], strategy: SearchStrategy) {
  const times: number[] = [];
  const top: (string | undefined)[] = [];
  const topPerson: (string | undefined)[] = [];
  for (const q of queries) {
    const t0 = performance.now();
    const persons = gallery.search(q, { k: K, strategy });
    times.push(performance.now() - t0);
    topPerson.push(persons[0]?.personId);
    top.push(persons[0]?.faceId);
  }
  const sorted = sortNums(times);
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), mean: times.reduce((a, b) => a + b, 0) / times.length, top, topPerson };
}

interface SizeResult {
  size: number;
  persons: number;
  buildS: number;
  addP50: number;
  addP99: number;
  rssDelta: number;
  hnswBytes: number;
  flatBytes: number;
  exactP50: number;
  exactP99: number;
  exactAccuracy: number;
  sweep: { ef: number; p50: number; p99: number; recall1: number; personRecall1: number }[];
  removeP50: number;
  snapshot?: { saveS: number; blockMs: number; loadS: number; indexBytes: number; identical: boolean };
}

async function benchSize(size: number, o: Required<Omit<GalleryBenchOptions, 'sizes' | 'crossoverSizes'>>): Promise<SizeResult> {
  const log = o.log;
  gc();
  const rss0 = process.memoryUsage().rss;
  const data = makeDataset(size, o.queries, size);
  const queries = data.queries.map((q) => q.embedding);
  const gallery = new Gallery({ m: o.m, efConstruction: o.efConstruction, efSearch: o.efSearch[0], exactBelow: 0, initialCapacity: size });

  log(`[gallery ${fmtCount(size)}] building (M=${o.m}, efConstruction=${o.efConstruction}) ...`);
  const addTimes = new Float64Array(size);
  const t0 = performance.now();
  let i = 0;
  let lastReport = t0;
  for (const face of data.faces()) {
    const a = performance.now();
    gallery.add(face.faceId, face.personId, face.embedding);
    const b = performance.now();
    addTimes[i++] = b - a;
    if (b - lastReport > 30_000) {
      lastReport = b;
      const rate = i / ((b - t0) / 1000);
      log(`[gallery ${fmtCount(size)}]   ${i} faces, ${rate.toFixed(0)} adds/s, eta ${fmtDuration((size - i) / rate)}`);
    }
  }
  const buildS = (performance.now() - t0) / 1000;
  // Per-add cost near the end of the build, where the graph is largest.
  const tail = Float64Array.from(addTimes.subarray(Math.max(0, size - 10_000))).sort();
  gc();
  const rssDelta = process.memoryUsage().rss - rss0;
  const stats = gallery.stats();
  log(`[gallery ${fmtCount(size)}] built in ${fmtDuration(buildS)} (${(size / buildS).toFixed(0)} adds/s); rss +${mib(rssDelta)}`);

  // Warm both paths so JIT and caches are not part of the first samples.
  for (const q of queries.slice(0, 20)) {
    gallery.search(q, { k: K, strategy: 'hnsw' });
    gallery.search(q, { k: K, strategy: 'exact' });
  }
  log(`[gallery ${fmtCount(size)}] exact search for ground truth (${queries.length} queries) ...`);
  const exact = timeSearches(gallery, queries, 'exact');
  const exactAccuracy = data.queries.filter((q, j) => exact.topPerson[j] === `p${q.identity}`).length / queries.length;
  log(`[gallery ${fmtCount(size)}] exact p50 ${ms(exact.p50)} ms, p99 ${ms(exact.p99)} ms; true identity top-1 ${(exactAccuracy * 100).toFixed(1)}%`);

  const sweep: SizeResult['sweep'] = [];
  for (const ef of o.efSearch) {
    gallery.setEfSearch(ef);
    timeSearches(gallery, queries.slice(0, 50), 'hnsw');
    const h = timeSearches(gallery, queries, 'hnsw');
    const recall1 = h.top.filter((f, j) => f === exact.top[j]).length / queries.length;
    const personRecall1 = h.topPerson.filter((p, j) => p === exact.topPerson[j]).length / queries.length;
    sweep.push({ ef, p50: h.p50, p99: h.p99, recall1, personRecall1 });
    log(`[gallery ${fmtCount(size)}] efSearch=${ef}: p50 ${ms(h.p50)} ms, p99 ${ms(h.p99)} ms, recall@1 ${recall1.toFixed(4)}`);
  }
  gallery.setEfSearch(o.efSearch.includes(GALLERY_DEFAULTS.efSearch) ? GALLERY_DEFAULTS.efSearch : o.efSearch[0]!);

  let snapshot: SizeResult['snapshot'];
  if (o.snapshot) {
    const dir = await mkdtemp(join(os.tmpdir(), 'argus-gallery-bench-'));
    try {
      const { seconds: saveS, blockMs: maxGapMs } = await timeEventLoopBlock(() => gallery.saveSnapshot(dir, '0-0'));
      const indexFile = readdirSync(dir).find((n) => n.startsWith('index-'))!;
      const indexBytes = statSync(join(dir, indexFile)).size;
      const l0 = performance.now();
      const loaded = await Gallery.loadSnapshot(dir);
      const loadS = (performance.now() - l0) / 1000;
      const sample = queries.slice(0, 100);
      const identical = !!loaded && sample.every((q) => JSON.stringify(loaded.gallery.search(q, { strategy: 'hnsw' })) === JSON.stringify(gallery.search(q, { strategy: 'hnsw' })));
      snapshot = { saveS, blockMs: maxGapMs, loadS, indexBytes, identical };
      log(`[gallery ${fmtCount(size)}] snapshot: save ${fmtDuration(saveS)} (event loop blocked up to ${ms(maxGapMs)} ms), load ${fmtDuration(loadS)}, results identical: ${identical}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  // markDelete cost, on faces of the last identities.
  const removeTimes: number[] = [];
  for (let p = data.identities.length - 1; p >= 0 && removeTimes.length < 200; p--) {
    const t = performance.now();
    gallery.removePerson(`p${p}`);
    removeTimes.push(performance.now() - t);
  }

  return {
    size,
    persons: data.identities.length,
    buildS,
    addP50: percentile(tail, 0.5),
    addP99: percentile(tail, 0.99),
    rssDelta,
    hnswBytes: stats.hnswBytes,
    flatBytes: stats.flatBytes,
    exactP50: exact.p50,
    exactP99: exact.p99,
    exactAccuracy,
    sweep,
    removeP50: percentile(sortNums(removeTimes), 0.5),
    snapshot,
  };
}

async function crossover(sizes: number[], log: (l: string) => void) {
  const rows: { size: number; exactMs: number; hnswMs: number }[] = [];
  for (const size of sizes) {
    const data = makeDataset(size, 400, 7 + size);
    const gallery = new Gallery({ exactBelow: 0 });
    for (const f of data.faces()) gallery.add(f.faceId, f.personId, f.embedding);
    const qs = data.queries.map((q) => q.embedding);
    timeSearches(gallery, qs.slice(0, 100), 'exact');
    timeSearches(gallery, qs.slice(0, 100), 'hnsw');
    const exactMs = timeSearches(gallery, qs, 'exact').mean;
    const hnswMs = timeSearches(gallery, qs, 'hnsw').mean;
    rows.push({ size, exactMs, hnswMs });
    log(`[gallery crossover] ${size} faces: exact ${ms(exactMs)} ms, hnsw ${ms(hnswMs)} ms (mean)`);
  }
  return rows;
}

export async function runGalleryBench(opts: GalleryBenchOptions = {}): Promise<string> {
  const o = {
    sizes: opts.sizes ?? [10_000, 100_000],
    m: opts.m ?? GALLERY_DEFAULTS.m,
    efConstruction: opts.efConstruction ?? GALLERY_DEFAULTS.efConstruction,
    efSearch: opts.efSearch ?? [...new Set([32, 64, 96, GALLERY_DEFAULTS.efSearch, 256])].sort((a, b) => a - b),
    queries: opts.queries ?? 1000,
    crossoverSizes: opts.crossoverSizes ?? [64, 128, 256, 512, 1024, 2048],
    snapshot: opts.snapshot ?? true,
    log: opts.log ?? ((line: string) => console.error(line)),
  };
  const cross = await crossover(o.crossoverSizes, o.log);
  const results: SizeResult[] = [];
  for (const size of o.sizes) results.push(await benchSize(size, o));

  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const lines: string[] = [];
  lines.push('## Gallery (hnswlib-node HNSW vs exact search)', '');
  lines.push(
    `Machine: ${cpu}, ${os.cpus().length} cores, Node ${process.version}; single-threaded (hnswlib-node inserts and searches on the calling thread). ` +
      `Synthetic 512-d gallery: identities are random unit vectors, each with 3-7 faces (mean 5) at cosine ${COS_MIN}-${COS_MAX} to the identity; ` +
      `queries are fresh copies of enrolled identities at the same spread. Search = \`gallery.search(q, {k: ${K}})\` (normalise, k nearest faces, group by person), timed from JavaScript. ` +
      `recall@1 = HNSW top-1 face equals the exact top-1 face; person@1 = same top person. Index: M=${o.m}, efConstruction=${o.efConstruction}.`,
    '',
  );
  lines.push('| faces | persons | build | add p50 / p99 (last 10k) | RSS delta | hnsw bytes (est.) | flat bytes | exact p50 / p99 | exact top-1 = true identity | remove person p50 |');
  lines.push('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    lines.push(
      `| ${fmtCount(r.size)} | ${r.persons} | ${fmtDuration(r.buildS)} (${(r.size / r.buildS).toFixed(0)}/s) | ${ms(r.addP50)} / ${ms(r.addP99)} ms | ${mib(r.rssDelta)} | ${mib(r.hnswBytes)} | ${mib(r.flatBytes)} | ${ms(r.exactP50)} / ${ms(r.exactP99)} ms | ${(r.exactAccuracy * 100).toFixed(1)}% | ${ms(r.removeP50)} ms |`,
    );
  }
  lines.push('', '| faces | efSearch | p50 | p99 | recall@1 | person@1 | speed-up over exact (p50) |', '|---|---|---|---|---|---|---|');
  for (const r of results) {
    for (const s of r.sweep) {
      const mark = s.ef === GALLERY_DEFAULTS.efSearch ? ' (default)' : '';
      lines.push(`| ${fmtCount(r.size)} | ${s.ef}${mark} | ${ms(s.p50)} ms | ${ms(s.p99)} ms | ${s.recall1.toFixed(4)} | ${s.personRecall1.toFixed(4)} | ${(r.exactP50 / s.p50).toFixed(0)}x |`);
    }
  }
  const snaps = results.filter((r) => r.snapshot);
  if (snaps.length > 0) {
    lines.push('', '| faces | snapshot save | event loop blocked | index file | load | search identical after load |', '|---|---|---|---|---|---|');
    for (const r of snaps) {
      const s = r.snapshot!;
      lines.push(`| ${fmtCount(r.size)} | ${fmtDuration(s.saveS)} | ${ms(s.blockMs)} ms | ${mib(s.indexBytes)} | ${fmtDuration(s.loadS)} | ${s.identical ? 'yes' : 'NO'} |`);
    }
  }
  if (cross.length > 0) {
    lines.push('', `Exact vs HNSW crossover (mean latency per search, efSearch=${GALLERY_DEFAULTS.efSearch}; \`exactBelow\` default ${GALLERY_DEFAULTS.exactBelow}):`, '');
    lines.push('| faces | exact | hnsw |', '|---|---|---|');
    for (const c of cross) lines.push(`| ${c.size} | ${ms(c.exactMs)} ms | ${ms(c.hnswMs)} ms |`);
  }
  lines.push('');
  return lines.join('\n');
}

function parseArgs(argv: string[]): GalleryBenchOptions {
  const o: GalleryBenchOptions = {};
  const sizes: number[] = [];
  for (const arg of argv) {
    const [key, value = ''] = arg.replace(/^--/, '').split('=');
    const nums = value.split(',').filter(Boolean).map(Number);
    if (/^\d+$/.test(arg)) sizes.push(Number(arg));
    else if (key === 'm') o.m = nums[0];
    else if (key === 'efc') o.efConstruction = nums[0];
    else if (key === 'ef') o.efSearch = nums;
    else if (key === 'queries') o.queries = nums[0];
    else if (key === 'crossover') o.crossoverSizes = nums;
    else if (key === 'no-snapshot') o.snapshot = false;
    else throw new Error(`gallery.bench: unknown argument ${arg}; usage: gallery.bench.ts [sizes...] [--m=N] [--efc=N] [--ef=a,b,c] [--queries=N] [--crossover=a,b] [--no-snapshot]`);
  }
  if (sizes.length > 0) o.sizes = sizes;
  return o;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const started = Date.now();
  runGalleryBench(parseArgs(process.argv.slice(2)))
    .then((md) => {
      console.log(md);
      console.error(`[gallery] done in ${fmtDuration((Date.now() - started) / 1000)}`);
    })
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
}
