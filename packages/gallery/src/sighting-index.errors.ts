// Typed errors of the sightings index: every failure a caller can act on has a stable `code`.

export type SightingIndexErrorCode =
  | 'SIGHTING_INVALID_ARGUMENT'
  | 'SIGHTING_INVALID_EMBEDDING'
  | 'SIGHTING_DIMENSION_MISMATCH'
  | 'SIGHTING_INVALID_OPTIONS'
  | 'SIGHTING_SNAPSHOT_CORRUPT'
  | 'SIGHTING_SNAPSHOT_MISMATCH'
  | 'SIGHTING_SNAPSHOT_WRITE_FAILED'
  | 'SIGHTING_WORKER_FAILED';

export class SightingIndexError extends Error {
  constructor(
    readonly code: SightingIndexErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SightingIndexError';
  }
}
