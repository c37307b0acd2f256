// Exact nearest-neighbour search by inner product over a flat row-major Float32Array, one row per label.
// It is the gallery's answer for small galleries (faster than HNSW below the crossover) and its ground truth.
import { dot } from './embedding.ts';

export interface LabelScore {
  label: number;
  score: number;
}

export class FlatIndex {
  #rows: Float32Array;
  #live: Uint8Array;
  #capacity: number;

  /** `rows`, when given, becomes the matrix as is (capacity * dim floats); mark its live rows with markLive. */
  constructor(
    readonly dim: number,
    capacity: number,
    rows?: Float32Array,
  ) {
    if (rows && rows.length !== capacity * dim) throw new RangeError(`FlatIndex: rows hold ${rows.length} floats, expected ${capacity * dim}`);
    this.#capacity = capacity;
    this.#rows = rows ?? new Float32Array(capacity * dim);
    this.#live = new Uint8Array(capacity);
  }

  get capacity(): number {
    return this.#capacity;
  }

  /** Bytes held by the vectors and flags. */
  get bytes(): number {
    return this.#rows.byteLength + this.#live.byteLength;
  }

  grow(capacity: number): void {
    if (capacity <= this.#capacity) return;
    const rows = new Float32Array(capacity * this.dim);
    rows.set(this.#rows);
    const live = new Uint8Array(capacity);
    live.set(this.#live);
    this.#rows = rows;
    this.#live = live;
    this.#capacity = capacity;
  }

  set(label: number, unit: Float32Array): void {
    this.#rows.set(unit, label * this.dim);
    this.#live[label] = 1;
  }

  markLive(label: number): void {
    this.#live[label] = 1;
  }

  clear(label: number): void {
    this.#live[label] = 0;
    this.#rows.fill(0, label * this.dim, (label + 1) * this.dim);
  }

  isLive(label: number): boolean {
    return this.#live[label] === 1;
  }

  /** A view of one row (shares memory: copy it before keeping it). */
  row(label: number): Float32Array {
    return this.#rows.subarray(label * this.dim, (label + 1) * this.dim);
  }

  /**
   * The k live rows with the highest inner product with `query`, best first.
   * `labelEnd` bounds the scan to labels ever used, so an index with spare capacity costs nothing extra.
   */
  search(query: Float32Array, k: number, labelEnd: number): LabelScore[] {
    if (k <= 0) return [];
    const dim = this.dim;
    const rows = this.#rows;
    const live = this.#live;
    // Top-k kept as an ascending array: k is small (tens), so insertion beats a heap.
    const topScores = new Float64Array(k).fill(-Infinity);
    const topLabels = new Int32Array(k).fill(-1);
    let threshold = -Infinity;
    let found = 0;
    const end = Math.min(labelEnd, this.#capacity);
    for (let label = 0; label < end; label++) {
      if (live[label] !== 1) continue;
      const score = dot(rows, label * dim, query, dim);
      if (found >= k && score <= threshold) continue;
      // Slot 0 holds the k-th best (or an empty -Infinity slot while not full): overwrite it and bubble up.
      if (found < k) found++;
      let i = 0;
      while (i + 1 < k && topScores[i + 1]! < score) {
        topScores[i] = topScores[i + 1]!;
        topLabels[i] = topLabels[i + 1]!;
        i++;
      }
      topScores[i] = score;
      topLabels[i] = label;
      threshold = topScores[0]!;
    }
    const out: LabelScore[] = [];
    for (let i = k - 1; i >= k - found; i--) out.push({ label: topLabels[i]!, score: topScores[i]! });
    return out;
  }
}
