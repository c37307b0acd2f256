// Shared mechanics of Argus' Redis Streams (gallery log, alerts, sightings): ids as cursors, field
// decoding, paged reads and a resumable XREAD BLOCK tail on its own connection.
import { binaryView, dedicatedClient, silentLog, type BinaryRedisClient, type RedisClient, type StoreLog } from './redis-client.ts';
import { StoreError } from './store-error.ts';

/** Fields of one stream entry as read through the binary view. */
export type StreamFields = Record<string, Buffer>;
export interface StreamEntry {
  id: string;
  fields: StreamFields;
}

const STREAM_ID = /^\d{1,20}(-\d{1,20})?$/;

export const isStreamId = (id: unknown): id is string => typeof id === 'string' && STREAM_ID.test(id);

/** Checks a cursor that came from outside (a WebSocket `resume`, a query string). */
export function assertStreamId(id: unknown, what = 'cursor'): string {
  if (isStreamId(id)) return id;
  throw new StoreError('INVALID_CURSOR', `${what} ${JSON.stringify(id)} is not a stream id such as "1732540000000-0" (use "0" for the beginning)`);
}

/** The smallest stream id at or after a time in ms. */
export const streamIdFromMs = (ms: number): string => `${Math.max(0, Math.floor(ms))}-0`;

/** The time part of a stream id: when the entry was written, in ms since epoch. */
export const msFromStreamId = (id: string): number => Number(id.split('-')[0]);

/** Orders stream ids numerically ("9-0" < "10-0"). */
export function compareStreamIds(a: string, b: string): number {
  const [am = '0', as = '0'] = a.split('-');
  const [bm = '0', bs = '0'] = b.split('-');
  const ms = BigInt(am) - BigInt(bm);
  if (ms !== 0n) return ms < 0n ? -1 : 1;
  const seq = BigInt(as) - BigInt(bs);
  return seq === 0n ? 0 : seq < 0n ? -1 : 1;
}

export function fieldString(fields: StreamFields, name: string, entryId: string): string {
  const v = fields[name];
  if (v === undefined) throw new StoreError('CORRUPT_ENTRY', `stream entry ${entryId} has no "${name}" field`);
  return v.toString('utf8');
}

export const optionalFieldString = (fields: StreamFields, name: string): string | undefined => fields[name]?.toString('utf8');

export function fieldNumber(fields: StreamFields, name: string, entryId: string): number {
  const n = Number(fieldString(fields, name, entryId));
  if (!Number.isFinite(n)) throw new StoreError('CORRUPT_ENTRY', `stream entry ${entryId} has a non-numeric "${name}"`);
  return n;
}

export function optionalFieldNumber(fields: StreamFields, name: string, entryId: string): number | undefined {
  return fields[name] === undefined ? undefined : fieldNumber(fields, name, entryId);
}

/** Drops undefined values and stringifies numbers, so optional fields are simply absent in the entry. */
/** Validates a stream entry before it is written; every problem in one INVALID_INPUT message. */
export function parseEntry<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } } }, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new StoreError('INVALID_INPUT', `${what}: ${parsed.error.issues.map((i) => `${i.path.map(String).join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

export function compactFields(fields: Record<string, string | number | Buffer | undefined>): Record<string, string | Buffer> {
  const out: Record<string, string | Buffer> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    out[k] = typeof v === 'number' ? String(v) : v;
  }
  return out;
}

type RawEntry = { id: unknown; message: Record<string, unknown> };

function toEntry(raw: RawEntry): StreamEntry {
  const fields: StreamFields = {};
  for (const [k, v] of Object.entries(raw.message)) fields[k] = Buffer.isBuffer(v) ? v : Buffer.from(String(v));
  return { id: String(raw.id), fields };
}

/** Entries strictly after `afterId` ("0" for the beginning), oldest first. */
export async function readEntriesAfter(bin: BinaryRedisClient, key: string, afterId: string, count: number): Promise<StreamEntry[]> {
  assertStreamId(afterId);
  const start = afterId === '0' || afterId === '0-0' ? '-' : `(${afterId}`;
  const raw = (await bin.xRange(key, start, '+', { COUNT: count })) as unknown as RawEntry[];
  return raw.map(toEntry);
}

/** Entries with ids in [start, end] (ids or "-"/"+"), oldest first. */
export async function readEntriesRange(bin: BinaryRedisClient, key: string, start: string, end: string, count: number): Promise<StreamEntry[]> {
  const raw = (await bin.xRange(key, start, end, { COUNT: count })) as unknown as RawEntry[];
  return raw.map(toEntry);
}

/** Entries with ids in [end, start] newest first (XREVRANGE order: start is the high end). */
export async function readEntriesReverse(bin: BinaryRedisClient, key: string, start: string, end: string, count: number): Promise<StreamEntry[]> {
  const raw = (await bin.xRevRange(key, start, end, { COUNT: count })) as unknown as RawEntry[];
  return raw.map(toEntry);
}

/** The id of the newest entry, or "0-0" for an empty or missing stream. */
export async function lastStreamId(client: RedisClient, key: string): Promise<string> {
  const [last] = await client.xRevRange(key, '+', '-', { COUNT: 1 });
  return last ? String(last.id) : '0-0';
}

export interface TailOptions {
  signal: AbortSignal;
  /** How long one XREAD blocks before it is reissued. Default 5000 ms. */
  blockMs?: number;
  /** Entries per read. Default 100. */
  count?: number;
  log?: StoreLog;
}

/**
 * Delivers every entry after `afterId` in order, then each new one as it arrives, until `signal` aborts.
 * `afterId` "$" means "only entries written from now on". It reads on a dedicated connection (a blocking
 * XREAD holds its connection), resumes from the last delivered id after a connection loss, and logs and
 * skips an entry whose handler throws so that one bad entry never stops the stream.
 * Resolves once stopped.
 */
export async function tailStream(
  client: RedisClient,
  key: string,
  afterId: string,
  onEntry: (entry: StreamEntry) => void | Promise<void>,
  options: TailOptions,
): Promise<void> {
  const { signal, blockMs = 5000, count = 100, log = silentLog } = options;
  if (signal.aborted) return;
  let cursor = afterId === '$' ? await lastStreamId(client, key) : assertStreamId(afterId);
  const blocking = dedicatedClient(client, log, `redis tail ${key}`);
  const bin = binaryView(blocking);
  // Destroying the connection is the only way to interrupt a pending XREAD BLOCK (or a connect retry) promptly.
  const stop = () => {
    if (blocking.isOpen) blocking.destroy();
  };
  signal.addEventListener('abort', stop, { once: true });
  try {
    try {
      await blocking.connect();
    } catch (err) {
      if (signal.aborted) return;
      throw err;
    }
    while (!signal.aborted) {
      let streams: Array<{ messages: RawEntry[] }> | null;
      try {
        streams = (await bin.xRead({ key, id: cursor }, { BLOCK: blockMs, COUNT: count })) as unknown as typeof streams;
      } catch (err) {
        if (signal.aborted) break;
        log.warn(`tail ${key}: ${(err as Error).message}; retrying from ${cursor}`);
        await sleep(500, signal);
        continue;
      }
      for (const raw of streams?.[0]?.messages ?? []) {
        const entry = toEntry(raw);
        try {
          await onEntry(entry);
        } catch (err) {
          log.error(`tail ${key}: entry ${entry.id} skipped: ${(err as Error).message}`);
        }
        cursor = entry.id;
        if (signal.aborted) break;
      }
    }
  } finally {
    signal.removeEventListener('abort', stop);
    stop();
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
