// Typed errors of the vision package: every failure a caller can act on has a stable `code`.

export type VisionErrorCode =
  | 'IMAGE_UNREADABLE'
  | 'IMAGE_TOO_LARGE'
  | 'IMAGE_TOO_SMALL'
  | 'IMAGE_INVALID_RAW'
  | 'MODEL_MISSING'
  | 'MODEL_LOAD_FAILED'
  | 'EMBEDDING_INVALID';

export class VisionError extends Error {
  constructor(
    readonly code: VisionErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'VisionError';
  }
}
