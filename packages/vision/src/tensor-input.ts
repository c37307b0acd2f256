// Fused resample + normalise: image pixels go straight into the float tensors the models read,
// in one pass, with no intermediate images.
import type { RgbImage } from './types.ts';

/** Source index ranges that each output index averages over when shrinking `src` to `dst` samples. */
function footprints(src: number, dst: number): { lo: Int32Array; hi: Int32Array } {
  const lo = new Int32Array(dst);
  const hi = new Int32Array(dst);
  const scale = src / dst;
  for (let i = 0; i < dst; i++) {
    if (scale <= 1) {
      const c = Math.min(src - 1, Math.max(0, Math.round((i + 0.5) * scale - 0.5)));
      lo[i] = c;
      hi[i] = c + 1;
    } else {
      const a = Math.floor(i * scale);
      const b = Math.max(a + 1, Math.min(src, Math.floor((i + 1) * scale)));
      lo[i] = a;
      hi[i] = b;
    }
  }
  return { lo, hi };
}

/**
 * Writes `image` resized to outW x outH into `out` as planar RGB (CHW) with (x - mean) / std.
 * Shrinking averages each output pixel's footprint (area resampling, no aliasing on 4x smaller inputs);
 * enlarging takes the nearest pixel, which is all a detector needs.
 */
export function writeChwTensor(
  image: RgbImage,
  outW: number,
  outH: number,
  out: Float32Array,
  offset = 0,
  mean = 127,
  std = 128,
): void {
  const { data, width } = image;
  const xs = footprints(image.width, outW);
  const ys = footprints(image.height, outH);
  const plane = outW * outH;
  const inv = 1 / std;
  for (let oy = 0; oy < outH; oy++) {
    const y0 = ys.lo[oy]!;
    const y1 = ys.hi[oy]!;
    for (let ox = 0; ox < outW; ox++) {
      const x0 = xs.lo[ox]!;
      const x1 = xs.hi[ox]!;
      let r = 0;
      let g = 0;
      let b = 0;
      for (let y = y0; y < y1; y++) {
        let p = (y * width + x0) * 3;
        for (let x = x0; x < x1; x++, p += 3) {
          r += data[p]!;
          g += data[p + 1]!;
          b += data[p + 2]!;
        }
      }
      const n = (y1 - y0) * (x1 - x0);
      const o = offset + oy * outW + ox;
      out[o] = (r / n - mean) * inv;
      out[o + plane] = (g / n - mean) * inv;
      out[o + 2 * plane] = (b / n - mean) * inv;
    }
  }
}

/** Rec. 601 luma of one pixel. */
const luma = (d: Uint8Array, p: number): number => 0.299 * d[p]! + 0.587 * d[p + 1]! + 0.114 * d[p + 2]!;

/**
 * Bilinear grey crop of the rectangle (x, y, w, h) in source pixels to size x size, written as
 * grey * scale into `out` at `offset`. Pixels outside the image repeat the edge.
 */
export function writeGreyCrop(
  image: RgbImage,
  rect: { x: number; y: number; width: number; height: number },
  size: number,
  out: Float32Array,
  offset: number,
  scale = 1 / 256,
): void {
  const { data, width, height } = image;
  const sx = rect.width / size;
  const sy = rect.height / size;
  for (let oy = 0; oy < size; oy++) {
    const fy = Math.min(height - 1, Math.max(0, rect.y + (oy + 0.5) * sy - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(height - 1, y0 + 1);
    const wy = fy - y0;
    for (let ox = 0; ox < size; ox++) {
      const fx = Math.min(width - 1, Math.max(0, rect.x + (ox + 0.5) * sx - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(width - 1, x0 + 1);
      const wx = fx - x0;
      const top = luma(data, (y0 * width + x0) * 3) * (1 - wx) + luma(data, (y0 * width + x1) * 3) * wx;
      const bottom = luma(data, (y1 * width + x0) * 3) * (1 - wx) + luma(data, (y1 * width + x1) * 3) * wx;
      out[offset + oy * size + ox] = (top * (1 - wy) + bottom * wy) * scale;
    }
  }
}
