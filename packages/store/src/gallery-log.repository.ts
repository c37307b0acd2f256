// argus:gallery:log: the ordered add/remove events every gallery replica applies. Never trimmed: it grows
// by one small entry per enrolled face, and a snapshot's lastLogId must stay resolvable.
import type { GalleryEvent } from '@argus/protocol';
import { assertEmbedding, decodeEmbedding, encodeEmbedding } from './embedding-codec.ts';
import { assertId } from './ids.ts';
import { keys } from './keys.ts';
import { binaryView, type BinaryRedisClient, type RedisClient } from './redis-client.ts';
import { StoreError } from './store-error.ts';
import { fieldString, lastStreamId, optionalFieldString, readEntriesAfter, tailStream, type StreamFields, type TailOptions } from './streams.ts';

export interface LoggedGalleryEvent {
  /** Stream id of the entry: the replica's resume cursor. */
  id: string;
  event: GalleryEvent;
}

/** Stream fields of an event. Face ids never contain "," (see assertId), so a list is comma-joined. */
export function encodeGalleryEvent(event: GalleryEvent): Record<string, string | Buffer> {
  if (event.op === 'add') {
    return {
      op: 'add',
      face: assertId(event.faceId, 'face id'),
      person: assertId(event.personId, 'person id'),
      embedding: encodeEmbedding(assertEmbedding(event.embedding)),
    };
  }
  const fields: Record<string, string> = { op: 'remove', faces: event.faceIds.map((id) => assertId(id, 'face id')).join(',') };
  if (event.personId !== undefined) fields.person = assertId(event.personId, 'person id');
  return fields;
}

export function decodeGalleryEvent(fields: StreamFields, entryId: string): GalleryEvent {
  const op = fieldString(fields, 'op', entryId);
  if (op === 'add') {
    const embedding = fields.embedding;
    if (!embedding) throw new StoreError('CORRUPT_ENTRY', `gallery event ${entryId} has no embedding`);
    return {
      op: 'add',
      faceId: fieldString(fields, 'face', entryId),
      personId: fieldString(fields, 'person', entryId),
      embedding: decodeEmbedding(embedding, `embedding of gallery event ${entryId}`),
    };
  }
  if (op === 'remove') {
    const faces = fieldString(fields, 'faces', entryId);
    const personId = optionalFieldString(fields, 'person');
    return { op: 'remove', faceIds: faces === '' ? [] : faces.split(','), ...(personId !== undefined ? { personId } : {}) };
  }
  throw new StoreError('CORRUPT_ENTRY', `gallery event ${entryId} has unknown op ${JSON.stringify(op)}`);
}

export class GalleryLogRepository {
  private readonly bin: BinaryRedisClient;

  constructor(private readonly client: RedisClient) {
    this.bin = binaryView(client);
  }

  /** Appends one event; returns its stream id. (WatchlistRepository appends inside its own transactions.) */
  async append(event: GalleryEvent): Promise<string> {
    return String(await this.client.xAdd(keys.galleryLog, '*', encodeGalleryEvent(event)));
  }

  /** Up to `count` events strictly after `afterId` ("0" for the beginning), oldest first. */
  async readAfter(afterId: string, count = 100): Promise<LoggedGalleryEvent[]> {
    const entries = await readEntriesAfter(this.bin, keys.galleryLog, afterId, count);
    return entries.map((e) => ({ id: e.id, event: decodeGalleryEvent(e.fields, e.id) }));
  }

  /** Id of the newest event, "0-0" when there is none. */
  lastId(): Promise<string> {
    return lastStreamId(this.client, keys.galleryLog);
  }

  /** Every event after `afterId` ("$": only new ones), in order, until `options.signal` aborts. */
  tail(afterId: string, onEvent: (event: GalleryEvent, id: string) => void | Promise<void>, options: TailOptions): Promise<void> {
    return tailStream(this.client, keys.galleryLog, afterId, (e) => onEvent(decodeGalleryEvent(e.fields, e.id), e.id), options);
  }
}
