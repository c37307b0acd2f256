// Watchlist persons and their enrolled faces. Every change to the face set is one MULTI that writes the
// records AND appends the matching argus:gallery:log event, guarded by WATCH so that a concurrent change
// (a person removed while a face is being added) aborts the whole transaction instead of half-writing it.
// WATCH state belongs to a connection, and node-redis multiplexes one connection for all its callers (any
// EXEC clears every WATCH on it), so watched transactions run one at a time on a connection of their own.
import { personSchema, type EnrolledFace, type Person } from '@argus/protocol';
import { ClientOfflineError, DisconnectsClientError, SocketClosedUnexpectedlyError, WatchError } from 'redis';
import { assertEmbedding, decodeEmbedding, encodeEmbedding } from './embedding-codec.ts';
import { encodeGalleryEvent } from './gallery-log.repository.ts';
import { assertId, newId } from './ids.ts';
import type { ImageStore } from './image-store.ts';
import { keys } from './keys.ts';
import { binaryView, dedicatedClient, silentLog, untilReady, type BinaryRedisClient, type RedisClient, type StoreLog } from './redis-client.ts';
import { StoreError } from './store-error.ts';

export interface NewPerson {
  name: string;
  notes?: string;
}

export interface PersonSummary extends Person {
  faceCount: number;
}

export interface NewFace {
  personId: string;
  embedding: Float32Array;
  quality: number;
  /** Relative path from ImageStore.save ("faces/<faceId>.jpg"), or "" when no image is kept. */
  imagePath: string;
  /** Generate with newId() first when the image file is named by it; a new id otherwise. */
  faceId?: string;
}

export interface RemovedFaces {
  personId: string;
  faceIds: string[];
  /** Stored image paths of the removed faces (relative to the ImageStore root). */
  imagePaths: string[];
  /** Id of the `remove` event in argus:gallery:log. */
  logId: string;
  /** How many image files were deleted (only when an ImageStore was passed). */
  imagesDeleted: number;
}

export type WatchlistOperation = 'addFace' | 'removePerson' | 'removeFace';

export interface WatchlistOptions {
  log?: StoreLog;
  /** WATCH conflicts retried before failing with CONFLICT. Default 5. */
  maxAttempts?: number;
  /**
   * Runs after the watched reads and before EXEC. Production code leaves it out; integration tests use it
   * to change a watched key from another connection and prove the transaction then writes nothing.
   */
  beforeCommit?: (operation: WatchlistOperation) => void | Promise<void>;
}

const FACE_FIELDS = ['person', 'embedding', 'quality', 'imagePath'] as const;

export class WatchlistRepository {
  // The records are already gone; a stray file is logged, never a reason to fail the removal.
  private readonly logImageError = (path: string, err: Error): void => this.log.warn(`watchlist: could not delete image ${path}: ${err.message}`);

  private readonly bin: BinaryRedisClient;
  private readonly log: StoreLog;
  private readonly maxAttempts: number;
  private readonly beforeCommit: WatchlistOptions['beforeCommit'];
  private txClient: Promise<RedisClient> | undefined;
  private lane: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly client: RedisClient,
    options: WatchlistOptions = {},
  ) {
    this.bin = binaryView(client);
    this.log = options.log ?? silentLog;
    this.maxAttempts = options.maxAttempts ?? 5;
    this.beforeCommit = options.beforeCommit;
  }

  async createPerson(input: NewPerson): Promise<Person> {
    const parsed = personSchema.safeParse({ id: newId(), name: input.name?.trim(), notes: input.notes ?? '', created: Date.now() });
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'person'}: ${i.message}`).join('; ');
      throw new StoreError('INVALID_INPUT', `cannot create person: ${problems}`);
    }
    const person = parsed.data;
    await this.client
      .multi()
      .hSet(keys.person(person.id), { name: person.name, notes: person.notes, created: String(person.created) })
      .sAdd(keys.persons, person.id)
      .exec();
    return person;
  }

  async getPerson(personId: string): Promise<Person | null> {
    const hash = await this.client.hGetAll(keys.person(personId));
    return Object.keys(hash).length === 0 ? null : decodePerson(personId, hash);
  }

  /** Every person with their face count, oldest first. */
  async listPersons(): Promise<PersonSummary[]> {
    const ids = await this.client.sMembers(keys.persons);
    const rows = await Promise.all(
      ids.map(async (id) => {
        const [hash, faceCount] = await Promise.all([this.client.hGetAll(keys.person(id)), this.client.sCard(keys.personFaces(id))]);
        return Object.keys(hash).length === 0 ? null : { ...decodePerson(id, hash), faceCount: Number(faceCount) };
      }),
    );
    return rows.filter((p): p is PersonSummary => p !== null).sort((a, b) => a.created - b.created || a.id.localeCompare(b.id));
  }

  /** Writes the face and its `add` gallery event atomically. NOT_FOUND when the person does not exist (or is removed meanwhile). */
  async addFace(input: NewFace): Promise<EnrolledFace & { logId: string }> {
    const personId = assertId(input.personId, 'person id');
    const faceId = input.faceId === undefined ? newId() : assertId(input.faceId, 'face id');
    const embedding = assertEmbedding(input.embedding);
    if (!Number.isFinite(input.quality)) throw new StoreError('INVALID_INPUT', `face quality must be a finite number, got ${input.quality}`);
    if (typeof input.imagePath !== 'string') throw new StoreError('INVALID_INPUT', 'face imagePath must be a string ("" for none)');
    const face: EnrolledFace = { id: faceId, personId, quality: input.quality, imagePath: input.imagePath, embedding };

    return this.watched('addFace', async (tx) => {
      await tx.watch([keys.person(personId), keys.face(faceId)]);
      const [personExists, faceExists] = await Promise.all([tx.exists(keys.person(personId)), tx.exists(keys.face(faceId))]);
      if (!personExists) throw new StoreError('NOT_FOUND', `person ${personId} does not exist: create the person first`);
      if (faceExists) throw new StoreError('CONFLICT', `face ${faceId} already exists: use a new id`);
      await this.beforeCommit?.('addFace');
      const multi = tx
        .multi()
        .hSet(keys.face(faceId), {
          person: personId,
          embedding: encodeEmbedding(embedding),
          quality: String(face.quality),
          imagePath: face.imagePath,
        })
        .sAdd(keys.personFaces(personId), faceId)
        .sAdd(keys.faces, faceId)
        .xAdd(keys.galleryLog, '*', encodeGalleryEvent({ op: 'add', faceId, personId, embedding }));
      const replies = await execWatched(tx, multi);
      return { ...face, logId: String(replies[3]) };
    });
  }

  /** One face, or null. */
  async getFace(faceId: string): Promise<EnrolledFace | null> {
    const [face] = await this.readFaces([faceId]);
    return face ?? null;
  }

  /** The person's faces (empty when the person has none or does not exist). */
  async facesOf(personId: string): Promise<EnrolledFace[]> {
    return this.readFaces(await this.client.sMembers(keys.personFaces(personId)));
  }

  /** Every enrolled face: what a gallery is rebuilt from. */
  async allFaces(): Promise<EnrolledFace[]> {
    return this.readFaces(await this.client.sMembers(keys.faces));
  }

  /** Reads faces by id in chunks; ids whose hash is gone (removed meanwhile) or is damaged are left out. */
  async readFaces(faceIds: readonly string[], chunk = 500): Promise<EnrolledFace[]> {
    const out: EnrolledFace[] = [];
    for (let i = 0; i < faceIds.length; i += chunk) {
      const slice = faceIds.slice(i, i + chunk);
      const hashes = await Promise.all(slice.map((id) => this.bin.hmGet(keys.face(id), [...FACE_FIELDS])));
      slice.forEach((id, j) => {
        const values = hashes[j] as unknown as Array<Buffer | null>;
        if (values.every((v) => v === null)) return;
        try {
          out.push(decodeFace(id, values));
        } catch (err) {
          // One damaged record must not keep a gallery from loading; it is reported and left out.
          this.log.error(`watchlist: ${(err as Error).message}; face left out`);
        }
      });
    }
    return out;
  }

  /**
   * Deletes the person, their faces and face sets and appends one `remove` event, atomically.
   * With `images`, then deletes the faces' image files too. NOT_FOUND when there is no such person.
   */
  async removePerson(personId: string, options: { images?: ImageStore } = {}): Promise<RemovedFaces> {
    assertId(personId, 'person id');
    const removed = await this.watched('removePerson', async (tx) => {
      await tx.watch([keys.person(personId), keys.personFaces(personId)]);
      if (!(await tx.exists(keys.person(personId)))) {
        throw new StoreError('NOT_FOUND', `person ${personId} does not exist (already removed?)`);
      }
      const faceIds = (await tx.sMembers(keys.personFaces(personId))).sort();
      const imagePaths = (await Promise.all(faceIds.map((id) => tx.hGet(keys.face(id), 'imagePath')))).filter(
        (p): p is string => typeof p === 'string' && p !== '',
      );
      await this.beforeCommit?.('removePerson');
      const multi = tx.multi().del([keys.person(personId), keys.personFaces(personId), ...faceIds.map((id) => keys.face(id))]).sRem(keys.persons, personId);
      if (faceIds.length > 0) multi.sRem(keys.faces, faceIds);
      multi.xAdd(keys.galleryLog, '*', encodeGalleryEvent({ op: 'remove', faceIds, personId }));
      const replies = await execWatched(tx, multi);
      return { personId, faceIds, imagePaths, logId: String(replies[replies.length - 1]), imagesDeleted: 0 };
    });
    if (options.images) removed.imagesDeleted = await options.images.removePaths(removed.imagePaths, this.logImageError);
    return removed;
  }

  /** Deletes one face and appends its `remove` event, atomically. NOT_FOUND when there is no such face. */
  async removeFace(faceId: string, options: { images?: ImageStore } = {}): Promise<RemovedFaces> {
    assertId(faceId, 'face id');
    const removed = await this.watched('removeFace', async (tx) => {
      await tx.watch(keys.face(faceId));
      const [personId, imagePath] = await tx.hmGet(keys.face(faceId), ['person', 'imagePath']);
      if (personId === null || personId === undefined) throw new StoreError('NOT_FOUND', `face ${faceId} does not exist (already removed?)`);
      await this.beforeCommit?.('removeFace');
      const multi = tx
        .multi()
        .del(keys.face(faceId))
        .sRem(keys.personFaces(personId), faceId)
        .sRem(keys.faces, faceId)
        .xAdd(keys.galleryLog, '*', encodeGalleryEvent({ op: 'remove', faceIds: [faceId], personId }));
      const replies = await execWatched(tx, multi);
      return { personId, faceIds: [faceId], imagePaths: imagePath ? [imagePath] : [], logId: String(replies[3]), imagesDeleted: 0 };
    });
    if (options.images) removed.imagesDeleted = await options.images.removePaths(removed.imagePaths, this.logImageError);
    return removed;
  }

  /** Closes the connection of watched transactions (it never keeps the process alive; closing is tidy, not required). */
  async close(): Promise<void> {
    const tx = await this.txClient?.catch(() => undefined);
    this.txClient = undefined;
    if (tx?.isOpen) tx.destroy();
  }

  /**
   * Runs a WATCH...EXEC body on the transaction connection, one at a time, retrying when a watched key
   * changed or when the connection was down before anything was sent. A connection lost while EXEC may
   * have been in flight is REDIS_UNAVAILABLE: the change was applied entirely or not at all.
   */
  private watched<T>(operation: WatchlistOperation, body: (tx: RedisClient) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      const tx = await this.transactionClient();
      for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
        try {
          return await body(tx);
        } catch (err) {
          if (tx.isWatching && tx.isReady) await tx.unwatch().catch(() => undefined);
          if (err instanceof ClientOfflineError) {
            this.log.info(`watchlist ${operation}: Redis connection down, waiting to retry (${attempt}/${this.maxAttempts})`);
            await untilReady(tx, 5000);
            continue;
          }
          if (err instanceof SocketClosedUnexpectedlyError || err instanceof DisconnectsClientError) {
            throw new StoreError('REDIS_UNAVAILABLE', `watchlist ${operation}: Redis connection lost; the change was applied entirely or not at all: check and retry`, { cause: err });
          }
          if (!(err instanceof WatchError)) throw err;
          this.log.info(`watchlist ${operation}: concurrent change, retrying (${attempt}/${this.maxAttempts})`);
        }
      }
      throw new StoreError('CONFLICT', `watchlist ${operation} kept conflicting with concurrent changes; try again`);
    };
    const next = this.lane.then(run, run);
    this.lane = next.catch(() => undefined);
    return next;
  }

  private transactionClient(): Promise<RedisClient> {
    this.txClient ??= (async () => {
      const tx = dedicatedClient(this.client, this.log, 'redis watchlist transactions', {
        name: 'argus-watchlist-tx',
        // Queued commands would be replayed after a reconnect WITHOUT the WATCH (it belongs to the old
        // connection): fail them instead, and let watched() retry from the WATCH.
        disableOfflineQueue: true,
      });
      await tx.connect();
      tx.unref();
      return tx;
    })().catch((err: unknown) => {
      this.txClient = undefined;
      throw err;
    });
    return this.txClient;
  }

}

/**
 * EXEC, but only on a ready connection. node-redis queues a MULTI issued while it is reconnecting and sends
 * it on the NEW connection, which holds no WATCH: the check would be silently lost. Checking readiness in
 * the same tick as exec() closes that gap; a drop after it fails the queued commands (disableOfflineQueue).
 */
function execWatched<R>(tx: RedisClient, multi: { exec(): Promise<R> }): Promise<R> {
  if (!tx.isReady) return Promise.reject(new ClientOfflineError());
  return multi.exec();
}

function decodePerson(id: string, hash: Record<string, string>): Person {
  const created = Number(hash.created);
  const parsed = personSchema.safeParse({ id, name: hash.name, notes: hash.notes ?? '', created });
  if (!parsed.success) throw new StoreError('CORRUPT_ENTRY', `person ${id} in Redis is malformed: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

/** Values in FACE_FIELDS order. */
export function decodeFace(id: string, values: ReadonlyArray<Buffer | null | undefined>): EnrolledFace {
  const [person, embedding, quality, imagePath] = values;
  if (!person || !embedding) throw new StoreError('CORRUPT_ENTRY', `face ${id} in Redis has no ${person ? 'embedding' : 'person'}`);
  return {
    id,
    personId: person.toString('utf8'),
    quality: Number(quality?.toString('utf8') ?? 0),
    imagePath: imagePath?.toString('utf8') ?? '',
    embedding: decodeEmbedding(embedding, `embedding of face ${id}`),
  };
}
