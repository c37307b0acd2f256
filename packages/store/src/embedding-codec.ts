// Embeddings travel as raw little-endian Float32 bytes (2 KiB for 512-d), never as text, so they
// round-trip bit for bit. Argus runs on little-endian hosts only (x86-64, arm64); see the guard below.
import { endianness } from 'node:os';
import { StoreError } from './store-error.ts';

if (endianness() !== 'LE') {
  throw new Error('@argus/store stores embeddings as little-endian Float32 and needs a little-endian host');
}

/** A copy of the vector's bytes (the Float32Array may be a view into a larger buffer). */
export function encodeEmbedding(embedding: Float32Array): Buffer {
  return Buffer.from(new Uint8Array(embedding.buffer, embedding.byteOffset, embedding.byteLength));
}

/** A fresh, aligned Float32Array from bytes read from Redis. */
export function decodeEmbedding(bytes: Uint8Array, what = 'embedding'): Float32Array {
  if (bytes.byteLength === 0 || bytes.byteLength % 4 !== 0) {
    throw new StoreError('CORRUPT_ENTRY', `${what} has ${bytes.byteLength} bytes, not a whole number of Float32 values`);
  }
  const out = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

/** Throws INVALID_INPUT unless the vector is non-empty and every value is finite. */
export function assertEmbedding(embedding: unknown, what = 'embedding'): Float32Array {
  if (!(embedding instanceof Float32Array) || embedding.length === 0) {
    throw new StoreError('INVALID_INPUT', `${what} must be a non-empty Float32Array`);
  }
  for (let i = 0; i < embedding.length; i++) {
    if (!Number.isFinite(embedding[i])) {
      throw new StoreError('INVALID_INPUT', `${what}[${i}] is ${embedding[i]}: embeddings must be finite numbers`);
    }
  }
  return embedding;
}
