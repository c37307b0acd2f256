// The watchlist index: one L2-normalised vector per enrolled face, label -> face -> person, searched by
// inner product (exact below `exactBelow` faces, hnswlib HNSW above) and grouped so a person scores their best face.
import hnswlib from 'hnswlib-node';
import type { GalleryEvent } from '@argus/protocol';
import { toUnitVector } from './embedding.ts';
import { FlatIndex } from './flat-index.ts';
import { GalleryError } from './gallery.errors.ts';
import { integerOptionProblems } from './index-options.ts';
import { readSnapshot, snapshotCorrupt, writeSnapshot, type FaceEntry, type SnapshotContents } from './gallery.snapshot.ts';

const { HierarchicalNSW } = hnswlib;
type HnswIndex = InstanceType<typeof HierarchicalNSW>;

export interface GalleryOptions {
  /** Embedding length; every add and query must match it. */
  dim?: number;
  /** HNSW graph degree (links per node on upper layers, twice that on layer 0). */
  m?: number;
  /** Candidate list size while inserting: higher builds a better graph, linearly slower. */
  efConstruction?: number;
  /** Candidate list size while searching (raised to k when k is larger): the recall/latency knob. */
  efSearch?: number;
  /** Below this many faces, search is exact brute force (faster there, and exact). */
  exactBelow?: number;
  /** Slots allocated up front; the index doubles when full. */
  initialCapacity?: number;
}

/**
 * Chosen with bench/src/gallery.bench.ts (512-d synthetic faces at cosine 0.6-0.75 to their identity, 2-core EPYC):
 * - M=32, efConstruction=200, efSearch=128: recall@1 against exact search 1.000 at 10k faces and 0.991 at 100k,
 *   search p50/p99 1.0/2.4 ms at 10k and 2.5/3.9 ms at 100k. Graph quality mattered more than efSearch: M=16 stayed
 *   at 0.82 at 100k even with efSearch=256. The price is build speed (~185 adds/s towards 100k faces), which
 *   snapshots keep off the start-up path.
 * - exactBelow=200: the JS brute force (~0.45 us per face) beats a native HNSW search only below 128-256 faces.
 * Past ~100k faces of this kind recall falls with size at any fixed cost; see the package README.
 */
export const GALLERY_DEFAULTS: Readonly<Required<GalleryOptions>> = Object.freeze({
  dim: 512,
  m: 32,
  efConstruction: 200,
  efSearch: 128,
  exactBelow: 200,
  initialCapacity: 1024,
});

/** Faces fetched before grouping by person; matches recognition.top_k in config/default.yaml. */
export const DEFAULT_K = 10;

export interface FaceMatch {
  faceId: string;
  personId: string;
  /** Cosine similarity in [-1, 1]. */
  score: number;
}

export interface PersonMatch {
  personId: string;
  /** The person's best face score. */
  score: number;
  /** The face that gave `score`. */
  faceId: string;
  /** Scores of this person's faces among the k nearest, best first. */
  faceScores: number[];
}

/** 'auto' picks exact below `exactBelow` faces, HNSW above; the others force one (benchmarks, checks). */
export type SearchStrategy = 'auto' | 'exact' | 'hnsw';

export interface SearchOptions {
  /** Nearest faces fetched before grouping (default DEFAULT_K). */
  k?: number;
  /** At most this many persons returned (default: all found among the k faces). */
  persons?: number;
  strategy?: SearchStrategy;
}

export interface GalleryStats {
  faces: number;
  persons: number;
  /** Slots allocated in the HNSW index and the flat matrix. */
  capacity: number;
  /** Labels ever handed out; removed ones wait in the free list for reuse. */
  labelsUsed: number;
  freeLabels: number;
  /** Bytes of the flat vector matrix (exact search, snapshots). */
  flatBytes: number;
  /** Estimated bytes of the hnswlib index (vectors + graph links) for the current capacity. */
  hnswBytes: number;
}

interface FaceSlot {
  faceId: string;
  personId: string;
}

export class Gallery {
  #options: Readonly<Required<GalleryOptions>>;
  #hnsw: HnswIndex;
  #flat: FlatIndex;
  #capacity: number;
  /** Labels 0..labelEnd-1 have been handed out to hnswlib (live or free). */
  #labelEnd = 0;
  #slots: (FaceSlot | undefined)[] = [];
  #faceLabels = new Map<string, number>();
  #personFaces = new Map<string, Set<string>>();
  #freeLabels: number[] = [];
  #saving: Promise<void> = Promise.resolve();

  constructor(options: GalleryOptions = {}) {
    this.#options = Object.freeze(resolveOptions(options));
    const { dim, m, efConstruction, efSearch, initialCapacity } = this.options;
    this.#capacity = initialCapacity;
    this.#hnsw = new HierarchicalNSW('ip', dim);
    this.#hnsw.initIndex({ maxElements: initialCapacity, m, efConstruction, randomSeed: 100, allowReplaceDeleted: false });
    this.#hnsw.setEf(efSearch);
    this.#flat = new FlatIndex(dim, initialCapacity);
  }

  get options(): Readonly<Required<GalleryOptions>> {
    return this.#options;
  }

  /** Changes the search candidate list size at run time (the recall/latency knob); kept in snapshots. */
  setEfSearch(efSearch: number): void {
    const options = resolveOptions({ ...this.#options, efSearch });
    this.#hnsw.setEf(options.efSearch);
    this.#options = Object.freeze(options);
  }

  /** What search with strategy 'auto' uses at the current size. */
  get activeStrategy(): 'exact' | 'hnsw' {
    return this.size < this.#options.exactBelow ? 'exact' : 'hnsw';
  }

  /** Number of enrolled faces. */
  get size(): number {
    return this.#faceLabels.size;
  }

  has(faceId: string): boolean {
    return this.#faceLabels.has(faceId);
  }

  /** Ids of persons with at least one face. */
  persons(): string[] {
    return [...this.#personFaces.keys()];
  }

  /** Face ids of one person (empty when unknown). */
  facesOf(personId: string): string[] {
    return [...(this.#personFaces.get(personId) ?? [])];
  }

  personOf(faceId: string): string | undefined {
    const label = this.#faceLabels.get(faceId);
    return label === undefined ? undefined : this.#slots[label]?.personId;
  }

  stats(): GalleryStats {
    const { dim, m } = this.options;
    // hnswlib layout: level 0 holds vector + 2M links + count + label per slot; upper levels average 1/(M-1) layers of M links.
    const level0 = this.#capacity * (dim * 4 + (2 * m + 1) * 4 + 8);
    const upper = Math.round((this.#labelEnd * (m + 1) * 4) / (m - 1));
    return {
      faces: this.size,
      persons: this.#personFaces.size,
      capacity: this.#capacity,
      labelsUsed: this.#labelEnd,
      freeLabels: this.#freeLabels.length,
      flatBytes: this.#flat.bytes,
      hnswBytes: level0 + upper,
    };
  }

  /**
   * Enrolls one face. The embedding is normalised here (callers need not); re-adding a known faceId replaces
   * its vector and person. Cost: one synchronous hnswlib insert, ~1 ms at 10k faces and ~6 ms at 100k with the
   * defaults; a bulk rebuild should yield to the event loop every few hundred adds.
   */
  add(faceId: string, personId: string, embedding: Float32Array): void {
    requireId(faceId, 'faceId');
    requireId(personId, 'personId');
    const unit = toUnitVector(embedding, this.options.dim, `face ${faceId}`);
    const existing = this.#faceLabels.get(faceId);
    if (existing !== undefined) {
      // hnswlib updates a known label in place (new vector, repaired links).
      this.#insertNative(unit, existing);
      this.#flat.set(existing, unit);
      const slot = this.#slots[existing]!;
      if (slot.personId !== personId) {
        this.#unlinkPerson(slot.personId, faceId);
        slot.personId = personId;
        this.#linkPerson(personId, faceId);
      }
      return;
    }
    const reused = this.#freeLabels.pop();
    const label = reused ?? this.#labelEnd;
    if (reused === undefined && label >= this.#capacity) this.#grow(this.#capacity * 2);
    try {
      // A freed label is still known to hnswlib as deleted: addPoint unmarks it and rewrites its vector and links.
      this.#insertNative(unit, label);
    } catch (err) {
      if (reused !== undefined) this.#freeLabels.push(reused);
      throw err;
    }
    if (reused === undefined) this.#labelEnd++;
    this.#flat.set(label, unit);
    this.#slots[label] = { faceId, personId };
    this.#faceLabels.set(faceId, label);
    this.#linkPerson(personId, faceId);
  }

  /** Removes faces (hnswlib markDelete, ~8 us each); unknown ids are ignored so replaying a log twice is harmless. Removed faces never match again. */
  remove(faceIds: readonly string[]): void {
    for (const faceId of faceIds) {
      const label = this.#faceLabels.get(faceId);
      if (label === undefined) continue;
      const slot = this.#slots[label]!;
      this.#hnsw.markDelete(label);
      this.#flat.clear(label);
      this.#slots[label] = undefined;
      this.#faceLabels.delete(faceId);
      this.#unlinkPerson(slot.personId, faceId);
      this.#freeLabels.push(label);
    }
  }

  /** Removes every face of a person; returns the removed face ids (empty when the person is unknown). */
  removePerson(personId: string): string[] {
    const faceIds = this.facesOf(personId);
    this.remove(faceIds);
    return faceIds;
  }

  /**
   * Applies one argus:gallery:log event, so a replica replays the log in order. A remove with an empty
   * faceIds list and a personId removes that whole person.
   */
  apply(event: GalleryEvent): void {
    switch (event.op) {
      case 'add':
        this.add(event.faceId, event.personId, event.embedding);
        return;
      case 'remove':
        if (event.faceIds.length === 0 && event.personId !== undefined) this.removePerson(event.personId);
        else this.remove(event.faceIds);
        return;
      default: {
        const op: unknown = (event as { op?: unknown }).op;
        throw new GalleryError('GALLERY_INVALID_ARGUMENT', `gallery event has unknown op ${JSON.stringify(op)}; expected 'add' or 'remove' (is this replica older than the writer?)`);
      }
    }
  }

  /**
   * The k nearest faces grouped by person, best person first; a person's score is their best face.
   * Synchronous: p50 ~1 ms at 10k faces, ~2.5 ms at 100k with the defaults (no worker thread needed at these sizes).
   */
  search(query: Float32Array, opts: SearchOptions = {}): PersonMatch[] {
    const faces = this.searchFaces(query, opts.k ?? DEFAULT_K, opts.strategy ?? 'auto');
    const maxPersons = opts.persons ?? Infinity;
    if (!(maxPersons >= 0)) throw new GalleryError('GALLERY_INVALID_ARGUMENT', `search: persons must be >= 0, got ${String(opts.persons)}`);
    const byPerson = new Map<string, PersonMatch>();
    // faces arrive best first, so the first face seen of a person is their best and Map order is person rank.
    for (const face of faces) {
      const match = byPerson.get(face.personId);
      if (match) match.faceScores.push(face.score);
      else byPerson.set(face.personId, { personId: face.personId, score: face.score, faceId: face.faceId, faceScores: [face.score] });
    }
    return [...byPerson.values()].slice(0, maxPersons);
  }

  /** The k nearest faces by cosine similarity, best first (fewer when the gallery is smaller). */
  searchFaces(query: Float32Array, k: number = DEFAULT_K, strategy: SearchStrategy = 'auto'): FaceMatch[] {
    if (!Number.isInteger(k) || k < 1) throw new GalleryError('GALLERY_INVALID_ARGUMENT', `search: k must be a positive integer, got ${String(k)}`);
    if (strategy !== 'auto' && strategy !== 'exact' && strategy !== 'hnsw') {
      throw new GalleryError('GALLERY_INVALID_ARGUMENT', `search: strategy must be 'auto', 'exact' or 'hnsw', got ${JSON.stringify(strategy)}`);
    }
    const unit = toUnitVector(query, this.options.dim, 'query');
    if (this.size === 0) return [];
    const want = Math.min(k, this.size);
    const exact = strategy === 'auto' ? this.activeStrategy === 'exact' : strategy === 'exact';
    const out: FaceMatch[] = [];
    if (exact) {
      for (const { label, score } of this.#flat.search(unit, want, this.#labelEnd)) {
        const slot = this.#slots[label];
        if (slot) out.push({ faceId: slot.faceId, personId: slot.personId, score });
      }
      return out;
    }
    const { neighbors, distances } = this.#hnsw.searchKnn(Array.from(unit), want);
    for (let i = 0; i < neighbors.length; i++) {
      const slot = this.#slots[neighbors[i]!];
      // 'ip' distance is 1 - dot.
      if (slot) out.push({ faceId: slot.faceId, personId: slot.personId, score: 1 - distances[i]! });
    }
    return out;
  }

  /**
   * Writes the hnswlib index and a JSON sidecar (labels, free labels, options, lastLogId) under `dir`.
   * Each file is written under a temporary name and renamed; the sidecar is renamed last and is the commit,
   * so a crash leaves the previous snapshot intact. The hnswlib write is synchronous (the index must not change
   * while it is written): it blocks the event loop for about 0.5 s per 100k faces (~2.2 KB a face into the page cache).
   */
  async saveSnapshot(dir: string, lastLogId: string): Promise<void> {
    if (typeof lastLogId !== 'string') {
      throw new GalleryError('GALLERY_INVALID_ARGUMENT', 'saveSnapshot: lastLogId must be the argus:gallery:log stream id the gallery has applied up to');
    }
    // One save at a time: each one removes the files of older snapshots when it commits.
    const previous = this.#saving;
    const save = previous.catch(() => undefined).then(() =>
      writeSnapshot(dir, () => ({
        state: {
          lastLogId,
          options: this.options,
          capacity: this.#capacity,
          labelEnd: this.#labelEnd,
          faces: this.#slots.flatMap((slot, label): FaceEntry[] => (slot ? [[label, slot.faceId, slot.personId]] : [])),
          freeLabels: [...this.#freeLabels],
        },
        writeIndexSync: (path) => this.#hnsw.writeIndexSync(path),
      })),
    );
    this.#saving = save;
    await save;
  }

  /** Loads a snapshot written by saveSnapshot; null when `dir` holds none. A damaged one throws GALLERY_SNAPSHOT_CORRUPT. */
  static async loadSnapshot(dir: string): Promise<{ gallery: Gallery; lastLogId: string } | null> {
    const contents = await readSnapshot(dir, async (indexPath, dim) => {
      const index = new HierarchicalNSW('ip', dim);
      await index.readIndex(indexPath);
      return index;
    });
    if (!contents) return null;
    return { gallery: Gallery.#restore(dir, contents), lastLogId: contents.lastLogId };
  }

  static #restore(dir: string, contents: SnapshotContents<HnswIndex>): Gallery {
    const corrupt = (reason: string, cause?: unknown): GalleryError => snapshotCorrupt(dir, reason, cause);
    const { options, index, capacity, labelEnd, faces, freeLabels, vectors } = contents;
    if (index.getNumDimensions() !== options.dim) throw corrupt(`index has ${index.getNumDimensions()} dimensions, sidecar says ${options.dim}`);
    if (index.getCurrentCount() !== labelEnd) throw corrupt(`index holds ${index.getCurrentCount()} labels, sidecar says ${labelEnd}`);
    // hnswlib reloads an empty index with zero capacity; give it back the capacity it was saved with.
    if (index.getMaxElements() !== capacity) index.resizeIndex(capacity);
    if (faces.length + freeLabels.length !== labelEnd) throw corrupt(`${faces.length} faces + ${freeLabels.length} free labels do not add up to ${labelEnd} labels`);
    let gallery: Gallery;
    try {
      // Its fresh native index (initialCapacity slots) is replaced just below by the loaded one.
      gallery = new Gallery(options);
    } catch (err) {
      throw corrupt((err as Error).message, err);
    }
    gallery.#hnsw = index;
    gallery.#hnsw.setEf(options.efSearch);
    gallery.#capacity = capacity;
    gallery.#flat = new FlatIndex(options.dim, capacity, vectors);
    gallery.#labelEnd = labelEnd;
    gallery.#slots = new Array<FaceSlot | undefined>(labelEnd);
    for (const [label, faceId, personId] of faces) {
      if (gallery.#slots[label] || gallery.#faceLabels.has(faceId)) throw corrupt(`label ${label} or face ${faceId} appears twice`);
      gallery.#slots[label] = { faceId, personId };
      gallery.#faceLabels.set(faceId, label);
      gallery.#linkPerson(personId, faceId);
      gallery.#flat.markLive(label);
    }
    for (const label of freeLabels) {
      if (gallery.#slots[label]) throw corrupt(`label ${label} is both free and in use`);
    }
    gallery.#freeLabels = [...freeLabels];
    return gallery;
  }

  #insertNative(unit: Float32Array, label: number): void {
    // hnswlib-node only takes plain arrays; the copy costs ~10 us for 512 floats.
    this.#hnsw.addPoint(Array.from(unit), label);
  }

  #grow(capacity: number): void {
    this.#hnsw.resizeIndex(capacity);
    this.#flat.grow(capacity);
    this.#capacity = capacity;
  }

  #linkPerson(personId: string, faceId: string): void {
    let faces = this.#personFaces.get(personId);
    if (!faces) this.#personFaces.set(personId, (faces = new Set()));
    faces.add(faceId);
  }

  #unlinkPerson(personId: string, faceId: string): void {
    const faces = this.#personFaces.get(personId);
    if (!faces) return;
    faces.delete(faceId);
    if (faces.size === 0) this.#personFaces.delete(personId);
  }
}

function requireId(value: unknown, what: string): asserts value is string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new GalleryError('GALLERY_INVALID_ARGUMENT', `${what} must be a non-empty string, got ${JSON.stringify(value)}`);
  }
}

function resolveOptions(options: GalleryOptions): Required<GalleryOptions> {
  const resolved = { ...GALLERY_DEFAULTS, ...stripUndefined(options) };
  const problems = integerOptionProblems(resolved, { dim: 1, m: 2, efConstruction: 1, efSearch: 1, exactBelow: 0, initialCapacity: 1 });
  if (problems.length > 0) throw new GalleryError('GALLERY_INVALID_OPTIONS', `invalid gallery options: ${problems.join('; ')}`);
  return resolved;
}

function stripUndefined(options: GalleryOptions): GalleryOptions {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as GalleryOptions;
}
