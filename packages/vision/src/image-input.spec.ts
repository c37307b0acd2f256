import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { decodeImage, fromRawRgb, VisionError } from './index.ts';
import { readFixture, sharedAnalyzer } from './testing/fixtures.ts';

const expectCode = async (p: Promise<unknown>, code: string) => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(VisionError);
  expect((err as VisionError).code).toBe(code);
  expect((err as VisionError).message.length).toBeGreaterThan(20);
};

describe('decodeImage', () => {
  it('decodes greyscale PNG to three equal channels', async () => {
    const img = await decodeImage(readFixture('faces/bbt/amy/1.png'));
    expect([img.width, img.height, img.data.length]).toEqual([150, 150, 150 * 150 * 3]);
    const mid = (75 * 150 + 75) * 3;
    expect(img.data[mid]).toBe(img.data[mid + 1]);
    expect(img.data[mid]).toBe(img.data[mid + 2]);
  });

  it('flattens alpha onto white', async () => {
    const png = await sharp({ create: { width: 20, height: 10, channels: 4, background: { r: 255, g: 0, b: 0, alpha: 0 } } }).png().toBuffer();
    const img = await decodeImage(png);
    expect(Array.from(img.data.subarray(0, 3))).toEqual([255, 255, 255]);
  });

  it('reduces 16-bit images to 8 bits per channel', async () => {
    const png16 = await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: 200, g: 100, b: 50 } } })
      .toColourspace('rgb16')
      .png()
      .toBuffer();
    expect((await sharp(png16).metadata()).depth).toBe('ushort');
    const img = await decodeImage(png16);
    expect(img.data.length).toBe(16 * 16 * 3);
    expect(Math.abs(img.data[0]! - 200)).toBeLessThanOrEqual(1);
    expect(Math.abs(img.data[1]! - 100)).toBeLessThanOrEqual(1);
  });

  it('applies EXIF orientation, so a rotated phone photo still shows its faces', async () => {
    // Store the photo rotated 90° clockwise with orientation 8 ("rotate 270° to display") in EXIF.
    const stored = await sharp(readFixture('groups/bbt4.jpg')).rotate(90).withMetadata({ orientation: 8 }).jpeg().toBuffer();
    const img = await decodeImage(stored);
    expect([img.width, img.height]).toEqual([710, 473]);
    const analyzer = await sharedAnalyzer();
    expect(await analyzer.analyze(img)).toHaveLength(6);
  });

  it('wraps raw rgb24 frames and checks their size', () => {
    const data = new Uint8Array(4 * 2 * 3);
    expect(fromRawRgb(data, 4, 2).width).toBe(4);
    expect(() => fromRawRgb(data, 4, 3)).toThrow(/expected 36 for 4x3/);
    expect(() => fromRawRgb(data, 0, 2)).toThrow(VisionError);
  });
});

describe('bad input never crashes or hangs', () => {
  it('rejects a truncated JPEG with IMAGE_UNREADABLE', async () => {
    const jpeg = readFixture('groups/bbt1.jpg');
    await expectCode(decodeImage(jpeg.subarray(0, Math.floor(jpeg.length / 3))), 'IMAGE_UNREADABLE');
  });

  it('rejects a text file renamed .jpg', async () => {
    await expectCode(decodeImage(Buffer.from('this is not an image, just text in a file named photo.jpg\n')), 'IMAGE_UNREADABLE');
  });

  it('rejects an empty buffer', async () => {
    await expectCode(decodeImage(Buffer.alloc(0)), 'IMAGE_UNREADABLE');
  });

  it('rejects a 1x1 image as too small (and the analyzer reports it the same way)', async () => {
    const png = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#808080' } }).png().toBuffer();
    await expectCode(decodeImage(png), 'IMAGE_TOO_SMALL');
    const analyzer = await sharedAnalyzer();
    await expectCode(analyzer.analyzeEncoded(png), 'IMAGE_TOO_SMALL');
  });

  it('rejects a 12000x12000 image before decoding it', async () => {
    const huge = await sharp({ create: { width: 12000, height: 12000, channels: 3, background: '#ffffff' } })
      .png({ compressionLevel: 9 })
      .toBuffer();
    const started = Date.now();
    const analyzer = await sharedAnalyzer();
    await expectCode(analyzer.analyzeEncoded(huge), 'IMAGE_TOO_LARGE');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('analyses a tiny image without error and finds nothing', async () => {
    const analyzer = await sharedAnalyzer();
    const faces = await analyzer.analyze({ data: new Uint8Array(8 * 8 * 3).fill(90), width: 8, height: 8 });
    expect(faces).toEqual([]);
  });
});
