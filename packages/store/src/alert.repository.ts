// argus:alerts: one stream entry per alert; the entry id is the alert id and the WebSocket resume cursor.
// Capped with approximate MAXLEN trimming. Acknowledgements live beside it in argus:alert:acks.
import { alertSchema, type Alert, type NewAlert } from '@argus/protocol';
import { keys } from './keys.ts';
import { binaryView, type BinaryRedisClient, type RedisClient } from './redis-client.ts';
import { StoreError } from './store-error.ts';
import {
  assertStreamId,
  compactFields,
  compareStreamIds,
  fieldNumber,
  fieldString,
  optionalFieldNumber,
  optionalFieldString,
  readEntriesAfter,
  readEntriesRange,
  readEntriesReverse,
  streamIdFromMs,
  tailStream,
  type StreamEntry,
  type TailOptions,
  parseEntry,
} from './streams.ts';

export interface AlertAck {
  by: string;
  /** ms since epoch */
  at: number;
}

export type StoredAlert = Alert & { ack?: AlertAck };

export interface AlertQuery {
  camera?: string;
  person?: string;
  /** Only alerts written at or after this time (ms since epoch). */
  since?: number;
  /** Only alerts older than this alert id: the paging cursor (pass the last id of the previous page). */
  before?: string;
  /** Default 50, at most 1000. */
  limit?: number;
}

export const DEFAULT_ALERTS_MAX_LEN = 100_000;

export function encodeAlert(alert: NewAlert): Record<string, string> {
  const a = parseEntry(alertSchema.omit({ id: true }), alert, 'alert');
  return compactFields({
    camera: a.camera,
    person: a.personId,
    personName: a.personName,
    score: a.score,
    ts: a.ts,
    track: a.trackId,
    face: a.faceId,
    thumbUrl: a.thumbUrl,
    latencyMs: a.latencyMs,
  }) as Record<string, string>;
}

export function decodeAlert(entry: StreamEntry): Alert {
  const { id, fields } = entry;
  const faceId = optionalFieldString(fields, 'face');
  const thumbUrl = optionalFieldString(fields, 'thumbUrl');
  const latencyMs = optionalFieldNumber(fields, 'latencyMs', id);
  return {
    id,
    camera: fieldString(fields, 'camera', id),
    personId: fieldString(fields, 'person', id),
    personName: fieldString(fields, 'personName', id),
    score: fieldNumber(fields, 'score', id),
    ts: fieldNumber(fields, 'ts', id),
    trackId: fieldString(fields, 'track', id),
    ...(faceId !== undefined ? { faceId } : {}),
    ...(thumbUrl !== undefined ? { thumbUrl } : {}),
    ...(latencyMs !== undefined ? { latencyMs } : {}),
  };
}

const PAGE = 500;

export class AlertRepository {
  private readonly bin: BinaryRedisClient;
  private readonly maxLen: number;

  /** `maxLen`: the stream keeps about this many newest alerts (MAXLEN ~). */
  constructor(
    private readonly client: RedisClient,
    options: { maxLen?: number } = {},
  ) {
    this.bin = binaryView(client);
    this.maxLen = options.maxLen ?? DEFAULT_ALERTS_MAX_LEN;
  }

  /** Appends the alert; returns its id. */
  async publish(alert: NewAlert): Promise<string> {
    const id = await this.client.xAdd(keys.alerts, '*', encodeAlert(alert), {
      TRIM: { strategy: 'MAXLEN', strategyModifier: '~', threshold: this.maxLen },
    });
    return String(id);
  }

  async get(id: string): Promise<StoredAlert | null> {
    assertStreamId(id, 'alert id');
    const [entry] = await readEntriesRange(this.bin, keys.alerts, id, id, 1);
    return entry ? (await this.withAcks([decodeAlert(entry)]))[0]! : null;
  }

  /** Newest first, filtered by camera and person, with acknowledgements. */
  async list(query: AlertQuery = {}): Promise<StoredAlert[]> {
    const limit = Math.min(Math.max(1, Math.floor(query.limit ?? 50)), 1000);
    const low = query.since !== undefined ? streamIdFromMs(query.since) : '-';
    let high = query.before !== undefined ? `(${assertStreamId(query.before, 'before')}` : '+';
    const out: Alert[] = [];
    while (out.length < limit) {
      const page = await readEntriesReverse(this.bin, keys.alerts, high, low, PAGE);
      for (const entry of page) {
        const alert = decodeAlert(entry);
        if (query.camera !== undefined && alert.camera !== query.camera) continue;
        if (query.person !== undefined && alert.personId !== query.person) continue;
        out.push(alert);
        if (out.length === limit) break;
      }
      if (page.length < PAGE) break;
      high = `(${page[page.length - 1]!.id}`;
    }
    return this.withAcks(out);
  }

  /** Up to `count` alerts strictly after `afterId` ("0": from the oldest kept), oldest first: a WebSocket resume. */
  async readAfter(afterId: string, count = 100): Promise<Alert[]> {
    return (await readEntriesAfter(this.bin, keys.alerts, afterId, count)).map(decodeAlert);
  }

  /** Every alert after `afterId` ("$": only new ones), in order, until `options.signal` aborts. */
  tail(afterId: string, onAlert: (alert: Alert) => void | Promise<void>, options: TailOptions): Promise<void> {
    return tailStream(this.client, keys.alerts, afterId, (entry) => onAlert(decodeAlert(entry)), options);
  }

  /** Records who acknowledged the alert; the first acknowledgement wins and is returned. NOT_FOUND for an unknown id. */
  async ack(id: string, by: string): Promise<AlertAck> {
    assertStreamId(id, 'alert id');
    if (typeof by !== 'string' || by.trim() === '' || by.length > 200) throw new StoreError('INVALID_INPUT', 'ack needs who acknowledged it ("by", 1-200 characters)');
    const [entry] = await this.client.xRange(keys.alerts, id, id, { COUNT: 1 });
    if (!entry) throw new StoreError('NOT_FOUND', `alert ${id} does not exist (or was trimmed)`);
    await this.client.hSetNX(keys.alertAcks, id, JSON.stringify({ by: by.trim(), at: Date.now() } satisfies AlertAck));
    const stored = await this.client.hGet(keys.alertAcks, id);
    return JSON.parse(stored ?? 'null') as AlertAck;
  }

  /** Deletes acknowledgements of alerts the stream no longer holds (run with retention); returns how many. */
  async pruneAcks(): Promise<number> {
    const [oldest] = await this.client.xRange(keys.alerts, '-', '+', { COUNT: 1 });
    const ids = await this.client.hKeys(keys.alertAcks);
    const stale = oldest ? ids.filter((id) => compareStreamIds(id, String(oldest.id)) < 0) : ids;
    return stale.length === 0 ? 0 : Number(await this.client.hDel(keys.alertAcks, stale));
  }

  private async withAcks(alerts: Alert[]): Promise<StoredAlert[]> {
    if (alerts.length === 0) return [];
    const acks = await this.client.hmGet(keys.alertAcks, alerts.map((a) => a.id));
    return alerts.map((alert, i) => {
      const raw = acks[i];
      return raw ? { ...alert, ack: JSON.parse(raw) as AlertAck } : alert;
    });
  }
}
