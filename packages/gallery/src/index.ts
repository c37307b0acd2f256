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
