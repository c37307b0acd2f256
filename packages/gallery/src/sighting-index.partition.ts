// One time slice of the sightings index: the sightings whose start falls in [key * span, (key + 1) * span), held as
// columns (id, camera, start, end, person), a flat matrix of their unit vectors for exact scans, and an hnswlib graph.
import hnswlib from 'hnswlib-node';
import { dot } from './embedding.ts';

const { HierarchicalNSW } = hnswlib;
export type HnswIndex = InstanceType<typeof HierarchicalNSW>;

export interface PartitionParams {
  dim: number;
  m: number;
  efConstruction: number;
  efSearch: number;
}

/** The columns of a partition as they are saved: slot = hnswlib label; a removed slot has id null. */
export interface PartitionColumns {
  ids: (string | null)[];
  cameras: number[];
  starts: number[];
  ends: number[];
  persons: (string | null)[];
}

const INITIAL_CAPACITY = 256;

/** The best `capacity` (score, partition, label) triples seen: a binary min-heap on score. */
export class TopHits<P> {
  readonly scores: Float64Array;
  readonly owners: P[] = [];
  readonly labels: Int32Array;
  size = 0;

  constructor(readonly capacity: number) {
    this.scores = new Float64Array(capacity);
    this.labels = new Int32Array(capacity);
  }

  /** Scores that cannot enter the heap: everything at or below this once it is full. */
  get threshold(): number {
    return this.size < this.capacity ? -Infinity : this.scores[0]!;
  }

  push(score: number, owner: P, label: number): void {
    if (this.size < this.capacity) {
      let i = this.size++;
      // Sift up.
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (this.scores[parent]! <= score) break;
        this.#move(parent, i);
        i = parent;
      }
      this.#put(i, score, owner, label);
      return;
    }
    if (score <= this.scores[0]!) return;
    // Replace the root and sift down.
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= this.size) break;
      const r = l + 1;
      const c = r < this.size && this.scores[r]! < this.scores[l]! ? r : l;
      if (this.scores[c]! >= score) break;
      this.#move(c, i);
      i = c;
    }
    this.#put(i, score, owner, label);
  }

  #move(from: number, to: number): void {
    this.scores[to] = this.scores[from]!;
    this.owners[to] = this.owners[from]!;
    this.labels[to] = this.labels[from]!;
  }

  #put(i: number, score: number, owner: P, label: number): void {
    this.scores[i] = score;
    this.owners[i] = owner;
    this.labels[i] = label;
  }
}

export class SightingPartition {
  readonly key: number;
  readonly #params: PartitionParams;
  #hnsw: HnswIndex;
  #capacity: number;
  labelEnd = 0;
  liveCount = 0;
  vectors: Float32Array;
  live: Uint8Array;
  ids: (string | undefined)[] = [];
  persons: (string | undefined)[] = [];
  cameras: Int32Array;
  starts: Float64Array;
  ends: Float64Array;
  /** Bounds over every sighting ever added (removals do not shrink them): safe for "all match" / "none match" tests. */
  minStart = Infinity;
  maxStart = -Infinity;
  minEnd = Infinity;
  maxEnd = -Infinity;
  /** Live sightings per camera code. */
  readonly cameraCounts = new Map<number, number>();

  constructor(key: number, params: PartitionParams, hnsw?: HnswIndex, capacity = INITIAL_CAPACITY) {
    this.key = key;
    this.#params = params;
    this.#capacity = capacity;
    if (hnsw) this.#hnsw = hnsw;
    else {
      this.#hnsw = new HierarchicalNSW('ip', params.dim);
      this.#hnsw.initIndex({ maxElements: capacity, m: params.m, efConstruction: params.efConstruction, randomSeed: 100 + key, allowReplaceDeleted: false });
    }
    this.#hnsw.setEf(params.efSearch);
    this.vectors = new Float32Array(capacity * params.dim);
    this.live = new Uint8Array(capacity);
    this.cameras = new Int32Array(capacity);
    this.starts = new Float64Array(capacity);
    this.ends = new Float64Array(capacity);
  }

  /** A partition read back from a snapshot: `hnsw` holds exactly `columns.ids.length` labels, `vectors` their rows. */
  static restore(key: number, params: PartitionParams, hnsw: HnswIndex, columns: PartitionColumns, vectors: Float32Array): SightingPartition {
    const n = columns.ids.length;
    // hnswlib reloads an empty index with zero capacity; the columns mirror whatever capacity it has.
    const capacity = Math.max(n, hnsw.getMaxElements(), 1);
    if (hnsw.getMaxElements() !== capacity) hnsw.resizeIndex(capacity);
    const p = new SightingPartition(key, params, hnsw, capacity);
    p.vectors = vectors.length === capacity * params.dim ? vectors : grown(vectors, capacity * params.dim);
    for (let label = 0; label < n; label++) {
      const start = columns.starts[label]!;
      const end = columns.ends[label]!;
      p.#noteBounds(start, end);
      p.starts[label] = start;
      p.ends[label] = end;
      p.cameras[label] = columns.cameras[label]!;
      const id = columns.ids[label];
      if (id === null || id === undefined) continue;
      p.ids[label] = id;
      p.persons[label] = columns.persons[label] ?? undefined;
      p.live[label] = 1;
      p.liveCount++;
      p.cameraCounts.set(columns.cameras[label]!, (p.cameraCounts.get(columns.cameras[label]!) ?? 0) + 1);
    }
    p.labelEnd = n;
    return p;
  }

  get capacity(): number {
    return this.#capacity;
  }

  get hnsw(): HnswIndex {
    return this.#hnsw;
  }

  /** Estimated bytes held natively by hnswlib (vectors + links), as in Gallery.stats(). */
  get hnswBytes(): number {
    const { dim, m } = this.#params;
    return this.#capacity * (dim * 4 + (2 * m + 1) * 4 + 8) + Math.round((this.labelEnd * (m + 1) * 4) / Math.max(1, m - 1));
  }

  /** Bytes of the JS-side columns and the flat matrix. */
  get flatBytes(): number {
    return this.vectors.byteLength + this.live.byteLength + this.cameras.byteLength + this.starts.byteLength + this.ends.byteLength;
  }

  /** Sets the native candidate list size; the index keeps `params.efSearch` in step for partitions created later. */
  setEf(ef: number): void {
    this.#hnsw.setEf(ef);
  }

  /** Appends a sighting (unit vector); returns its label. */
  add(id: string, camera: number, start: number, end: number, personId: string | undefined, unit: Float32Array, plain: number[]): number {
    const label = this.labelEnd;
    if (label >= this.#capacity) this.#grow(this.#capacity * 2);
    // The native insert goes first: if it throws, nothing has changed.
    this.#hnsw.addPoint(plain, label);
    this.labelEnd++;
    this.vectors.set(unit, label * this.#params.dim);
    this.live[label] = 1;
    this.ids[label] = id;
    this.persons[label] = personId;
    this.cameras[label] = camera;
    this.starts[label] = start;
    this.ends[label] = end;
    this.#noteBounds(start, end);
    this.liveCount++;
    this.cameraCounts.set(camera, (this.cameraCounts.get(camera) ?? 0) + 1);
    return label;
  }

  /**
   * Removes one live sighting. Its row in `vectors` is left as it is: rows are append-only, so a snapshot in
   * progress can keep writing the rows it captured.
   */
  remove(label: number): void {
    if (this.live[label] !== 1) return;
    this.#hnsw.markDelete(label);
    this.live[label] = 0;
    this.ids[label] = undefined;
    this.persons[label] = undefined;
    this.liveCount--;
    const camera = this.cameras[label]!;
    const left = (this.cameraCounts.get(camera) ?? 1) - 1;
    if (left === 0) this.cameraCounts.delete(camera);
    else this.cameraCounts.set(camera, left);
  }

  /** Live labels whose sighting passes `matches`. */
  matchingLabels(matches: (label: number) => boolean): Int32Array {
    const out = new Int32Array(this.liveCount);
    let n = 0;
    for (let label = 0; label < this.labelEnd; label++) {
      if (this.live[label] === 1 && matches(label)) out[n++] = label;
    }
    return out.subarray(0, n);
  }

  /** Exact inner product of every listed label (all live labels when `labels` is null) against the queries; max over queries. */
  scanExact<P>(owner: P, queries: Float32Array[], labels: Int32Array | null, minScore: number, top: TopHits<P>): void {
    const dim = this.#params.dim;
    const rows = this.vectors;
    const count = labels ? labels.length : this.labelEnd;
    for (let i = 0; i < count; i++) {
      const label = labels ? labels[i]! : i;
      if (!labels && this.live[label] !== 1) continue;
      let score = -Infinity;
      for (const q of queries) {
        const s = dot(rows, label * dim, q, dim);
        if (s > score) score = s;
      }
      if (score >= minScore && score > top.threshold) top.push(score, owner, label);
    }
  }

  /** HNSW search for each query (k nearest live labels passing `filter`); a label's score is its best over the queries. */
  searchHnsw<P>(owner: P, queries: number[][], k: number, filter: ((label: number) => boolean) | undefined, minScore: number, top: TopHits<P>): void {
    const want = Math.min(k, this.liveCount);
    if (want <= 0) return;
    const best = queries.length > 1 ? new Map<number, number>() : null;
    for (const q of queries) {
      const { neighbors, distances } = filter ? this.#hnsw.searchKnn(q, want, filter) : this.#hnsw.searchKnn(q, want);
      for (let i = 0; i < neighbors.length; i++) {
        const label = neighbors[i]!;
        // 'ip' distance is 1 - dot.
        const score = 1 - distances[i]!;
        if (best) best.set(label, Math.max(score, best.get(label) ?? -Infinity));
        else if (score >= minScore && score > top.threshold) top.push(score, owner, label);
      }
    }
    if (best) {
      for (const [label, score] of best) if (score >= minScore && score > top.threshold) top.push(score, owner, label);
    }
  }

  /** The columns of labels [0, labelEnd), copied: later adds and removes do not change them. */
  columns(): PartitionColumns {
    const n = this.labelEnd;
    const ids: (string | null)[] = new Array<string | null>(n);
    const persons: (string | null)[] = new Array<string | null>(n);
    for (let label = 0; label < n; label++) {
      ids[label] = this.live[label] === 1 ? this.ids[label]! : null;
      persons[label] = this.live[label] === 1 ? (this.persons[label] ?? null) : null;
    }
    return {
      ids,
      persons,
      cameras: Array.from(this.cameras.subarray(0, n)),
      starts: Array.from(this.starts.subarray(0, n)),
      ends: Array.from(this.ends.subarray(0, n)),
    };
  }

  #noteBounds(start: number, end: number): void {
    if (start < this.minStart) this.minStart = start;
    if (start > this.maxStart) this.maxStart = start;
    if (end < this.minEnd) this.minEnd = end;
    if (end > this.maxEnd) this.maxEnd = end;
  }

  #grow(capacity: number): void {
    this.#hnsw.resizeIndex(capacity);
    const dim = this.#params.dim;
    this.vectors = grown(this.vectors, capacity * dim);
    this.live = grown(this.live, capacity);
    this.cameras = grown(this.cameras, capacity);
    this.starts = grown(this.starts, capacity);
    this.ends = grown(this.ends, capacity);
    this.#capacity = capacity;
  }
}

function grown<T extends Float32Array | Float64Array | Int32Array | Uint8Array>(array: T, length: number): T {
  const out = new (array.constructor as new (n: number) => T)(length);
  out.set(array.subarray(0, Math.min(array.length, length)) as never);
  return out;
}
