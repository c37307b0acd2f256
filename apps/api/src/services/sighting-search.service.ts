// The api's view of argus:sightings for search: a SightingIndex on worker threads (a search over a million
// sightings is tens of ms of synchronous hnswlib work, kept off the event loop), loaded from its last snapshot,
// caught up from the stream, kept current by tailing it, saved every search.snapshot_interval_s and at exit.
// Redis stays the source of truth: hits are read back from the stream, so an entry erased elsewhere never
// shows, and a person link shows only while that person is still enrolled.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { LoadedConfig } from '@argus/config';
import { SightingIndexWorker, type SightingHit, type SightingIndexOptions } from '@argus/gallery';
import type { Sighting } from '@argus/protocol';
import type { ImageStore, SightingRepository, WatchlistRepository } from '@argus/store';
import { parseImagePath } from '@argus/store';
import type { Logger } from 'pino';
import { ApiError } from '../api-error.ts';

export interface SightingSearchDeps {
  config: LoadedConfig;
  sightings: SightingRepository;
  watchlist: WatchlistRepository;
  images: ImageStore;
  log: Logger;
  /** Where the index snapshot lives; default <data>/snapshots/sightings. */
  snapshotDir?: string;
}

export interface SightingQueryInput {
  embeddings: Float32Array[];
  from?: number | undefined;
  to?: number | undefined;
  cameras?: readonly string[] | undefined;
  minScore?: number | undefined;
  limit?: number | undefined;
}

export interface FoundSighting {
  sighting: Sighting;
  score: number;
  person?: { id: string; name: string };
}

const CATCH_UP_PAGE = 1000;
const READY_WAIT_MS = 10_000;
const DAY_MS = 86_400_000;

export class SightingSearchService {
  private index: SightingIndexWorker | undefined;
  private indexed = 0;
  private lastId = '0-0'; // before the first entry: the stream id form snapshots require
  private readonly abort = new AbortController();
  private tailing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readyPromise: Promise<void> | undefined;
  private loaded = 0;
  private saving: Promise<void> | undefined;
  readonly snapshotDir: string;

  constructor(private readonly deps: SightingSearchDeps) {
    this.snapshotDir = deps.snapshotDir ?? join(deps.config.resolved.data, 'snapshots', 'sightings');
  }

  /** Sightings in the index (as of the last add or search). */
  get size(): number {
    return this.indexed;
  }

  /** Loads the snapshot and catches up in the background; search waits for it (bounded). */
  start(): void {
    this.readyPromise ??= this.load().then(
      () => {
        this.tailing = this.deps.sightings.tail(this.lastId, (s) => this.add([s]), { signal: this.abort.signal, log: this.deps.log });
        this.tailing.catch((err: unknown) => this.deps.log.error({ err }, `sightings index: tail stopped: ${(err as Error).message}`));
        const every = this.deps.config.search.snapshotIntervalS;
        if (every > 0) {
          this.timer = setInterval(() => void this.maintain(), every * 1000);
          this.timer.unref();
        }
      },
      (err: unknown) => {
        this.deps.log.error({ err }, `sightings index: cannot load: ${(err as Error).message}`);
        throw err;
      },
    );
    this.readyPromise.catch(() => undefined);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.abort.abort();
    await this.tailing?.catch(() => undefined);
    if (this.readyPromise) {
      const ok = await this.readyPromise.then(() => true, () => false);
      if (ok) await this.save();
    }
    await this.index?.close();
  }

  /** Resolves once the index holds every sighting that existed at start. */
  async ready(waitMs = READY_WAIT_MS): Promise<void> {
    if (!this.readyPromise) this.start();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new ApiError(503, 'SEARCH_NOT_READY', `the sightings index is still loading (${this.loaded} sightings so far): try again in a few seconds`)),
        waitMs,
      );
    });
    try {
      await Promise.race([this.readyPromise, timeout]);
    } catch (err) {
      if (err instanceof ApiError) throw err;
      throw new ApiError(503, 'SEARCH_NOT_READY', `the sightings index could not be loaded (${(err as Error).message}): see the api log`);
    } finally {
      clearTimeout(timer);
    }
  }

  async search(query: SightingQueryInput): Promise<FoundSighting[]> {
    await this.ready();
    const limit = Math.min(query.limit ?? 50, this.deps.config.search.maxResults);
    const index = this.requireIndex();
    const hits: SightingHit[] = await index.search({
      embeddings: query.embeddings,
      limit,
      ...(query.from !== undefined ? { from: query.from } : {}),
      ...(query.to !== undefined ? { to: query.to } : {}),
      ...(query.cameras?.length ? { cameras: query.cameras } : {}),
      ...(query.minScore !== undefined ? { minScore: query.minScore } : {}),
    });
    this.indexed = await index.size();
    const stored = new Map((await this.deps.sightings.getMany(hits.map((h) => h.id))).map((s) => [s.id, s]));
    const names = new Map<string, string | null>();
    const found: FoundSighting[] = [];
    for (const hit of hits) {
      const sighting = stored.get(hit.id);
      if (!sighting) continue; // erased or trimmed since it was indexed
      let person: FoundSighting['person'];
      if (sighting.personId) {
        if (!names.has(sighting.personId)) names.set(sighting.personId, (await this.deps.watchlist.getPerson(sighting.personId))?.name ?? null);
        const name = names.get(sighting.personId);
        if (name) person = { id: sighting.personId, name };
      }
      found.push({ sighting, score: hit.score, ...(person ? { person } : {}) });
    }
    return found;
  }

  /** A removed person: their sightings stay (they are still faces seen on camera) but lose the link. */
  async unlinkPerson(personId: string): Promise<number> {
    return this.index ? this.index.unlinkPerson(personId) : 0;
  }

  /** Erasure: removes the person's sightings from Redis, their thumbnails from disk, and from the index. */
  async erasePerson(personId: string): Promise<{ sightingsRemoved: number; thumbsDeleted: number }> {
    const { removed, thumbPaths, ids } = await this.deps.sightings.removeByPerson(personId);
    if (this.index) await this.index.remove(ids);
    let thumbsDeleted = 0;
    for (const path of thumbPaths) {
      try {
        const { kind, id } = parseImagePath(path);
        if (await this.deps.images.remove(kind, id)) thumbsDeleted++;
      } catch (err) {
        this.deps.log.warn({ err, path }, `erasure: thumbnail ${path} not deleted: ${(err as Error).message}`);
      }
    }
    this.deps.log.info({ person: personId, sightingsRemoved: removed, thumbsDeleted }, `erased ${removed} sightings of person ${personId}`);
    return { sightingsRemoved: removed, thumbsDeleted };
  }

  private requireIndex(): SightingIndexWorker {
    if (!this.index) throw new ApiError(503, 'SEARCH_NOT_READY', 'the sightings index is not loaded: see the api log');
    return this.index;
  }

  private indexOptions(): SightingIndexOptions & { threads: number } {
    const s = this.deps.config.search;
    return { partitionHours: s.partitionHours, efSearch: s.efSearch, exactBelow: s.exactBelow, threads: s.threads };
  }

  private async add(sightings: readonly Sighting[]): Promise<void> {
    if (sightings.length === 0) return;
    await this.requireIndex().addMany(
      sightings.map((s) => ({ id: s.id, camera: s.camera, start: s.start, end: s.end, embedding: s.embedding, ...(s.personId ? { personId: s.personId } : {}) })),
    );
    this.lastId = sightings[sightings.length - 1]!.id;
    this.loaded += sightings.length;
    this.indexed += sightings.length;
  }

  private async load(): Promise<void> {
    const started = Date.now();
    try {
      const snapshot = await SightingIndexWorker.load(this.snapshotDir, this.indexOptions());
      if (snapshot) {
        this.index = snapshot.index;
        this.lastId = snapshot.lastId;
        this.indexed = await snapshot.index.size();
        this.deps.log.info(`sightings index: snapshot with ${this.indexed} sightings up to ${snapshot.lastId}`);
      }
    } catch (err) {
      this.deps.log.warn({ err }, `sightings index: snapshot in ${this.snapshotDir} not used (${(err as Error).message}); rebuilding from Redis`);
      this.lastId = '0-0';
    }
    this.index ??= await SightingIndexWorker.start(this.indexOptions());
    for (;;) {
      const page = await this.deps.sightings.readAfter(this.lastId, CATCH_UP_PAGE);
      await this.add(page);
      if (page.length < CATCH_UP_PAGE) break;
      if (this.loaded % 50_000 < CATCH_UP_PAGE) this.deps.log.info(`sightings index: ${this.loaded} sightings loaded`);
    }
    await this.dropExpired();
    this.deps.log.info(`sightings index ready: ${this.indexed} sightings in ${Date.now() - started} ms`);
  }

  private async dropExpired(): Promise<void> {
    const index = this.requireIndex();
    const dropped = await index.dropOlderThan(Date.now() - this.deps.config.retention.sightingsDays * DAY_MS);
    this.indexed = await index.size();
    if (dropped > 0) this.deps.log.info(`sightings index: ${dropped} sightings past retention dropped`);
  }

  private async maintain(): Promise<void> {
    try {
      await this.dropExpired();
    } catch (err) {
      this.deps.log.warn({ err }, `sightings index: retention not applied: ${(err as Error).message}`);
    }
    await this.save();
  }

  private async save(): Promise<void> {
    if (this.saving) return this.saving;
    this.saving = (async () => {
      try {
        await mkdir(this.snapshotDir, { recursive: true });
        if (this.index) await this.index.save(this.snapshotDir, this.lastId);
      } catch (err) {
        this.deps.log.warn({ err }, `sightings index: snapshot not saved: ${(err as Error).message}`);
      } finally {
        this.saving = undefined;
      }
    })();
    return this.saving;
  }
}
