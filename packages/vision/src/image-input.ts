// Turns encoded photos (JPEG, PNG, WebP, ...) and raw frames into packed 8-bit RGB, the one form every
// vision stage reads. sharp handles EXIF rotation, alpha, greyscale and 16-bit input.
import sharp from 'sharp';
import { VisionError } from './errors.ts';
import type { RgbImage } from './types.ts';

export interface DecodeOptions {
  /** Reject images with more pixels than this before decoding them. */
  maxPixels?: number;
  /** Smallest accepted side in pixels. */
  minSidePx?: number;
  /** Give up decoding after this long. */
  timeoutSeconds?: number;
}

const DEFAULT_MAX_PIXELS = 50_000_000;

/** Decodes an encoded image buffer to RGB, applying EXIF orientation and flattening alpha onto white. */
export async function decodeImage(input: Buffer | Uint8Array, options: DecodeOptions = {}): Promise<RgbImage> {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const minSidePx = options.minSidePx ?? 8;
  if (input.length === 0) throw new VisionError('IMAGE_UNREADABLE', 'the file is empty: expected a JPEG, PNG or WebP photo');
  let meta: Awaited<ReturnType<ReturnType<typeof sharp>['metadata']>>;
  try {
    meta = await sharp(input, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw new VisionError('IMAGE_UNREADABLE', `not a readable image (${(err as Error).message}): expected a JPEG, PNG or WebP photo`, {
      cause: err,
    });
  }
  const width = meta.autoOrient?.width ?? meta.width ?? 0;
  const height = meta.autoOrient?.height ?? meta.height ?? 0;
  if (width * height > maxPixels) {
    throw new VisionError(
      'IMAGE_TOO_LARGE',
      `image is ${width}x${height} (${((width * height) / 1e6).toFixed(0)} Mpx), more than the ${(maxPixels / 1e6).toFixed(0)} Mpx allowed: downscale it first`,
    );
  }
  if (width < minSidePx || height < minSidePx) {
    throw new VisionError('IMAGE_TOO_SMALL', `image is ${width}x${height}: a face needs at least ${minSidePx} pixels a side`);
  }
  try {
    const { data, info } = await sharp(input, { limitInputPixels: maxPixels, failOn: 'error' })
      .timeout({ seconds: options.timeoutSeconds ?? 20 })
      .rotate()
      .flatten({ background: { r: 255, g: 255, b: 255 } })
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) return toRgb(data, info.width, info.height, info.channels);
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
  } catch (err) {
    throw new VisionError('IMAGE_UNREADABLE', `the image could not be decoded (${(err as Error).message}); it may be truncated or corrupt`, {
      cause: err,
    });
  }
}

function toRgb(data: Uint8Array, width: number, height: number, channels: number): RgbImage {
  const out = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; i < width * height; i++, j += channels) {
    const r = data[j]!;
    out[i * 3] = r;
    out[i * 3 + 1] = channels >= 3 ? data[j + 1]! : r;
    out[i * 3 + 2] = channels >= 3 ? data[j + 2]! : r;
  }
  return { data: out, width, height };
}

/** Wraps a raw rgb24 frame (as ffmpeg writes it) without copying, after checking its size. */
export function fromRawRgb(data: Uint8Array, width: number, height: number): RgbImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new VisionError('IMAGE_INVALID_RAW', `raw frame size ${width}x${height} is not a positive whole size`);
  }
  if (data.length !== width * height * 3) {
    throw new VisionError(
      'IMAGE_INVALID_RAW',
      `raw frame has ${data.length} bytes, expected ${width * height * 3} for ${width}x${height} rgb24`,
    );
  }
  return { data, width, height };
}

/** Encodes an RGB image as JPEG (thumbnails, enrolled crops, live view). */
export async function encodeJpeg(image: RgbImage, quality = 85): Promise<Buffer> {
  return sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.length), {
    raw: { width: image.width, height: image.height, channels: 3 },
  })
    .jpeg({ quality })
    .toBuffer();
}
