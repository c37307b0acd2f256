// Pure functions: alignment maths, NMS, landmark reduction, quality factors, threshold derivation.
import { describe, expect, it } from 'vitest';
import {
  ARCFACE_TEMPLATE,
  laplacianVariance,
  nonMaxSuppression,
  recommendThreshold,
  similarityTransform,
  toFivePoints,
  warpAffine,
  yawFromLandmarks,
  type Point,
} from './index.ts';

describe('similarityTransform', () => {
  it('recovers a known rotation, scale and shift exactly', () => {
    const angle = 0.3, scale = 1.7, tx = 12, ty = -5;
    const src = ARCFACE_TEMPLATE.map(([x, y]) => [x, y] as Point);
    const dst = src.map(([x, y]) => [scale * (Math.cos(angle) * x - Math.sin(angle) * y) + tx, scale * (Math.sin(angle) * x + Math.cos(angle) * y) + ty] as Point);
    const [a, b, mx, c, d, my] = similarityTransform(src, dst);
    expect(a).toBeCloseTo(scale * Math.cos(angle), 9);
    expect(b).toBeCloseTo(-scale * Math.sin(angle), 9);
    expect(c).toBeCloseTo(scale * Math.sin(angle), 9);
    expect(d).toBeCloseTo(scale * Math.cos(angle), 9);
    expect(mx).toBeCloseTo(tx, 9);
    expect(my).toBeCloseTo(ty, 9);
  });

  it('warps with the identity to the same pixels', () => {
    const data = new Uint8Array(4 * 4 * 3).map((_, i) => i);
    const out = warpAffine({ data, width: 4, height: 4 }, [1, 0, 0, 0, 1, 0], 4);
    expect(Array.from(out.data)).toEqual(Array.from(data));
  });
});

describe('nonMaxSuppression', () => {
  it('keeps the best of overlapping boxes and every separate one', () => {
    const box = (x: number, y: number, s: number) => ({ x, y, width: s, height: s });
    const kept = nonMaxSuppression(
      [
        { box: box(0, 0, 10), score: 0.8 },
        { box: box(1, 1, 10), score: 0.9 },
        { box: box(50, 50, 10), score: 0.7 },
      ],
      0.4,
    );
    expect(kept.map((k) => k.score)).toEqual([0.9, 0.7]);
  });
});

describe('landmarks and quality', () => {
  it('reduces 68 points to eye centres, nose tip and mouth corners', () => {
    const pts = new Array<number>(136).fill(0);
    const set = (i: number, x: number, y: number) => ((pts[i * 2] = x), (pts[i * 2 + 1] = y));
    [37, 38, 40, 41].forEach((i, k) => set(i, 10 + k, 20));
    [43, 44, 46, 47].forEach((i, k) => set(i, 30 + k, 20));
    set(30, 20, 30);
    set(48, 12, 40); set(60, 14, 40); set(54, 28, 40); set(64, 26, 40);
    expect(toFivePoints(pts)).toEqual([[11.5, 20], [31.5, 20], [20, 30], [13, 40], [27, 40]]);
  });

  it('scores yaw 0 for a frontal face and near 1 for a profile', () => {
    expect(yawFromLandmarks([[10, 20], [30, 20], [20, 30], [13, 40], [27, 40]])).toBeCloseTo(0, 6);
    expect(yawFromLandmarks([[10, 20], [30, 20], [29, 30], [13, 40], [27, 40]])).toBeGreaterThan(0.85);
  });

  it('gives a flat image zero Laplacian variance and a checkerboard a high one', () => {
    const flat = { data: new Uint8Array(16 * 16 * 3).fill(128), width: 16, height: 16 };
    const check = { data: new Uint8Array(16 * 16 * 3).map((_, i) => ((Math.floor(i / 3) % 16) + Math.floor(i / 48)) % 2 ? 255 : 0), width: 16, height: 16 };
    expect(laplacianVariance(flat)).toBe(0);
    expect(laplacianVariance(check)).toBeGreaterThan(1000);
  });
});

describe('recommendThreshold', () => {
  it('puts the threshold in the middle of the gap between separable distributions', () => {
    const r = recommendThreshold([0.6, 0.7, 0.8], [0.1, 0.2, 0.3]);
    expect(r.threshold).toBeCloseTo(0.45, 9);
    expect(r.falseAcceptRate + r.falseRejectRate).toBe(0);
  });

  it('minimises the summed error rates when the distributions overlap', () => {
    const r = recommendThreshold([0.25, 0.6, 0.7], [0.1, 0.2, 0.3, 0.05]);
    // Cutting at 0.2..0.25 costs one of four impostors (25 %); cutting above 0.3 would cost one of three genuine pairs (33 %).
    expect(r.threshold).toBeCloseTo(0.225, 9);
    expect(r.falseRejectRate).toBe(0);
    expect(r.falseAcceptRate).toBe(0.25);
  });
});
