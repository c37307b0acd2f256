// What the vector search benchmarks (gallery.bench.ts, search.bench.ts) share: a seeded PRNG and noisy copies of
// identities for synthetic faces, a real gc(), an event-loop block watch, percentiles and the table formatters.
import v8 from 'node:v8';
import vm from 'node:vm';

// A real gc() (without --expose-gc on the command line) so RSS deltas are not mostly garbage.
v8.setFlagsFromString('--expose-gc');
export const gc = vm.runInNewContext('gc') as () => void;

/** Deterministic PRNG (sfc32) with normal deviates by Box-Muller, so every run sees the same data. */
export class Random {
  #a = 0x9e3779b9;
  #b = 0x243f6a88;
  #c = 0xb7e15162;
  #d: number;
  #spare: number | null = null;

  constructor(seed: number) {
    this.#d = seed >>> 0;
    for (let i = 0; i < 15; i++) this.next();
  }

  next(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  normal(): number {
    if (this.#spare !== null) {
      const s = this.#spare;
      this.#spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    const theta = 2 * Math.PI * this.next();
    this.#spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  /** Fills `out` with standard normal deviates. */
  gaussian(out: Float32Array): Float32Array {
    for (let i = 0; i < out.length; i++) out[i] = this.normal();
    return out;
  }

  /** Fills `out` with a uniformly random unit vector. */
  unitVector(out: Float32Array): Float32Array {
    let ss = 0;
    for (let i = 0; i < out.length; i++) {
      const v = this.normal();
      out[i] = v;
      ss += v * v;
    }
    const inv = 1 / Math.sqrt(ss);
    for (let i = 0; i < out.length; i++) out[i]! *= inv;
    return out;
  }
}

/**
 * A new unit vector at cosine `c` to `identity` (a unit vector): the part of `noise` orthogonal to the identity, scaled
 * to fill the rest. `noise` (any length, random direction) is overwritten.
 */
export function noisyCopy(identity: Float32Array, c: number, noise: Float32Array): Float32Array {
  const dim = identity.length;
  let proj = 0;
  for (let i = 0; i < dim; i++) proj += noise[i]! * identity[i]!;
  let ss = 0;
  for (let i = 0; i < dim; i++) {
    const v = noise[i]! - proj * identity[i]!;
    noise[i] = v;
    ss += v * v;
  }
  const s = Math.sqrt(1 - c * c) / Math.sqrt(ss);
  const out = new Float32Array(dim);
  for (let i = 0; i < dim; i++) out[i] = c * identity[i]! + s * noise[i]!;
  return out;
}

/**
 * Runs `work`, returning its wall time in s and the longest the event loop was blocked meanwhile in ms: the longest gap
 * between 1 ms ticks (monitorEventLoopDelay under-reports a single long block).
 */
export async function timeEventLoopBlock(work: () => Promise<unknown>): Promise<{ seconds: number; blockMs: number }> {
  let maxGapMs = 0;
  let lastTick = performance.now();
  const ticker = setInterval(() => {
    const now = performance.now();
    maxGapMs = Math.max(maxGapMs, now - lastTick);
    lastTick = now;
  }, 1);
  const t0 = performance.now();
  try {
    await work();
    return { seconds: (performance.now() - t0) / 1000, blockMs: maxGapMs };
  } finally {
    clearInterval(ticker);
  }
}

/** The q-quantile of ascending `sorted` (NaN when empty). */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export const ms = (x: number): string => (Number.isNaN(x) ? '-' : x < 0.1 ? x.toFixed(3) : x < 10 ? x.toFixed(2) : x.toFixed(0));
export const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
export const fmtCount = (n: number): string => (n >= 1e6 ? `${n / 1e6}M` : n >= 1e3 ? `${n / 1e3}k` : `${n}`);
export const fmtDuration = (s: number): string => (s < 120 ? `${s.toFixed(1)} s` : `${(s / 60).toFixed(1)} min`);
