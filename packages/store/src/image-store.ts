// Enrolled face photos and sighting thumbnails on disk: {root}/{kind}/{id}.jpg. Files are named by id
// only, never by anything a user typed; ids are checked, and stored relative paths are parsed back, so a
// path from Redis can never point outside the root.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { assertId } from './ids.ts';
import { StoreError } from './store-error.ts';

export const IMAGE_KINDS = ['faces', 'thumbs'] as const;
export type ImageKind = (typeof IMAGE_KINDS)[number];

const RELATIVE_PATH = /^(faces|thumbs)\/([A-Za-z0-9_-]{1,128})\.jpg$/;

export const isJpeg = (bytes: Uint8Array): boolean => bytes.length > 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;

/** "faces/ab12.jpg" -> { kind: 'faces', id: 'ab12' }; INVALID_INPUT for anything else. */
export function parseImagePath(relativePath: string): { kind: ImageKind; id: string } {
  const match = RELATIVE_PATH.exec(relativePath);
  if (!match) throw new StoreError('INVALID_INPUT', `${JSON.stringify(relativePath)} is not an image path such as "faces/<id>.jpg"`);
  return { kind: match[1] as ImageKind, id: match[2]! };
}

export function imagePath(kind: ImageKind, id: string): string {
  if (!IMAGE_KINDS.includes(kind)) throw new StoreError('INVALID_INPUT', `image kind ${JSON.stringify(kind)} is not one of ${IMAGE_KINDS.join(', ')}`);
  return `${kind}/${assertId(id, 'image id')}.jpg`;
}

export class ImageStore {
  readonly root: string;

  /** `root` is the images directory, e.g. join(config.paths.data, 'images'). */
  constructor(root: string) {
    this.root = resolve(root);
  }

  /** Writes atomically (temp file + rename); returns the path relative to the root, to store in Redis. */
  async save(kind: ImageKind, id: string, jpeg: Uint8Array): Promise<string> {
    const relative = imagePath(kind, id);
    if (!isJpeg(jpeg)) throw new StoreError('INVALID_INPUT', `image ${relative} is not a JPEG (encode it with sharp or ffmpeg first)`);
    const target = join(this.root, relative);
    await mkdir(join(this.root, kind), { recursive: true });
    const temp = `${target}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await writeFile(temp, jpeg);
      await rename(temp, target);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
    return relative;
  }

  async read(kind: ImageKind, id: string): Promise<Buffer> {
    const relative = imagePath(kind, id);
    try {
      return await readFile(join(this.root, relative));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new StoreError('NOT_FOUND', `image ${relative} does not exist`);
      throw err;
    }
  }

  /** Reads by the relative path stored in Redis ("faces/<id>.jpg"). */
  readPath(relativePath: string): Promise<Buffer> {
    const { kind, id } = parseImagePath(relativePath);
    return this.read(kind, id);
  }

  /** Absolute file path, e.g. for streaming a response. */
  absolutePath(kind: ImageKind, id: string): string {
    return join(this.root, imagePath(kind, id));
  }

  /** True when a file was deleted, false when there was none. */
  async remove(kind: ImageKind, id: string): Promise<boolean> {
    try {
      await unlink(join(this.root, imagePath(kind, id)));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }

  removePath(relativePath: string): Promise<boolean> {
    const { kind, id } = parseImagePath(relativePath);
    return this.remove(kind, id);
  }

  /**
   * Deletes every image of `relativePaths` (as stored in Redis); returns how many files were deleted. The records
   * are gone already when this runs, so a file that cannot be deleted is reported to `onError`, never thrown.
   */
  async removePaths(relativePaths: readonly string[], onError: (path: string, err: Error) => void): Promise<number> {
    let deleted = 0;
    for (const path of relativePaths) {
      try {
        if (await this.removePath(path)) deleted++;
      } catch (err) {
        onError(path, err as Error);
      }
    }
    return deleted;
  }
}
