// The sightings index behind historical search: one best embedding per face track, split into time partitions
// (one hnswlib graph each), searched by cosine with time, camera and score filters. Pure memory: the api feeds it.
import { toUnitVector } from './embedding.ts';
import { GalleryError } from './gallery.errors.ts';
import { integerOptionProblems } from './index-options.ts';
import { SightingIndexError } from './sighting-index.errors.ts';
import { SightingPartition, TopHits, type PartitionParams } from './sighting-index.partition.ts';
import { readSightingSnapshot, writeSightingSnapshot, type PartitionCapture, type SightingSnapshotState } from './sighting-index.snapshot.ts';

export interface SightingRecord {
  /** The sighting's Redis stream id, e.g. "1732540000000-0". */
  id: string;
  camera: string;
  /** First and last frame of the track, ms since epoch. */
  start: number;
  end: number;
  personId?: string;
  /** The track's best embedding; normalised here (callers need not). */
  embedding: Float32Array;
}

export interface SightingQuery {
  /** One or more query faces (a watchlist person's enrolled faces); a sighting scores its best cosine over them. */
  embeddings: Float32Array[];
  /** Time window, ms since epoch: a sighting matches when [start, end] overlaps [from, to]. Open-ended when absent. */
  from?: number;
  to?: number;
  /** Only these cameras (an empty list matches nothing; absent = every camera). */
  cameras?: readonly string[];
  /** Drop hits scoring below this cosine. */
  minScore?: number;
  /** Top-k, 1..MAX_SEARCH_LIMIT. */
  limit: number;
}

export interface SightingHit {
  id: string;
  camera: string;
  start: number;
  end: number;
  personId?: string;
  /** Cosine similarity in [-1, 1]: the best over the query embeddings. */
  score: number;
}

export interface SightingIndexOptions {
  /** Embedding length; every add and query must match it. */
  dim?: number;
  /** Width of one time partition (one hnswlib graph), by sighting start. */
  partitionHours?: number;
  /** HNSW candidate list size while searching (raised to the limit when that is larger). */
  efSearch?: number;
  /**
   * A partition whose matching sightings (time window / cameras) are fewer than this is scanned exactly instead of
   * searched with HNSW and a filter callback. Partitions matched whole use HNSW from 256 sightings (or exactBelow, if lower).
   */
  exactBelow?: number;
  /** HNSW graph degree. */
  m?: number;
  /** HNSW candidate list size while inserting. */
  efConstruction?: number;
}

/** 'auto' = exact scan or HNSW per partition by `exactBelow`; the others force one (ground truth, benchmarks). */
export type SightingSearchStrategy = 'auto' | 'exact' | 'hnsw';

export interface SightingIndexStats {
  sightings: number;
  partitions: number;
  persons: number;
  cameras: number;
  /** Estimated bytes held by hnswlib (vectors + graph links) for the allocated capacity. */
  hnswBytes: number;
  /** Bytes of the flat vector matrices and time/camera columns (exact scans, snapshots). */
  flatBytes: number;
}

/**
 * Chosen with bench/src/search.bench.ts (docs/BENCHMARKS.md, section "search"; 1M synthetic sightings over 30 days,
 * 2 worker threads, 2-core EPYC):
 * - partitionHours=24: builds 4.5x faster than one global graph (2500 vs 600 inserts/s at 100k) and keeps time
 *   windows cheap (a one-hour window is a slice of one or two partitions, scanned exactly: p99 < 4 ms at 1M).
 *   168 h partitions search 30 days 4x faster at equal efSearch but with lower recall and 3x slower inserts.
 * - efSearch=128: recall@10 0.95 on 30-day searches at 1M (64 gave 0.89): every partition must find its best few.
 * - exactBelow=20000: a filtered HNSW search (a JS callback per visited node) gave recall@10 0.66-0.80 on one-day
 *   windows at 1M; an exact scan of a partition's matches (~0.45 us each) is exact and at most ~9 ms.
 */
export const SIGHTING_INDEX_DEFAULTS: Readonly<Required<SightingIndexOptions>> = Object.freeze({
  dim: 512,
  partitionHours: 24,
  efSearch: 128,
  exactBelow: 20_000,
  m: 16,
  efConstruction: 100,
});

export const MAX_SEARCH_LIMIT = 500;

/**
 * An unfiltered partition is scanned exactly only below this size: without a JS filter callback a native HNSW search
 * beats the scan from ~256 vectors up (the gallery benchmark's crossover), whatever exactBelow says for filtered ones.
 */
const WHOLE_PARTITION_EXACT_BELOW = 256;

const HOUR_MS = 3_600_000;
/** A Redis stream id: ms-seq. */
const STREAM_ID = /^\d+-\d+$/;

interface Slot {
  partition: SightingPartition;
  label: number;
}

export class SightingIndex {
  #options: Readonly<Required<SightingIndexOptions>>;
  readonly #params: PartitionParams;
  readonly #partitionMs: number;
  readonly #partitions = new Map<number, SightingPartition>();
  readonly #slots = new Map<string, Slot>();
  readonly #personSightings = new Map<string, Set<string>>();
  readonly #cameraCodes = new Map<string, number>();
  readonly #cameraNames: string[] = [];
  #saving: Promise<void> = Promise.resolve();
  #savesRunning = 0;

  constructor(options: SightingIndexOptions = {}) {
    this.#options = Object.freeze(resolveOptions(options));
    const { dim, m, efConstruction, efSearch, partitionHours } = this.#options;
    this.#params = { dim, m, efConstruction, efSearch };
    this.#partitionMs = partitionHours * HOUR_MS;
  }

  get options(): Readonly<Required<SightingIndexOptions>> {
    return this.#options;
  }

  /** Number of sightings held. */
  get size(): number {
    return this.#slots.size;
  }

  has(id: string): boolean {
    return this.#slots.has(id);
  }

  /** Changes the HNSW search candidate list size at run time (the recall/latency knob); kept in snapshots. */
  setEfSearch(efSearch: number): void {
    const options = resolveOptions({ ...this.#options, efSearch });
    this.#options = Object.freeze(options);
    this.#params.efSearch = options.efSearch;
    for (const p of this.#partitions.values()) p.setEf(options.efSearch);
  }

  stats(): SightingIndexStats {
    let hnswBytes = 0;
    let flatBytes = 0;
    for (const p of this.#partitions.values()) {
      hnswBytes += p.hnswBytes;
      flatBytes += p.flatBytes;
    }
    return {
      sightings: this.size,
      partitions: this.#partitions.size,
      persons: this.#personSightings.size,
      cameras: this.#cameraNames.length,
      hnswBytes,
      flatBytes,
    };
  }

  /**
   * Adds one sighting (a re-added id replaces the old one). Cost: one synchronous hnswlib insert into its
   * partition (~0.4-1.3 ms at a 17-33k-sighting partition with the defaults).
   */
  add(record: SightingRecord): void {
    if (typeof record !== 'object' || record === null) throw invalid('add: expected a sighting record { id, camera, start, end, personId?, embedding }');
    const { id, camera, start, end, personId } = record;
    requireId(id, 'sighting id');
    requireId(camera, `sighting ${id}: camera`);
    if (!Number.isFinite(start) || !Number.isFinite(end)) throw invalid(`sighting ${id}: start and end must be finite ms since epoch, got ${String(start)} and ${String(end)}`);
    if (end < start) throw invalid(`sighting ${id}: end ${end} is before start ${start}`);
    if (personId !== undefined) requireId(personId, `sighting ${id}: personId`);
    const unit = unitVector(record.embedding, this.#options.dim, `sighting ${id}`);

    const key = Math.floor(start / this.#partitionMs);
    let partition = this.#partitions.get(key);
    const created = !partition;
    partition ??= new SightingPartition(key, this.#params);
    const code = this.#cameraCode(camera);
    // hnswlib-node only takes plain arrays.
    const label = partition.add(id, code, start, end, personId, unit, Array.from(unit));
    if (created) this.#partitions.set(key, partition);
    const previous = this.#slots.get(id);
    if (previous) this.#removeSlot(id, previous);
    this.#slots.set(id, { partition, label });
    if (personId !== undefined) this.#link(personId, id);
  }

  /** Removes sightings by id; unknown ids are ignored. Returns how many were removed. */
  remove(ids: readonly string[]): number {
    if (!Array.isArray(ids)) throw invalid('remove: expected an array of sighting ids');
    let removed = 0;
    for (const id of ids) {
      const slot = this.#slots.get(id);
      if (!slot) continue;
      this.#removeSlot(id, slot);
      removed++;
    }
    return removed;
  }

  /** Forgets a person: their sightings stay searchable but lose their personId. Returns how many were unlinked. */
  unlinkPerson(personId: string): number {
    const ids = this.#personSightings.get(personId);
    if (!ids) return 0;
    for (const id of ids) {
      const slot = this.#slots.get(id)!;
      slot.partition.persons[slot.label] = undefined;
    }
    this.#personSightings.delete(personId);
    return ids.size;
  }

  /** Ids of the sightings linked to a person (empty when unknown). */
  idsOfPerson(personId: string): string[] {
    return [...(this.#personSightings.get(personId) ?? [])];
  }

  /** Retention: removes every sighting that ended before `ms` (whole partitions at once where they can). Returns the count. */
  dropOlderThan(ms: number): number {
    if (!Number.isFinite(ms)) throw invalid(`dropOlderThan: expected ms since epoch, got ${String(ms)}`);
    let removed = 0;
    for (const [key, p] of this.#partitions) {
      if (p.minEnd >= ms) continue;
      const wholePartition = p.maxEnd < ms;
      for (let label = 0; label < p.labelEnd; label++) {
        if (p.live[label] !== 1 || p.ends[label]! >= ms) continue;
        const id = p.ids[label]!;
        if (wholePartition) this.#forget(id, p, label);
        else this.#removeSlot(id, { partition: p, label });
        removed++;
      }
      // Dropping the partition frees its native graph when it is collected.
      if (wholePartition || p.liveCount === 0) this.#partitions.delete(key);
    }
    return removed;
  }

  /**
   * The best `limit` sightings by cosine, best first. Per partition overlapping the window: all of it, or the part
   * that passes the filters; an exact scan when fewer than `exactBelow` sightings match there, HNSW otherwise (with a
   * filter callback when only part of the partition matches). Synchronous; see SightingIndexWorker for big indexes.
   */
  search(query: SightingQuery, strategy: SightingSearchStrategy = 'auto'): SightingHit[] {
    const q = this.#checkQuery(query, strategy);
    const top = new TopHits<SightingPartition>(q.limit);
    let plain: number[][] | undefined;
    const { from, to, cameraMask, minScore } = q;
    for (const p of this.#partitions.values()) {
      if (p.liveCount === 0 || p.minStart > to || p.maxEnd < from) continue;
      const wholeTime = p.maxStart <= to && p.minEnd >= from;
      let cameraCount = p.liveCount;
      if (cameraMask) {
        cameraCount = 0;
        for (const [code, n] of p.cameraCounts) if (cameraMask[code] === 1) cameraCount += n;
        if (cameraCount === 0) continue;
      }
      const wholeCameras = cameraCount === p.liveCount;
      const cameras = p.cameras;
      const starts = p.starts;
      const ends = p.ends;
      const matches = wholeCameras
        ? (label: number): boolean => starts[label]! <= to && ends[label]! >= from
        : wholeTime
          ? (label: number): boolean => cameraMask![cameras[label]!] === 1
          : (label: number): boolean => cameraMask![cameras[label]!] === 1 && starts[label]! <= to && ends[label]! >= from;

      if (wholeTime && wholeCameras) {
        if (strategy === 'exact' || (strategy === 'auto' && p.liveCount < Math.min(this.#options.exactBelow, WHOLE_PARTITION_EXACT_BELOW))) p.scanExact(p, q.units, null, minScore, top);
        else p.searchHnsw(p, (plain ??= q.units.map((u) => Array.from(u))), q.limit, undefined, minScore, top);
        continue;
      }
      // Counting the matches exactly costs one pass over the partition's columns (~30 us per 33k sightings).
      if (strategy === 'hnsw') {
        p.searchHnsw(p, (plain ??= q.units.map((u) => Array.from(u))), q.limit, (label) => p.live[label] === 1 && matches(label), minScore, top);
        continue;
      }
      const labels = wholeTime && strategy === 'auto' && cameraCount >= this.#options.exactBelow ? null : p.matchingLabels(matches);
      if (labels && labels.length === 0) continue;
      if (labels && (strategy === 'exact' || labels.length < this.#options.exactBelow)) p.scanExact(p, q.units, labels, minScore, top);
      else p.searchHnsw(p, (plain ??= q.units.map((u) => Array.from(u))), q.limit, (label) => p.live[label] === 1 && matches(label), minScore, top);
    }
    return this.#hits(top);
  }

  /**
   * Writes the index under `dir` with `lastId`, the last stream id applied, so the caller resumes tailing after it.
   * Files are written under temporary names and the sidecar is renamed last (the commit): a crash leaves the previous
   * snapshot whole. The hnswlib graphs are written synchronously (the index must not change meanwhile): that blocks
   * the event loop for about 1 s per 200k sightings; the rest is asynchronous. Saves run one at a time.
   */
  async save(dir: string, lastId: string): Promise<void> {
    if (typeof dir !== 'string' || dir.length === 0) throw invalid('save: dir must be a directory path');
    if (typeof lastId !== 'string' || !STREAM_ID.test(lastId)) throw invalid(`save: lastId must be the last applied stream id ("ms-seq"), got ${JSON.stringify(lastId)}`);
    const write = (): Promise<void> => writeSightingSnapshot(dir, () => this.#capture(lastId));
    // When no save is running the capture happens within this call, before any later add; otherwise after the running one.
    const save = this.#savesRunning === 0 ? write() : this.#saving.catch(() => undefined).then(write);
    this.#saving = save;
    this.#savesRunning++;
    try {
      await save;
    } finally {
      this.#savesRunning--;
    }
  }

  /**
   * Reads a snapshot written by save(); null when `dir` holds none. A damaged one throws SIGHTING_SNAPSHOT_CORRUPT;
   * one written with another dim or partitionHours than `opts` asks for throws SIGHTING_SNAPSHOT_MISMATCH.
   * efSearch and exactBelow in `opts` override the saved ones.
   */
  static async load(dir: string, opts: SightingIndexOptions = {}): Promise<{ index: SightingIndex; lastId: string } | null> {
    const wanted = stripUndefined(opts);
    const contents = await readSightingSnapshot(dir, (saved) => {
      for (const key of ['dim', 'partitionHours', 'm', 'efConstruction'] as const) {
        const v = wanted[key];
        if (v !== undefined && v !== saved[key]) {
          throw new SightingIndexError(
            'SIGHTING_SNAPSHOT_MISMATCH',
            `sightings snapshot in ${dir} was built with ${key}=${saved[key]}, but ${key}=${v} was asked for; delete the directory to rebuild from Redis with the new settings, or keep the old ${key}`,
          );
        }
      }
    });
    if (!contents) return null;
    const options = resolveOptions({ ...contents.state.options, ...wanted });
    const index = new SightingIndex(options);
    const corrupt = (reason: string): SightingIndexError => new SightingIndexError('SIGHTING_SNAPSHOT_CORRUPT', `sightings snapshot in ${dir} is corrupt (${reason}); delete that directory and restart to rebuild from Redis`);
    for (const name of contents.state.cameras) index.#cameraCode(name);
    for (const part of contents.partitions) {
      const p = SightingPartition.restore(part.key, index.#params, part.hnsw, part.columns, part.vectors);
      if (p.maxStart >= (part.key + 1) * index.#partitionMs || p.minStart < part.key * index.#partitionMs) throw corrupt(`partition ${part.key} holds a sighting outside its time span`);
      index.#partitions.set(part.key, p);
      for (let label = 0; label < p.labelEnd; label++) {
        if (p.live[label] !== 1) continue;
        const id = p.ids[label]!;
        if (index.#slots.has(id)) throw corrupt(`sighting ${id} appears twice`);
        if (p.cameras[label]! < 0 || p.cameras[label]! >= index.#cameraNames.length) throw corrupt(`sighting ${id} has an unknown camera code`);
        index.#slots.set(id, { partition: p, label });
        const personId = p.persons[label];
        if (personId !== undefined) index.#link(personId, id);
      }
    }
    return { index, lastId: contents.state.lastId };
  }

  #capture(lastId: string): { state: SightingSnapshotState; partitions: PartitionCapture[] } {
    return {
      state: { lastId, options: this.#options, cameras: [...this.#cameraNames] },
      partitions: [...this.#partitions.values()].map((p) => ({
        key: p.key,
        labels: p.labelEnd,
        columns: p.columns(),
        // Rows are append-only, so this view keeps its contents while later adds go on (a grow copies to a new array).
        vectors: p.vectors.subarray(0, p.labelEnd * this.#options.dim),
        writeIndexSync: (path: string) => p.hnsw.writeIndexSync(path),
      })),
    };
  }

  #checkQuery(query: SightingQuery, strategy: SightingSearchStrategy) {
    if (typeof query !== 'object' || query === null) throw invalid('search: expected a query { embeddings, from?, to?, cameras?, minScore?, limit }');
    if (strategy !== 'auto' && strategy !== 'exact' && strategy !== 'hnsw') throw invalid(`search: strategy must be 'auto', 'exact' or 'hnsw', got ${JSON.stringify(strategy)}`);
    const { embeddings, limit } = query;
    if (!Array.isArray(embeddings) || embeddings.length === 0) throw invalid('search: embeddings must be a non-empty array of Float32Array query faces');
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SEARCH_LIMIT) throw invalid(`search: limit must be an integer from 1 to ${MAX_SEARCH_LIMIT}, got ${String(limit)}`);
    const from = optionalTime(query.from, 'from') ?? -Infinity;
    const to = optionalTime(query.to, 'to') ?? Infinity;
    if (from > to) throw invalid(`search: from (${from}) is after to (${to})`);
    const minScore = query.minScore ?? -Infinity;
    if (typeof minScore !== 'number' || Number.isNaN(minScore)) throw invalid(`search: minScore must be a number, got ${String(query.minScore)}`);
    let cameraMask: Uint8Array | null = null;
    if (query.cameras !== undefined) {
      if (!Array.isArray(query.cameras) || !query.cameras.every((c) => typeof c === 'string')) throw invalid('search: cameras must be an array of camera names');
      cameraMask = new Uint8Array(this.#cameraNames.length);
      for (const name of query.cameras) {
        const code = this.#cameraCodes.get(name);
        if (code !== undefined) cameraMask[code] = 1;
      }
    }
    const units = embeddings.map((e, i) => unitVector(e, this.#options.dim, `query embedding ${i}`));
    return { units, limit, from, to, minScore, cameraMask };
  }

  #hits(top: TopHits<SightingPartition>): SightingHit[] {
    const hits: SightingHit[] = [];
    for (let i = 0; i < top.size; i++) {
      const p = top.owners[i]!;
      const label = top.labels[i]!;
      const hit: SightingHit = { id: p.ids[label]!, camera: this.#cameraNames[p.cameras[label]!]!, start: p.starts[label]!, end: p.ends[label]!, score: top.scores[i]! };
      const personId = p.persons[label];
      if (personId !== undefined) hit.personId = personId;
      hits.push(hit);
    }
    return hits.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  #cameraCode(camera: string): number {
    let code = this.#cameraCodes.get(camera);
    if (code === undefined) {
      code = this.#cameraNames.length;
      this.#cameraNames.push(camera);
      this.#cameraCodes.set(camera, code);
    }
    return code;
  }

  #removeSlot(id: string, slot: Slot): void {
    const { partition, label } = slot;
    this.#forget(id, partition, label);
    partition.remove(label);
    if (partition.liveCount === 0) this.#partitions.delete(partition.key);
  }

  /** Drops the id and person links of a sighting (its partition entry is left to the caller). */
  #forget(id: string, partition: SightingPartition, label: number): void {
    const personId = partition.persons[label];
    if (personId !== undefined) this.#unlink(personId, id);
    this.#slots.delete(id);
  }

  #link(personId: string, id: string): void {
    let ids = this.#personSightings.get(personId);
    if (!ids) this.#personSightings.set(personId, (ids = new Set()));
    ids.add(id);
  }

  #unlink(personId: string, id: string): void {
    const ids = this.#personSightings.get(personId);
    if (!ids) return;
    ids.delete(id);
    if (ids.size === 0) this.#personSightings.delete(personId);
  }
}

function invalid(message: string): SightingIndexError {
  return new SightingIndexError('SIGHTING_INVALID_ARGUMENT', message);
}

function requireId(value: unknown, what: string): asserts value is string {
  if (typeof value !== 'string' || value.length === 0) throw invalid(`${what} must be a non-empty string, got ${JSON.stringify(value)}`);
}

function optionalTime(value: unknown, what: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(`search: ${what} must be ms since epoch, got ${String(value)}`);
  return value;
}

/** toUnitVector with this module's error codes. */
function unitVector(embedding: Float32Array, dim: number, what: string): Float32Array {
  try {
    return toUnitVector(embedding, dim, what);
  } catch (err) {
    if (!(err instanceof GalleryError)) throw err;
    const code = err.code === 'GALLERY_DIMENSION_MISMATCH' ? 'SIGHTING_DIMENSION_MISMATCH' : 'SIGHTING_INVALID_EMBEDDING';
    throw new SightingIndexError(code, err.message.replace('the gallery holds', 'the sightings index holds'));
  }
}

function resolveOptions(options: SightingIndexOptions): Required<SightingIndexOptions> {
  const resolved = { ...SIGHTING_INDEX_DEFAULTS, ...stripUndefined(options) };
  const problems = integerOptionProblems(resolved, { dim: 1, m: 2, efConstruction: 1, efSearch: 1, exactBelow: 0 });
  if (!(typeof resolved.partitionHours === 'number' && resolved.partitionHours > 0 && Number.isFinite(resolved.partitionHours) && Number.isInteger(resolved.partitionHours * HOUR_MS))) {
    problems.push(`partitionHours must be a positive number of whole ms, got ${String(resolved.partitionHours)}`);
  }
  if (problems.length > 0) throw new SightingIndexError('SIGHTING_INVALID_OPTIONS', `invalid sightings index options: ${problems.join('; ')}`);
  return resolved;
}

function stripUndefined(options: SightingIndexOptions): SightingIndexOptions {
  if (typeof options !== 'object' || options === null) return {};
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as SightingIndexOptions;
}
