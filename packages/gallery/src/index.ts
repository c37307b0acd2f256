export {
  DEFAULT_K,
  GALLERY_DEFAULTS,
  Gallery,
  type FaceMatch,
  type GalleryOptions,
  type GalleryStats,
  type PersonMatch,
  type SearchOptions,
  type SearchStrategy,
} from './gallery.ts';
export { GalleryError, type GalleryErrorCode } from './gallery.errors.ts';
export {
  MAX_SEARCH_LIMIT,
  SIGHTING_INDEX_DEFAULTS,
  SightingIndex,
  type SightingHit,
  type SightingIndexOptions,
  type SightingIndexStats,
  type SightingQuery,
  type SightingRecord,
  type SightingSearchStrategy,
} from './sighting-index.ts';
export { SightingIndexError, type SightingIndexErrorCode } from './sighting-index.errors.ts';
export { SightingIndexWorker, type SightingIndexWorkerOptions } from './sighting-index-worker.ts';
