import { describe, expect, it } from 'vitest';
import { assertEmbedding, decodeEmbedding, encodeEmbedding } from './embedding-codec.ts';
import { isStoreError } from './store-error.ts';

const bits = (v: Float32Array) => Array.from(new Uint32Array(v.buffer, v.byteOffset, v.length));

describe('embedding codec', () => {
  it('round-trips every bit, including -0, subnormals and extremes', () => {
    const v = new Float32Array([0.1, -0, 1e-45, 3.4028234663852886e38, -1.1754943508222875e-38, Math.PI, 1 / 3]);
    const bytes = encodeEmbedding(v);
    expect(bytes.byteLength).toBe(v.length * 4);
    expect(bits(decodeEmbedding(bytes))).toEqual(bits(v));
  });

  it('encodes only the view, not the whole underlying buffer', () => {
    const backing = new Float32Array([9, 1, 2, 3, 9]);
    const view = backing.subarray(1, 4);
    expect(Array.from(decodeEmbedding(encodeEmbedding(view)))).toEqual([1, 2, 3]);
  });

  it('decodes from an unaligned slice of a larger buffer', () => {
    const v = new Float32Array([0.25, -0.5]);
    const padded = Buffer.concat([Buffer.from([7]), encodeEmbedding(v)]);
    expect(Array.from(decodeEmbedding(padded.subarray(1)))).toEqual([0.25, -0.5]);
  });

  it('rejects byte counts that are not whole Float32 values', () => {
    for (const n of [0, 3, 7]) {
      let caught: unknown;
      try {
        decodeEmbedding(Buffer.alloc(n));
      } catch (err) {
        caught = err;
      }
      expect(isStoreError(caught, 'CORRUPT_ENTRY')).toBe(true);
    }
  });

  it('accepts only non-empty, finite Float32Arrays to store', () => {
    expect(assertEmbedding(new Float32Array([1]))).toBeInstanceOf(Float32Array);
    expect(() => assertEmbedding(new Float32Array(0))).toThrow(/non-empty Float32Array/);
    expect(() => assertEmbedding([1, 2])).toThrow(/non-empty Float32Array/);
    expect(() => assertEmbedding(new Float32Array([1, Number.NaN]))).toThrow(/embedding\[1\] is NaN/);
  });
});
