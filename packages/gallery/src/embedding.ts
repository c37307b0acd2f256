// Checks an embedding before it reaches the index and returns its unit-length copy: inner product
// equals cosine only on unit vectors, and one NaN would silently poison every distance it touches.
import { GalleryError } from './gallery.errors.ts';

/** Below this L2 norm a vector has no direction worth comparing. */
const MIN_NORM = 1e-12;

/** A new unit-length Float32Array; the caller's array is left as it is. */
export function toUnitVector(embedding: Float32Array, dim: number, what: string): Float32Array {
  if (!(embedding instanceof Float32Array)) {
    throw new GalleryError('GALLERY_INVALID_EMBEDDING', `${what}: expected a Float32Array of ${dim} numbers; convert the embedding with new Float32Array(values)`);
  }
  if (embedding.length !== dim) {
    throw new GalleryError(
      'GALLERY_DIMENSION_MISMATCH',
      `${what}: embedding has ${embedding.length} dimensions but the gallery holds ${dim}-d vectors; embed with the same model the gallery was built with, or rebuild the gallery for the new model`,
    );
  }
  let sumSq = 0;
  for (let i = 0; i < dim; i++) {
    const v = embedding[i]!;
    sumSq += v * v;
  }
  if (!Number.isFinite(sumSq)) {
    throw new GalleryError('GALLERY_INVALID_EMBEDDING', `${what}: embedding contains NaN or Infinity; re-run the embedder on the face`);
  }
  const norm = Math.sqrt(sumSq);
  if (norm < MIN_NORM) {
    throw new GalleryError('GALLERY_ZERO_VECTOR', `${what}: embedding is all zeros and has no direction to compare; re-run the embedder on the face`);
  }
  const unit = new Float32Array(dim);
  const inv = 1 / norm;
  for (let i = 0; i < dim; i++) unit[i] = embedding[i]! * inv;
  return unit;
}
