// Checks an embedding before it reaches the index and returns its unit-length copy: inner product
// equals cosine only on unit vectors, and one NaN would silently poison every distance it touches.
// It also holds the inner product that the flat gallery index and the sightings partitions both score with.
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

/** Inner product of rows[offset, offset+dim) with query; unrolled by 8 with independent sums so V8 pipelines it. */
export function dot(rows: Float32Array, offset: number, query: Float32Array, dim: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let s4 = 0;
  let s5 = 0;
  let s6 = 0;
  let s7 = 0;
  let i = 0;
  const last8 = dim - (dim % 8);
  for (; i < last8; i += 8) {
    const o = offset + i;
    s0 += rows[o]! * query[i]!;
    s1 += rows[o + 1]! * query[i + 1]!;
    s2 += rows[o + 2]! * query[i + 2]!;
    s3 += rows[o + 3]! * query[i + 3]!;
    s4 += rows[o + 4]! * query[i + 4]!;
    s5 += rows[o + 5]! * query[i + 5]!;
    s6 += rows[o + 6]! * query[i + 6]!;
    s7 += rows[o + 7]! * query[i + 7]!;
  }
  for (; i < dim; i++) s0 += rows[offset + i]! * query[i]!;
  return s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7;
}
