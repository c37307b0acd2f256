// The api's view of argus:sightings for search: a SightingIndex on worker threads (a search over a million
// sightings is tens of ms of synchronous hnswlib work, kept off the event loop), loaded from its last snapshot,
// caught up from the stream, kept current by tailing it, saved every search.snapshot_interval_s and at exit.
// Redis stays the source of truth: hits are read back from the stream, so an entry erased elsewhere never
// shows, and a person link shows only while that person is still enrolled.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { LoadedConfig } from '@argus/config';
import { SightingIndexWorker, type SightingIndexOptions, type SightingQuery } from '@argus/gallery';
import type { Sighting } from '@argus/protocol';
import type { ImageStore, SightingRepository, WatchlistRepository } from '@argus/store';
import type { Logger } from 'pino';
import { ApiError } from '../api-error.ts';

export interface SightingSearchDeps {
  config: LoadedConfig;
  sightings: SightingRepository;
  watchlist: WatchlistRepository;
  images: ImageStore;
  log: Logger;
}

/** The index's query; `limit` defaults to DEFAULT_SEARCH_LIMIT, at most search.max_results. */
export type SightingQueryInput = Omit<SightingQuery, 'limit'> & { limit?: number | undefined };

export const DEFAULT_SEARCH_LIMIT = 50;

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
  private saving: Promise<void> | undefined;
  readonly snapshotDir: string;

  constructor(private readonly deps: SightingSearchDeps) {
    this.snapshotDir = join(deps.config.resolved.data, 'snapshots', 'sightings');
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
  async ready(): Promise<void> {
    if (!this.readyPromise) this.start();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new ApiError(503, 'SEARCH_NOT_READY', `the sightings index is still loading (${this.indexed} sightings so far): try again in a few seconds`)),
        READY_WAIT_MS,
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
    const limit = Math.min(query.limit ?? DEFAULT_SEARCH_LIMIT, this.deps.config.search.maxResults);
    // No cameras named means all of them (to the index, an empty list matches none).
    const hits = await this.requireIndex().search({ ...query, limit, cameras: query.cameras?.length ? query.cameras : undefined });
    const stored = new Map((await this.deps.sightings.getMany(hits.map((h) => h.id))).map((s) => [s.id, s]));
    // The people named by the hits, each read once (in one pipelined round trip); a removed one reads as null.
    const personIds = [...new Set([...stored.values()].flatMap((s) => (s.personId ? [s.personId] : [])))];
    const people = await Promise.all(personIds.map((id) => this.deps.watchlist.getPerson(id)));
    const names = new Map(personIds.map((id, i) => [id, people[i]?.name]));
    return hits.flatMap((hit): FoundSighting[] => {
      const sighting = stored.get(hit.id);
      if (!sighting) return []; // erased or trimmed since it was indexed
      const name = sighting.personId ? names.get(sighting.personId) : undefined;
      return [{ sighting, score: hit.score, ...(name ? { person: { id: sighting.personId!, name } } : {}) }];
    });
  }

  /**
   * A removed person: their sightings stay (they are still faces seen on camera) but lose the link, which search
   * resolves against the watchlist when it reads results; returns how many indexed sightings named them.
   */
  async unlinkPerson(personId: string): Promise<number> {
    return this.index ? this.index.unlinkPerson(personId) : 0;
  }

  /** Erasure: removes the person's sightings from Redis, their thumbnails from disk, and from the index. */
  async erasePerson(personId: string): Promise<{ sightingsRemoved: number; thumbsDeleted: number }> {
    const { removed, thumbPaths, ids } = await this.deps.sightings.removeByPerson(personId);
    if (this.index) this.indexed -= await this.index.remove(ids);
    const thumbsDeleted = await this.deps.images.removePaths(thumbPaths, (path, err) => this.deps.log.warn({ err, path }, `erasure: thumbnail ${path} not deleted: ${err.message}`));
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
      if (this.indexed % 50_000 < CATCH_UP_PAGE) this.deps.log.info(`sightings index: ${this.indexed} sightings loaded`);
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
