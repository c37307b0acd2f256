import { describe, expect, it } from 'vitest';
import { FrameAssembler } from './frame-assembler.ts';

/** A deterministic byte stream: frame i is filled with a pattern that starts at i. */
function frameBytes(i: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let j = 0; j < size; j++) out[j] = (i * 31 + j * 7) & 0xff;
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Splits a stream at the given cut points. */
function split(stream: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [0, ...cuts.filter((c) => c > 0 && c < stream.length).sort((a, b) => a - b), stream.length];
  return points.slice(1).map((end, i) => stream.subarray(points[i], end));
}

describe('FrameAssembler', () => {
  const size = 4 * 3 * 3; // a 4x3 rgb24 frame
  const frames = Array.from({ length: 7 }, (_, i) => frameBytes(i, size));
  const stream = concat(frames);

  it('rebuilds whole frames from chunks split at arbitrary boundaries', () => {
    // A small linear congruential generator: reproducible "random" cut points.
    let seed = 12345;
    const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
    for (let trial = 0; trial < 200; trial++) {
      const cuts = Array.from({ length: rand(20) }, () => rand(stream.length));
      const assembler = new FrameAssembler(size);
      const out = split(stream, cuts).flatMap((chunk) => assembler.push(chunk));
      expect(out).toHaveLength(frames.length);
      out.forEach((f, i) => expect(f).toEqual(frames[i]));
      expect(assembler.pendingBytes).toBe(0);
    }
  });

  it('handles one-byte chunks and chunks holding several frames', () => {
    const bytewise = new FrameAssembler(size);
    const out1 = Array.from(stream).flatMap((b) => bytewise.push(Uint8Array.of(b)));
    expect(out1).toEqual(frames);
    const whole = new FrameAssembler(size);
    expect(whole.push(stream)).toEqual(frames);
  });

  it('keeps a partial frame until the rest arrives and reports its bytes', () => {
    const assembler = new FrameAssembler(size);
    expect(assembler.push(stream.subarray(0, size + 5))).toHaveLength(1);
    expect(assembler.pendingBytes).toBe(5);
    const rest = assembler.push(stream.subarray(size + 5, 2 * size));
    expect(rest).toEqual([frames[1]]);
    assembler.push(stream.subarray(0, 3));
    assembler.reset();
    expect(assembler.pendingBytes).toBe(0);
    expect(assembler.push(frames[2]!)).toEqual([frames[2]]);
  });

  it('hands out frames that later chunks never overwrite', () => {
    const assembler = new FrameAssembler(size);
    const [first] = assembler.push(frames[0]!);
    const source = new Uint8Array(frames[1]!);
    assembler.push(source);
    source.fill(0);
    expect(first).toEqual(frames[0]);
    expect(first!.buffer.byteLength).toBe(size);
  });

  it('rejects a frame size that is not a positive integer', () => {
    expect(() => new FrameAssembler(0)).toThrow(RangeError);
    expect(() => new FrameAssembler(10.5)).toThrow(/positive integer/);
  });
});
