// Connecting to Redis: one client per process for ordinary commands, a duplicate per blocking reader,
// and a binary view (blob strings as Buffers) for values that must keep their exact bytes.
import { createClient, RESP_TYPES, type RedisClientType, type RedisDefaultModules } from 'redis';
import { StoreError } from './store-error.ts';

export type RedisClient = RedisClientType;
type BinaryMapping = { [RESP_TYPES.BLOB_STRING]: BufferConstructor };
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- node-redis' own defaults for F and S
export type BinaryRedisClient = RedisClientType<RedisDefaultModules, {}, {}, 2, BinaryMapping>;

/** What the store logs through: pino and console both fit. */
export interface StoreLog {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export const silentLog: StoreLog = { info() {}, warn() {}, error() {} };

/** The same connection, with blob-string replies as Buffers (embeddings, JPEGs). MULTI replies stay strings. */
export const binaryView = (client: RedisClient): BinaryRedisClient =>
  client.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer }) as unknown as BinaryRedisClient;

/** Exponential backoff with jitter, capped at 5 s: min(100 * 2^n, 5000) ms. */
export function reconnectDelayMs(retries: number): number {
  const base = Math.min(100 * 2 ** Math.min(retries, 16), 5000);
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

/**
 * Logs connection errors without flooding: the first error of an outage, then at most one line every
 * `everyMs` while it lasts, and one line when the connection is back.
 */
export function attachConnectionLogging(client: RedisClient, log: StoreLog, label: string, everyMs = 30_000): void {
  let downSince: number | undefined;
  let lastLogged = 0;
  client.on('error', (err: Error) => {
    const now = Date.now();
    if (downSince === undefined) downSince = now;
    if (now - lastLogged >= everyMs) {
      lastLogged = now;
      const forS = Math.round((now - downSince) / 1000);
      log.warn(`${label}: ${err.message}${forS > 0 ? ` (down for ${forS} s)` : ''}; reconnecting`);
    }
  });
  client.on('ready', () => {
    if (downSince !== undefined) log.info(`${label}: connection restored after ${Math.round((Date.now() - downSince) / 1000)} s`);
    downSince = undefined;
    lastLogged = 0;
  });
}

export interface ConnectRedisOptions {
  log?: StoreLog;
  /** Client name shown by CLIENT LIST (e.g. "argus-ingest"). */
  name?: string;
  /** Give up on the FIRST connection after this long (later outages reconnect forever). Default 10 s. */
  connectTimeoutMs?: number;
}

/** A connected client with error logging and reconnect-with-backoff; fails with REDIS_UNAVAILABLE if it cannot connect. */
export async function connectRedis(url: string, options: ConnectRedisOptions = {}): Promise<RedisClient> {
  const { log = console, name, connectTimeoutMs = 10_000 } = options;
  let lastError: Error | undefined;
  const client = createClient({
    url,
    ...(name ? { name } : {}),
    socket: { connectTimeout: Math.min(connectTimeoutMs, 5000), reconnectStrategy: reconnectDelayMs },
  }) as unknown as RedisClient;
  client.on('error', (err: Error) => {
    lastError = err;
  });
  attachConnectionLogging(client, log, `redis ${redactUrl(url)}`);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.connect(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('timed out')), connectTimeoutMs);
      }),
    ]);
    return client;
  } catch (err) {
    if (client.isOpen) client.destroy();
    const why = lastError?.message ?? (err as Error).message;
    throw new StoreError(
      'REDIS_UNAVAILABLE',
      `could not reach Redis at ${redactUrl(url)} within ${connectTimeoutMs} ms (${why}): start it (\`npm start\` runs a local one) or set REDIS_URL`,
      { cause: err },
    );
  } finally {
    clearTimeout(timer);
  }
}

/** A second, not yet connected, connection: for blocking reads (XREAD BLOCK holds it) and WATCH transactions. */
export function dedicatedClient(client: RedisClient, log: StoreLog, label: string, overrides: { name?: string; disableOfflineQueue?: boolean } = {}): RedisClient {
  if (!client.isOpen) throw new StoreError('REDIS_UNAVAILABLE', `${label}: the Redis client is closed`);
  const blocking = client.duplicate(overrides) as RedisClient;
  blocking.on('error', () => {});
  attachConnectionLogging(blocking, log, label);
  return blocking;
}

/** Resolves once the client is connected and ready, or rejects with REDIS_UNAVAILABLE after `timeoutMs`. */
export async function untilReady(client: RedisClient, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!client.isReady) {
    if (!client.isOpen || Date.now() >= deadline) throw new StoreError('REDIS_UNAVAILABLE', `Redis connection not ready after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** redis://user:secret@host -> redis://user:***@host, for logs and error messages. */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@');
}
