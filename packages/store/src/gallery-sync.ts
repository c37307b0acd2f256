// Keeps one process's gallery replica equal to Redis: loads every enrolled face (or starts from a
// snapshot's last log id), then applies each argus:gallery:log event in order as it is written.
import type { GalleryEvent } from '@argus/protocol';
import { GalleryLogRepository } from './gallery-log.repository.ts';
import { keys } from './keys.ts';
import { silentLog, type RedisClient, type StoreLog } from './redis-client.ts';
import { assertStreamId, compareStreamIds } from './streams.ts';
import { StoreError } from './store-error.ts';
import { WatchlistRepository } from './watchlist.repository.ts';

/**
 * What the replica applies events to (packages/gallery's Gallery has this method). It must be idempotent:
 * adding a face id that is present replaces it, removing an absent face id does nothing, because the
 * first events after a rebuild may repeat what the rebuild already loaded.
 */
export interface GallerySink {
  apply(event: GalleryEvent): void;
}

export interface GallerySyncOptions {
  client: RedisClient;
  sink: GallerySink;
  /** A snapshot's last applied log id: skip the rebuild and apply only the events after it. */
  fromLogId?: string;
  log?: StoreLog;
  /** XREAD BLOCK time of the tail; only affects how often an idle read is reissued. Default 5000 ms. */
  blockMs?: number;
}

export interface GallerySyncStart {
  /** Faces loaded by the rebuild (0 when starting from a snapshot). */
  rebuiltFaces: number;
  /** The log id the replica was at when tailing began. */
  fromLogId: string;
}

type AppliedListener = (id: string, event: GalleryEvent) => void;

export class GallerySync {
  private readonly galleryLog: GalleryLogRepository;
  private readonly watchlist: WatchlistRepository;
  private readonly listeners = new Set<AppliedListener>();
  private readonly log: StoreLog;
  private abort: AbortController | undefined;
  private tailing: Promise<void> | undefined;
  private applied = '0-0';

  constructor(private readonly options: GallerySyncOptions) {
    this.log = options.log ?? silentLog;
    this.galleryLog = new GalleryLogRepository(options.client);
    this.watchlist = new WatchlistRepository(options.client, { log: this.log });
  }

  /** Id of the last log event applied to the sink: what a gallery snapshot should record. */
  get lastAppliedId(): string {
    return this.applied;
  }

  /** Called after each tailed event has been applied to the sink. Returns an unsubscribe function. */
  onApplied(listener: AppliedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves once the replica has applied the log up to `logId` (e.g. the id addFace returned). */
  whenApplied(logId: string, timeoutMs = 5000): Promise<void> {
    if (compareStreamIds(this.applied, logId) >= 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new StoreError('TIMEOUT', `gallery replica did not reach log id ${logId} within ${timeoutMs} ms (at ${this.applied})`));
      }, timeoutMs);
      const off = this.onApplied((id) => {
        if (compareStreamIds(id, logId) < 0) return;
        clearTimeout(timer);
        off();
        resolve();
      });
    });
  }

  /** Loads the initial state into the sink, then keeps tailing in the background until stop(). */
  async start(): Promise<GallerySyncStart> {
    if (this.abort) throw new Error('GallerySync already started');
    this.abort = new AbortController();
    try {
      return await this.loadAndTail(this.abort.signal);
    } catch (err) {
      this.abort = undefined;
      throw err;
    }
  }

  async stop(): Promise<void> {
    this.abort?.abort();
    await this.tailing?.catch(() => undefined);
  }

  private async loadAndTail(signal: AbortSignal): Promise<GallerySyncStart> {
    let rebuiltFaces = 0;
    if (this.options.fromLogId !== undefined) {
      this.applied = assertStreamId(this.options.fromLogId, 'snapshot log id');
    } else {
      // One MULTI reads the log position and the face ids together: every face in the set was added at or
      // before that id, every later change is in the log after it.
      const [last, faceIds] = (await this.options.client.multi().xRevRange(keys.galleryLog, '+', '-', { COUNT: 1 }).sMembers(keys.faces).exec()) as unknown as [
        Array<{ id: string }>,
        string[],
      ];
      const faces = await this.watchlist.readFaces(faceIds);
      for (const face of faces) {
        this.options.sink.apply({ op: 'add', faceId: face.id, personId: face.personId, embedding: face.embedding });
      }
      rebuiltFaces = faces.length;
      this.applied = last[0] ? String(last[0].id) : '0-0';
    }
    const fromLogId = this.applied;
    this.tailing = this.galleryLog.tail(fromLogId, (event, id) => this.applyTailed(event, id), {
      signal,
      log: this.log,
      ...(this.options.blockMs !== undefined ? { blockMs: this.options.blockMs } : {}),
    });
    this.tailing.catch((err: unknown) => this.log.error(`gallery sync stopped: ${(err as Error).message}`));
    return { rebuiltFaces, fromLogId };
  }

  private applyTailed(event: GalleryEvent, id: string): void {
    try {
      this.options.sink.apply(event);
    } finally {
      // A sink that throws on one event is logged by the tail; the replica still moves past it.
      this.applied = id;
    }
    for (const listener of this.listeners) {
      try {
        listener(id, event);
      } catch (err) {
        this.log.error(`gallery sync: applied-listener failed: ${(err as Error).message}`);
      }
    }
  }
}
