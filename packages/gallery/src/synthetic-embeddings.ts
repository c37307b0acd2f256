// Seeded synthetic embeddings for the gallery's tests: random unit "identities" and noisy copies of them
// at a chosen cosine, so tests are reproducible without a face model.

/** mulberry32: small, fast, deterministic. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomUnit(rand: () => number, dim: number): Float32Array {
  const v = new Float32Array(dim);
  let ss = 0;
  for (let i = 0; i < dim; i++) {
    // Box-Muller: isotropic direction.
    const g = Math.sqrt(-2 * Math.log(rand() || 1e-12)) * Math.cos(2 * Math.PI * rand());
    v[i] = g;
    ss += g * g;
  }
  const inv = 1 / Math.sqrt(ss);
  for (let i = 0; i < dim; i++) v[i]! *= inv;
  return v;
}

/** A unit vector at exactly `cos` to the unit vector `base`. */
export function noisyCopy(rand: () => number, base: Float32Array, cos: number): Float32Array {
  const noise = randomUnit(rand, base.length);
  let proj = 0;
  for (let i = 0; i < base.length; i++) proj += noise[i]! * base[i]!;
  let ss = 0;
  for (let i = 0; i < base.length; i++) {
    noise[i] = noise[i]! - proj * base[i]!;
    ss += noise[i]! * noise[i]!;
  }
  const s = Math.sqrt(1 - cos * cos) / Math.sqrt(ss);
  return base.map((b, i) => cos * b + s * noise[i]!);
}

export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
