// Gallery snapshot files: the hnswlib index and a JSON sidecar that names it with its size and sha256. The sidecar
// is written last by rename, so it is the commit: a crash mid-save leaves the old snapshot whole.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
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

/** Taken synchronously, in one go, so the labels and the index describe the same moment. */
export interface SnapshotCapture {
  state: SnapshotState;
  writeIndexSync(path: string): void;
}

export interface SnapshotContents<Index> extends SnapshotState {
  index: Index;
  /** capacity * dim floats, row = label: the vectors of live faces (zeros for free labels), read from the index file. */
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
}

let sequence = 0;

/**
 * hnswlib's saveIndex layout (hnswlib 0.8 inside hnswlib-node 3.0): a 96-byte header of little-endian fields, then
 * one record per element, [level-0 links (4 + maxM0 * 4 bytes)][vector (dim * 4)][label (8)], then upper-level links.
 * Reading the vectors back from it spares the snapshot a second copy of them.
 */
const HEADER_BYTES = 96;

function recordBytes(dim: number, maxM0: number): number {
  return 4 + maxM0 * 4 + dim * 4 + 8;
}

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
  const indexTmp = join(dir, `${indexFile}.tmp`);
  const sidecarTmp = join(dir, `${SIDECAR_FILE}.${stamp}.tmp`);
  try {
    // Synchronous on purpose: between reading the labels and writing the index nothing may mutate the gallery.
    const { state, writeIndexSync } = capture();
    writeIndexSync(indexTmp);

    const index = await digestFile(indexTmp);
    const { dim, m } = state.options;
    // hnswlib's writer does not report I/O errors: a short file is the only sign of a full disk.
    const minIndexBytes = HEADER_BYTES + state.labelEnd * (recordBytes(dim, 2 * m) + 4);
    if (index.bytes < minIndexBytes) {
      throw new GalleryError('GALLERY_SNAPSHOT_WRITE_FAILED', `gallery snapshot: index file ${indexTmp} is ${index.bytes} bytes, expected at least ${minIndexBytes}; is the disk full?`);
    }
    await fsyncPath(indexTmp);
    await rename(indexTmp, join(dir, indexFile));

    const sidecar: Sidecar = { format: FORMAT, version: VERSION, createdAt: new Date().toISOString(), ...state, index: { file: indexFile, ...index } };
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
    await Promise.all([indexTmp, sidecarTmp].map((p) => rm(p, { force: true })));
    if (err instanceof GalleryError) throw err;
    throw new GalleryError('GALLERY_SNAPSHOT_WRITE_FAILED', `gallery snapshot: could not write to ${dir} (${(err as Error).message}); check the directory is writable and has space`, { cause: err });
  }
  await removeStaleFiles(dir, new Set([indexFile, SIDECAR_FILE]));
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

  // Read with the bytes proven to be the ones written; the JS parser checks the layout before native code parses them.
  let vectors: Float32Array;
  try {
    vectors = await readIndexVectors(indexPath, sidecar);
  } catch (err) {
    throw snapshotCorrupt(dir, `${sidecar.index.file}: ${(err as Error).message}`, err);
  }

  let index: Index;
  try {
    index = await openIndex(indexPath, dim);
  } catch (err) {
    throw snapshotCorrupt(dir, `hnswlib cannot read ${sidecar.index.file}: ${(err as Error).message}`, err);
  }
  const { format: _f, version: _v, createdAt: _c, index: _i, ...state } = sidecar;
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
  const ref = raw['index'];
  if (!isRecord(ref) || typeof ref['file'] !== 'string' || !/^[\w.-]+$/.test(ref['file']) || !isCount(ref['bytes']) || typeof ref['sha256'] !== 'string') {
    throw bad('index file reference is malformed');
  }
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

/** The vectors of the sidecar's live faces, as a capacity * dim matrix (row = label). Throws on any layout surprise. */
async function readIndexVectors(path: string, sidecar: Sidecar): Promise<Float32Array> {
  const { dim, m } = sidecar.options;
  const handle = await open(path, 'r');
  try {
    const header = new Uint8Array(HEADER_BYTES);
    await handle.read(header, 0, HEADER_BYTES, 0);
    const view = new DataView(header.buffer);
    const u64 = (offset: number): number => Number(view.getBigUint64(offset, true));
    const count = u64(16);
    const recordSize = u64(24);
    const labelOffset = u64(32);
    const dataOffset = u64(40);
    const maxM0 = u64(64);
    if (u64(0) !== 0 || maxM0 !== 2 * m || dataOffset !== 4 + maxM0 * 4 || labelOffset !== dataOffset + dim * 4 || recordSize !== recordBytes(dim, maxM0)) {
      throw new Error(`unexpected hnswlib layout (record ${recordSize} bytes, data at ${dataOffset}, label at ${labelOffset}, maxM0 ${maxM0}) for dim ${dim}, M ${m}`);
    }
    if (count !== sidecar.labelEnd) throw new Error(`holds ${count} elements, sidecar says ${sidecar.labelEnd}`);

    const live = new Uint8Array(sidecar.labelEnd);
    for (const [label] of sidecar.faces) live[label] = 1;
    const rows = new Float32Array(sidecar.capacity * dim);
    const perChunk = Math.max(1, Math.floor((8 << 20) / recordSize));
    const chunk = new Uint8Array(perChunk * recordSize);
    const chunkView = new DataView(chunk.buffer);
    for (let first = 0; first < count; first += perChunk) {
      const n = Math.min(perChunk, count - first);
      const { bytesRead } = await handle.read(chunk, 0, n * recordSize, HEADER_BYTES + first * recordSize);
      if (bytesRead !== n * recordSize) throw new Error('ends inside its element records');
      for (let j = 0; j < n; j++) {
        const base = j * recordSize;
        const label = Number(chunkView.getBigUint64(base + labelOffset, true));
        if (label >= sidecar.labelEnd) throw new Error(`element ${first + j} has label ${label}, beyond the ${sidecar.labelEnd} labels in use`);
        // recordSize and dataOffset are multiples of 4, so the vector is aligned for a Float32Array view.
        if (live[label] === 1) rows.set(new Float32Array(chunk.buffer, base + dataOffset, dim), label * dim);
      }
    }
    return rows;
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
  const stale = names.filter((n) => !keep.has(n) && (/^index-[\w-]+\.hnsw(\.tmp)?$/.test(n) || /^gallery\.json\.[\w-]+\.tmp$/.test(n)));
  await Promise.all(
    stale.map(async (n) => {
      const path = join(dir, n);
      if ((await stat(path)).isFile()) await rm(path, { force: true });
    }),
  );
}
