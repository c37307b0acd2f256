// Typed errors of the gallery: every failure a caller can act on has a stable `code`.

export type GalleryErrorCode =
  | 'GALLERY_DIMENSION_MISMATCH'
  | 'GALLERY_ZERO_VECTOR'
  | 'GALLERY_INVALID_EMBEDDING'
  | 'GALLERY_INVALID_ARGUMENT'
  | 'GALLERY_INVALID_OPTIONS'
  | 'GALLERY_SNAPSHOT_CORRUPT'
  | 'GALLERY_SNAPSHOT_WRITE_FAILED';

export class GalleryError extends Error {
  constructor(
    readonly code: GalleryErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'GalleryError';
  }
}
