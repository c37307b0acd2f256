import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ImageStore, parseImagePath } from './image-store.ts';
import { isStoreError } from './store-error.ts';

const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9]);

async function codeOf(run: () => unknown): Promise<string | undefined> {
  try {
    await run();
  } catch (err) {
    return isStoreError(err) ? err.code : `untyped: ${(err as Error).message}`;
  }
  return undefined;
}

describe('ImageStore', () => {
  let root: string;
  let images: ImageStore;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'argus-images-'));
    images = new ImageStore(root);
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('saves by id, reads back the same bytes and removes', async () => {
    const path = await images.save('faces', 'f-1', jpeg);
    expect(path).toBe('faces/f-1.jpg');
    expect((await images.read('faces', 'f-1')).equals(jpeg)).toBe(true);
    expect((await images.readPath(path)).equals(jpeg)).toBe(true);
    expect(await readdir(join(root, 'faces'))).toEqual(['f-1.jpg']);
    expect(await images.remove('faces', 'f-1')).toBe(true);
    expect(await images.remove('faces', 'f-1')).toBe(false);
    expect(await codeOf(() => images.read('faces', 'f-1'))).toBe('NOT_FOUND');
  });

  it('never builds a file name from anything but a checked id and kind', async () => {
    expect(await codeOf(() => images.save('faces', '../../etc/x', jpeg))).toBe('INVALID_ID');
    expect(await codeOf(() => images.save('faces', 'a.b', jpeg))).toBe('INVALID_ID');
    expect(await codeOf(() => images.save('../x' as 'faces', 'a', jpeg))).toBe('INVALID_INPUT');
    expect(await codeOf(() => images.readPath('faces/../../secret.jpg'))).toBe('INVALID_INPUT');
    expect(await codeOf(() => images.removePath('/etc/passwd'))).toBe('INVALID_INPUT');
    expect(await readdir(root)).toEqual([]);
  });

  it('accepts only JPEG bytes', async () => {
    expect(await codeOf(() => images.save('thumbs', 't1', Buffer.from('GIF89a')))).toBe('INVALID_INPUT');
  });

  it('parses stored paths back to kind and id', () => {
    expect(parseImagePath('thumbs/1732540000000-0.jpg')).toEqual({ kind: 'thumbs', id: '1732540000000-0' });
  });
});
