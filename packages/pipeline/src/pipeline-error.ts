// Typed errors of the pipeline. Per-frame and per-track failures are reported through `onError`
// hooks and the stream goes on; only a bad configuration throws.

export type PipelineErrorCode =
  | 'INVALID_CONFIG'
  | 'DETECT_FAILED'
  | 'EMBED_FAILED'
  | 'EMBED_QUEUE_FULL'
  | 'EMBEDDER_CLOSED'
  | 'GALLERY_SEARCH_FAILED';

export class PipelineError extends Error {
  override readonly name = 'PipelineError';

  constructor(
    readonly code: PipelineErrorCode,
    message: string,
    options?: { cause?: unknown; camera?: string },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.camera = options?.camera;
  }

  readonly camera: string | undefined;
}

/** Throws INVALID_CONFIG unless `value` is a finite number within [min, max]. */
export function requireNumber(owner: string, key: string, value: number, min: number, max = Infinity): number {
  if (!Number.isFinite(value) || value < min || value > max) {
    const range = max === Infinity ? `>= ${min}` : `between ${min} and ${max}`;
    throw new PipelineError('INVALID_CONFIG', `${owner}: ${key} must be a number ${range}, got ${String(value)}; fix the pipeline config`);
  }
  return value;
}

export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
