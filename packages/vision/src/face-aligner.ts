// Aligns a face to the 112x112 ArcFace template: a least-squares similarity transform (Umeyama)
// from the five landmarks to the template points, then a bilinear inverse warp.
import type { Point, RgbImage } from './types.ts';

/** ArcFace's 112x112 five-point template (eyes, nose tip, mouth corners). */
export const ARCFACE_TEMPLATE: readonly Point[] = [
  [38.2946, 51.6963],
  [73.5318, 51.5014],
  [56.0252, 71.7366],
  [41.5493, 92.3655],
  [70.7299, 92.2041],
];

/** 2x3 affine matrix [a, b, tx; c, d, ty] mapping source to destination: dst = A * src + t. */
export type Affine = [number, number, number, number, number, number];

/** Least-squares similarity (rotation, uniform scale, translation) taking `src` onto `dst`. */
export function similarityTransform(src: readonly Point[], dst: readonly Point[]): Affine {
  const n = src.length;
  let msx = 0, msy = 0, mdx = 0, mdy = 0;
  for (let i = 0; i < n; i++) {
    msx += src[i]![0]; msy += src[i]![1]; mdx += dst[i]![0]; mdy += dst[i]![1];
  }
  msx /= n; msy /= n; mdx /= n; mdy /= n;
  // For a similarity, the optimum is a = sum(x·u + y·v)/|s|², b = sum(x·v - y·u)/|s|² over centred points.
  let num1 = 0, num2 = 0, den = 0;
  for (let i = 0; i < n; i++) {
    const x = src[i]![0] - msx, y = src[i]![1] - msy;
    const u = dst[i]![0] - mdx, v = dst[i]![1] - mdy;
    num1 += x * u + y * v;
    num2 += x * v - y * u;
    den += x * x + y * y;
  }
  if (den < 1e-9) return [1, 0, mdx - msx, 0, 1, mdy - msy];
  const a = num1 / den;
  const b = num2 / den;
  // [a -b; b a] is scale * rotation.
  return [a, -b, mdx - (a * msx - b * msy), b, a, mdy - (b * msx + a * msy)];
}

export function invertAffine(m: Affine): Affine {
  const [a, b, tx, c, d, ty] = m;
  const det = a * d - b * c;
  const ia = d / det, ib = -b / det, ic = -c / det, id = a / det;
  return [ia, ib, -(ia * tx + ib * ty), ic, id, -(ic * tx + id * ty)];
}

/** Warps `image` by `m` (source -> destination) into a size x size RGB image; outside pixels are black. */
export function warpAffine(image: RgbImage, m: Affine, size: number): RgbImage {
  const inv = invertAffine(m);
  const out = new Uint8Array(size * size * 3);
  const { data, width, height } = image;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const sx = inv[0] * x + inv[1] * y + inv[2];
      const sy = inv[3] * x + inv[4] * y + inv[5];
      if (sx < -0.5 || sy < -0.5 || sx > width - 0.5 || sy > height - 0.5) continue;
      const fx = Math.min(width - 1, Math.max(0, sx));
      const fy = Math.min(height - 1, Math.max(0, sy));
      const x0 = Math.floor(fx), y0 = Math.floor(fy);
      const x1 = Math.min(width - 1, x0 + 1), y1 = Math.min(height - 1, y0 + 1);
      const wx = fx - x0, wy = fy - y0;
      const p00 = (y0 * width + x0) * 3, p01 = (y0 * width + x1) * 3;
      const p10 = (y1 * width + x0) * 3, p11 = (y1 * width + x1) * 3;
      const o = (y * size + x) * 3;
      for (let c = 0; c < 3; c++) {
        const top = data[p00 + c]! * (1 - wx) + data[p01 + c]! * wx;
        const bottom = data[p10 + c]! * (1 - wx) + data[p11 + c]! * wx;
        out[o + c] = Math.round(top * (1 - wy) + bottom * wy);
      }
    }
  }
  return { data: out, width: size, height: size };
}

export class FaceAligner {
  constructor(
    readonly size = 112,
    private readonly template: readonly Point[] = ARCFACE_TEMPLATE,
  ) {}

  align(image: RgbImage, landmarks: readonly Point[]): RgbImage {
    const scale = this.size / 112;
    const dst = this.template.map(([x, y]) => [x * scale, y * scale] as Point);
    return warpAffine(image, similarityTransform(landmarks, dst), this.size);
  }
}
