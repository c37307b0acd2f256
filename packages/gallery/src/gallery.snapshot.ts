// Gallery snapshot files: the hnswlib index, the raw vectors and a JSON sidecar that names both with their
// sha256. The sidecar is written last by rename, so it is the commit: a crash mid-save leaves the old snapshot whole.
import { createHash } from 'node:crypto';
import { createReadStream, writeFileSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { GalleryOptions } from './gallery.ts';
import { GalleryError } from './gallery.errors.ts';

export const SIDECAR_FILE = 'gallery.json';
const FORMAT = 'argus-gallery-snapshot';
const VERSION = 1;

/** [label, faceId, personId] */
export type FaceEntry = [number, string, string];

export interface SnapshotState {
  lastLogId: string;
  options: Required<GalleryOptions>;
  capacity: number;
  /** Labels ever handed out (live + free): hnswlib's element count. */
  labelEnd: number;
  faces: FaceEntry[];
  freeLabels: number[];
}

/** Taken synchronously, in one go, so the labels, the index and the vectors describe the same moment. */
export interface SnapshotCapture {
  state: SnapshotState;
  writeIndexSync(path: string): void;
  /** Rows 0..labelEnd-1 of the flat matrix (a view). */
  vectors: Float32Array;
}

export interface SnapshotContents<Index> extends SnapshotState {
  index: Index;
  /** capacity * dim floats; rows 0..labelEnd-1 hold the saved vectors (zeros for free labels). */
  vectors: Float32Array;
}

interface FileRef {
  file: string;
  bytes: number;
  sha256: string;
}

interface Sidecar extends SnapshotState {
  format: string;
  version: number;
  createdAt: string;
  index: FileRef;
  vectors: FileRef;
}

let sequence = 0;

export function snapshotCorrupt(dir: string, reason: string, cause?: unknown): GalleryError {
  return new GalleryError(
    'GALLERY_SNAPSHOT_CORRUPT',
    `gallery snapshot in ${dir} is corrupt (${reason}); delete that directory and restart to rebuild the gallery from Redis`,
    cause === undefined ? undefined : { cause },
  );
}

export async function writeSnapshot(dir: string, capture: () => SnapshotCapture): Promise<void> {
  await mkdir(dir, { recursive: true });
  const stamp = `${Date.now()}-${process.pid}-${sequence++}`;
  const indexFile = `index-${stamp}.hnsw`;
  const vectorsFile = `vectors-${stamp}.f32`;
  const indexTmp = join(dir, `${indexFile}.tmp`);
  const vectorsTmp = join(dir, `${vectorsFile}.tmp`);
  const sidecarTmp = join(dir, `${SIDECAR_FILE}.${stamp}.tmp`);
  try {
    // Synchronous on purpose: between reading the labels and writing the index nothing may mutate the gallery.
    const { state, writeIndexSync, vectors } = capture();
    writeIndexSync(indexTmp);
    writeFileSync(vectorsTmp, new Uint8Array(vectors.buffer, vectors.byteOffset, vectors.byteLength));

    const index = await digestFile(indexTmp);
    const { dim, m } = state.options;
    // hnswlib's writer does not report I/O errors: a short file is the only sign of a full disk.
    const minIndexBytes = state.labelEnd * (dim * 4 + (2 * m + 1) * 4 + 8 + 4);
    if (index.bytes < minIndexBytes) {
      throw new GalleryError('GALLERY_SNAPSHOT_WRITE_FAILED', `gallery snapshot: index file ${indexTmp} is ${index.bytes} bytes, expected at least ${minIndexBytes}; is the disk full?`);
    }
    const vectorsDigest = await digestFile(vectorsTmp);
    await fsyncPath(indexTmp);
    await fsyncPath(vectorsTmp);
    await rename(indexTmp, join(dir, indexFile));
    await rename(vectorsTmp, join(dir, vectorsFile));

    const sidecar: Sidecar = {
      format: FORMAT,
      version: VERSION,
      createdAt: new Date().toISOString(),
      ...state,
      index: { file: indexFile, ...index },
      vectors: { file: vectorsFile, ...vectorsDigest },
    };
    const handle = await open(sidecarTmp, 'w');
    try {
      await handle.writeFile(JSON.stringify(sidecar));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(sidecarTmp, join(dir, SIDECAR_FILE));
    await fsyncPath(dir);
  } catch (err) {
    await Promise.all([indexTmp, vectorsTmp, sidecarTmp].map((p) => rm(p, { force: true })));
    if (err instanceof GalleryError) throw err;
    throw new GalleryError('GALLERY_SNAPSHOT_WRITE_FAILED', `gallery snapshot: could not write to ${dir} (${(err as Error).message}); check the directory is writable and has space`, { cause: err });
  }
  await removeStaleFiles(dir, new Set([indexFile, vectorsFile, SIDECAR_FILE]));
}

/** null when `dir` holds no snapshot; throws GALLERY_SNAPSHOT_CORRUPT when it holds a damaged one. */
export async function readSnapshot<Index>(
  dir: string,
  openIndex: (path: string, dim: number) => Promise<Index>,
): Promise<SnapshotContents<Index> | null> {
  let text: string;
  try {
    text = await readFile(join(dir, SIDECAR_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw snapshotCorrupt(dir, `cannot read ${SIDECAR_FILE}: ${(err as Error).message}`, err);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw snapshotCorrupt(dir, `${SIDECAR_FILE} is not valid JSON`, err);
  }
  const sidecar = checkSidecar(dir, raw);
  const { dim } = sidecar.options;

  const indexPath = join(dir, sidecar.index.file);
  const indexDigest = await digestFile(indexPath).catch((err: unknown) => {
    throw snapshotCorrupt(dir, `index file ${sidecar.index.file} is unreadable: ${(err as Error).message}`, err);
  });
  checkDigest(dir, sidecar.index, indexDigest);

  // Allocated at full capacity so the flat index adopts it without a second copy.
  const vectors = new Float32Array(sidecar.capacity * dim);
  const used = new Uint8Array(vectors.buffer, 0, sidecar.labelEnd * dim * 4);
  const vectorsDigest = await readInto(join(dir, sidecar.vectors.file), used).catch((err: unknown) => {
    throw snapshotCorrupt(dir, `vectors file ${sidecar.vectors.file} is unreadable: ${(err as Error).message}`, err);
  });
  checkDigest(dir, sidecar.vectors, vectorsDigest);

  // Only now, with the bytes proven to be the ones written, does native code parse them.
  let index: Index;
  try {
    index = await openIndex(indexPath, dim);
  } catch (err) {
    throw snapshotCorrupt(dir, `hnswlib cannot read ${sidecar.index.file}: ${(err as Error).message}`, err);
  }
  const { format: _f, version: _v, createdAt: _c, index: _i, vectors: _vf, ...state } = sidecar;
  return { ...state, index, vectors };
}

function checkDigest(dir: string, expected: FileRef, actual: { bytes: number; sha256: string }): void {
  if (actual.bytes !== expected.bytes) throw snapshotCorrupt(dir, `${expected.file} is ${actual.bytes} bytes, expected ${expected.bytes}`);
  if (actual.sha256 !== expected.sha256) throw snapshotCorrupt(dir, `${expected.file} fails its sha256 check`);
}

function checkSidecar(dir: string, raw: unknown): Sidecar {
  const bad = (what: string): GalleryError => snapshotCorrupt(dir, `${SIDECAR_FILE}: ${what}`);
  if (!isRecord(raw)) throw bad('not an object');
  if (raw['format'] !== FORMAT) throw bad(`format is ${JSON.stringify(raw['format'])}, expected "${FORMAT}"`);
  if (raw['version'] !== VERSION) throw bad(`version ${JSON.stringify(raw['version'])} is not supported (expected ${VERSION})`);
  if (typeof raw['lastLogId'] !== 'string') throw bad('lastLogId missing');
  const options = raw['options'];
  if (!isRecord(options)) throw bad('options missing');
  for (const key of ['dim', 'm', 'efConstruction', 'efSearch', 'exactBelow', 'initialCapacity']) {
    if (!isCount(options[key])) throw bad(`options.${key} is not a non-negative integer`);
  }
  const labelEnd = raw['labelEnd'];
  if (!isCount(labelEnd)) throw bad('labelEnd is not a non-negative integer');
  const capacity = raw['capacity'];
  if (!isCount(capacity) || capacity < labelEnd) throw bad('capacity is not an integer >= labelEnd');
  const isLabel = (v: unknown): v is number => isCount(v) && v < labelEnd;
  const faces = raw['faces'];
  if (!Array.isArray(faces)) throw bad('faces is not an array');
  for (const face of faces as unknown[]) {
    if (!Array.isArray(face) || face.length !== 3 || !isLabel(face[0]) || typeof face[1] !== 'string' || typeof face[2] !== 'string') {
      throw bad(`face entry ${JSON.stringify(face)} is not [label, faceId, personId]`);
    }
  }
  const freeLabels = raw['freeLabels'];
  if (!Array.isArray(freeLabels) || !(freeLabels as unknown[]).every(isLabel)) throw bad('freeLabels is not a list of labels');
  for (const key of ['index', 'vectors']) {
    const ref = raw[key];
    if (!isRecord(ref) || typeof ref['file'] !== 'string' || !/^[\w.-]+$/.test(ref['file']) || !isCount(ref['bytes']) || typeof ref['sha256'] !== 'string') {
      throw bad(`${key} file reference is malformed`);
    }
  }
  const vectorBytes = labelEnd * (options['dim'] as number) * 4;
  if ((raw['vectors'] as Record<string, unknown>)['bytes'] !== vectorBytes) throw bad(`vectors file should hold ${vectorBytes} bytes for ${labelEnd} labels`);
  return raw as unknown as Sidecar;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

async function digestFile(path: string): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 4 << 20 })) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { bytes, sha256: hash.digest('hex') };
}

/** Reads a whole file into `target` (which must be exactly its size) and hashes it on the way. */
async function readInto(path: string, target: Uint8Array): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (size !== target.byteLength) return { bytes: size, sha256: '' };
    let offset = 0;
    while (offset < size) {
      const length = Math.min(16 << 20, size - offset);
      const { bytesRead } = await handle.read(target, offset, length, offset);
      if (bytesRead === 0) break;
      hash.update(target.subarray(offset, offset + bytesRead));
      offset += bytesRead;
    }
    return { bytes: offset, sha256: hash.digest('hex') };
  } finally {
    await handle.close();
  }
}

async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Index/vector files of older snapshots and leftovers of crashed saves. */
async function removeStaleFiles(dir: string, keep: Set<string>): Promise<void> {
  const names = await readdir(dir);
  const stale = names.filter((n) => !keep.has(n) && (/^(index|vectors)-[\w-]+\.(hnsw|f32)(\.tmp)?$/.test(n) || /^gallery\.json\.[\w-]+\.tmp$/.test(n)));
  await Promise.all(
    stale.map(async (n) => {
      const path = join(dir, n);
      if ((await stat(path)).isFile()) await rm(path, { force: true });
    }),
  );
}
