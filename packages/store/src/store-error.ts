// The one error type of @argus/store: a stable `code` for callers (the API maps codes to HTTP statuses)
// and a message that says what to do next.

export type StoreErrorCode =
  | 'INVALID_ID'
  | 'INVALID_INPUT'
  | 'INVALID_CURSOR'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'TIMEOUT'
  | 'CORRUPT_ENTRY'
  | 'REDIS_UNAVAILABLE'
  | 'REDIS_SERVER_MISSING'
  | 'REDIS_SERVER_FAILED';

export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StoreError';
  }
}

export const isStoreError = (err: unknown, code?: StoreErrorCode): err is StoreError =>
  err instanceof StoreError && (code === undefined || err.code === code);
