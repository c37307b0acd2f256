// Derives a match threshold from labelled similarity scores: the cut that minimises
// false-accept rate + false-reject rate, taken at the middle of the best interval.

export interface ThresholdReport {
  threshold: number;
  /** Same-person pairs scoring below the threshold, as a fraction. */
  falseRejectRate: number;
  /** Different-person pairs scoring at or above the threshold, as a fraction. */
  falseAcceptRate: number;
  /** The interval of thresholds that all reach the same minimum error. */
  interval: [number, number];
}

export function recommendThreshold(same: readonly number[], different: readonly number[]): ThresholdReport {
  if (same.length === 0 || different.length === 0) throw new Error('need both same-person and different-person scores');
  const points = [...new Set([...same, ...different])].sort((a, b) => a - b);
  // Candidate cuts: below everything, between neighbours, above everything.
  const cuts = [points[0]! - 1e-6, ...points.slice(1).map((p, i) => (p + points[i]!) / 2), points[points.length - 1]! + 1e-6];
  const err = (t: number) => {
    const frr = same.filter((s) => s < t).length / same.length;
    const far = different.filter((d) => d >= t).length / different.length;
    return { frr, far, total: frr + far };
  };
  let best = Infinity;
  let lo = 0;
  let hi = 0;
  for (const t of cuts) {
    const e = err(t).total;
    if (e < best - 1e-12) {
      best = e;
      lo = t;
      hi = t;
    } else if (Math.abs(e - best) <= 1e-12 && lo !== undefined) {
      hi = t;
    }
  }
  // Widen to the real score gap the best cuts sit in, then take its middle.
  const below = Math.max(...points.filter((p) => p < lo), -1);
  const above = Math.min(...points.filter((p) => p > hi), 1);
  const threshold = (below + above) / 2;
  const e = err(threshold);
  return { threshold, falseRejectRate: e.frr, falseAcceptRate: e.far, interval: [below, above] };
}

/** Same/different-person similarity lists from labelled embeddings (all pairs, each once). */
export function pairScores(items: readonly { label: string; embedding: Float32Array }[]): { same: number[]; different: number[] } {
  const same: number[] = [];
  const different: number[] = [];
  for (let i = 0; i < items.length; i++) {
    for (let j = i + 1; j < items.length; j++) {
      let s = 0;
      const a = items[i]!.embedding;
      const b = items[j]!.embedding;
      for (let k = 0; k < a.length; k++) s += a[k]! * b[k]!;
      (items[i]!.label === items[j]!.label ? same : different).push(s);
    }
  }
  return { same, different };
}
