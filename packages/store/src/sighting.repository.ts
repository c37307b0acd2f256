// argus:sightings: one entry per track (known or unknown face) with its best embedding, so "has this face
// been here before?" is a search. The entry id is the sighting id; its time is when the track ended and
// the entry was written. Trimmed by age (XTRIM MINID) according to retention.
import { sightingSchema, type NewSighting, type Sighting } from '@argus/protocol';
import { assertEmbedding, decodeEmbedding, encodeEmbedding } from './embedding-codec.ts';
import { keys } from './keys.ts';
import { binaryView, type BinaryRedisClient, type RedisClient } from './redis-client.ts';
import { StoreError } from './store-error.ts';
import {
  assertStreamId,
  compactFields,
  fieldNumber,
  fieldString,
  optionalFieldNumber,
  optionalFieldString,
  readEntriesAfter,
  readEntriesRange,
  streamIdFromMs,
  tailStream,
  type StreamEntry,
  type TailOptions,
  parseEntry,
} from './streams.ts';

export interface SightingRange {
  /** Entries written at or after this time (ms since epoch). Default: the oldest kept. */
  from?: number;
  /** Entries written at or before this time (ms since epoch). Default: now. */
  to?: number;
  /** Default 1000, at most 10000; page on with readAfter(last id). */
  count?: number;
}

export interface TrimResult {
  removed: number;
  /** Thumbnails of the removed sightings, for the caller to delete from the ImageStore. */
  thumbPaths: string[];
}

export function encodeSighting(sighting: NewSighting): Record<string, string | Buffer> {
  const s = parseEntry(sightingSchema.omit({ id: true }), sighting, 'sighting');
  return compactFields({
    camera: s.camera,
    track: s.trackId,
    start: s.start,
    end: s.end,
    person: s.personId,
    personName: s.personName,
    score: s.score,
    quality: s.quality,
    thumb: s.thumbPath,
    embedding: encodeEmbedding(assertEmbedding(sighting.embedding, 'sighting embedding')),
  });
}

export function decodeSighting(entry: StreamEntry): Sighting {
  const { id, fields } = entry;
  const embedding = fields.embedding;
  if (!embedding) throw new StoreError('CORRUPT_ENTRY', `sighting ${id} has no embedding`);
  const personId = optionalFieldString(fields, 'person');
  const personName = optionalFieldString(fields, 'personName');
  const score = optionalFieldNumber(fields, 'score', id);
  const thumbPath = optionalFieldString(fields, 'thumb');
  return {
    id,
    camera: fieldString(fields, 'camera', id),
    trackId: fieldString(fields, 'track', id),
    start: fieldNumber(fields, 'start', id),
    end: fieldNumber(fields, 'end', id),
    ...(personId !== undefined ? { personId } : {}),
    ...(personName !== undefined ? { personName } : {}),
    ...(score !== undefined ? { score } : {}),
    quality: fieldNumber(fields, 'quality', id),
    ...(thumbPath !== undefined ? { thumbPath } : {}),
    embedding: decodeEmbedding(embedding, `embedding of sighting ${id}`),
  };
}

const TRIM_PAGE = 1000;

export class SightingRepository {
  private readonly bin: BinaryRedisClient;

  constructor(private readonly client: RedisClient) {
    this.bin = binaryView(client);
  }

  /** Appends the sighting; returns its id. */
  async publish(sighting: NewSighting): Promise<string> {
    return String(await this.client.xAdd(keys.sightings, '*', encodeSighting(sighting)));
  }

  async get(id: string): Promise<Sighting | null> {
    assertStreamId(id, 'sighting id');
    const [entry] = await readEntriesRange(this.bin, keys.sightings, id, id, 1);
    return entry ? decodeSighting(entry) : null;
  }

  /** The sightings that still exist among `ids`, in the order asked (one round trip). */
  async getMany(ids: readonly string[]): Promise<Sighting[]> {
    if (ids.length === 0) return [];
    for (const id of ids) assertStreamId(id, 'sighting id');
    const pages = await Promise.all(ids.map((id) => readEntriesRange(this.bin, keys.sightings, id, id, 1)));
    return pages.flatMap((page) => page.map(decodeSighting));
  }

  /**
   * Erasure: deletes every sighting matched to `personId` (one pass over the whole stream, a page at a time);
   * returns how many and their thumbnails for the caller to delete from the ImageStore.
   */
  async removeByPerson(personId: string): Promise<TrimResult & { ids: string[] }> {
    const ids: string[] = [];
    const thumbPaths: string[] = [];
    await this.scan('-', '+', (id, fields) => {
      if (fields.person !== personId) return;
      ids.push(id);
      if (fields.thumb) thumbPaths.push(fields.thumb);
    });
    const batches: string[][] = [];
    for (let i = 0; i < ids.length; i += TRIM_PAGE) batches.push(ids.slice(i, i + TRIM_PAGE));
    const removed = (await Promise.all(batches.map((batch) => this.client.xDel(keys.sightings, batch)))).reduce((sum, n) => sum + Number(n), 0);
    return { removed, thumbPaths, ids };
  }

  /** Visits the text fields of every entry in [start, end] (stream ids or "-"/"+"), oldest first, a page at a time. */
  private async scan(start: string, end: string, visit: (id: string, fields: Record<string, string | undefined>) => void): Promise<void> {
    let cursor = start;
    for (;;) {
      const page = await this.client.xRange(keys.sightings, cursor, end, { COUNT: TRIM_PAGE });
      for (const entry of page) visit(String(entry.id), entry.message as Record<string, string | undefined>);
      if (page.length < TRIM_PAGE) return;
      cursor = `(${String(page[page.length - 1]!.id)}`;
    }
  }

  /** Sightings written within [from, to], oldest first. */
  async readRange(range: SightingRange = {}): Promise<Sighting[]> {
    const count = Math.min(Math.max(1, Math.floor(range.count ?? 1000)), 10_000);
    const start = range.from !== undefined ? streamIdFromMs(range.from) : '-';
    const end = range.to !== undefined ? `${Math.max(0, Math.floor(range.to))}-18446744073709551615` : '+';
    return (await readEntriesRange(this.bin, keys.sightings, start, end, count)).map(decodeSighting);
  }

  /** Up to `count` sightings strictly after `afterId` ("0" for the oldest kept), oldest first. */
  async readAfter(afterId: string, count = 1000): Promise<Sighting[]> {
    return (await readEntriesAfter(this.bin, keys.sightings, afterId, count)).map(decodeSighting);
  }

  /** Every sighting after `afterId` ("$": only new ones), in order, until `options.signal` aborts. */
  tail(afterId: string, onSighting: (sighting: Sighting) => void | Promise<void>, options: TailOptions): Promise<void> {
    return tailStream(this.client, keys.sightings, afterId, (entry) => onSighting(decodeSighting(entry)), options);
  }

  /** Removes sightings written more than `ageMs` before `now`; returns their thumbnails for deletion. */
  async trimOlderThan(ageMs: number, now = Date.now()): Promise<TrimResult> {
    if (!(ageMs >= 0)) throw new StoreError('INVALID_INPUT', `trim age must be >= 0 ms, got ${ageMs}`);
    const minId = streamIdFromMs(now - ageMs);
    const thumbPaths: string[] = [];
    // Collect the thumbnails first (only the "thumb" field is kept in memory), then trim in one command.
    await this.scan('-', `(${minId}`, (_id, fields) => {
      if (fields.thumb) thumbPaths.push(fields.thumb);
    });
    const removed = await this.client.xTrim(keys.sightings, 'MINID', minId);
    return { removed: Number(removed), thumbPaths };
  }
}
