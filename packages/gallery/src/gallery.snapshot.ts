// Gallery snapshot files: the hnswlib index and a JSON sidecar that names it with its size and sha256. The sidecar
// is written last by rename, so it is the commit: a crash mid-save leaves the old snapshot whole.
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { GalleryOptions } from './gallery.ts';
import { GalleryError } from './gallery.errors.ts';
import { checkDigest, checkSidecarHeader, digestFile, fsyncPath, isCount, isFileRef, isRecord, readSidecarJson, removeStaleFiles, writeSynced, type FileRef } from './snapshot-files.ts';

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
    await writeSynced(sidecarTmp, JSON.stringify(sidecar));
    await rename(sidecarTmp, join(dir, SIDECAR_FILE));
    await fsyncPath(dir);
  } catch (err) {
    await Promise.all([indexTmp, sidecarTmp].map((p) => rm(p, { force: true })));
    if (err instanceof GalleryError) throw err;
    throw new GalleryError('GALLERY_SNAPSHOT_WRITE_FAILED', `gallery snapshot: could not write to ${dir} (${(err as Error).message}); check the directory is writable and has space`, { cause: err });
  }
  // Index/vector files of older snapshots and leftovers of crashed saves.
  await removeStaleFiles(dir, new Set([indexFile, SIDECAR_FILE]), (n) => /^index-[\w-]+\.hnsw(\.tmp)?$/.test(n) || /^gallery\.json\.[\w-]+\.tmp$/.test(n));
}

/** null when `dir` holds no snapshot; throws GALLERY_SNAPSHOT_CORRUPT when it holds a damaged one. */
export async function readSnapshot<Index>(
  dir: string,
  openIndex: (path: string, dim: number) => Promise<Index>,
): Promise<SnapshotContents<Index> | null> {
  const corrupt = (reason: string, cause?: unknown): GalleryError => snapshotCorrupt(dir, reason, cause);
  const read = await readSidecarJson(dir, SIDECAR_FILE, ['ENOENT'], corrupt);
  if (read === null) return null;
  const sidecar = checkSidecar(dir, read.raw);
  const { dim } = sidecar.options;

  const indexPath = join(dir, sidecar.index.file);
  const indexDigest = await digestFile(indexPath).catch((err: unknown) => {
    throw corrupt(`index file ${sidecar.index.file} is unreadable: ${(err as Error).message}`, err);
  });
  checkDigest(sidecar.index, indexDigest, corrupt);

  // Read with the bytes proven to be the ones written; the JS parser checks the layout before native code parses them.
  let vectors: Float32Array;
  try {
    vectors = await readIndexVectors(indexPath, sidecar);
  } catch (err) {
    throw corrupt(`${sidecar.index.file}: ${(err as Error).message}`, err);
  }

  let index: Index;
  try {
    index = await openIndex(indexPath, dim);
  } catch (err) {
    throw corrupt(`hnswlib cannot read ${sidecar.index.file}: ${(err as Error).message}`, err);
  }
  const { format: _f, version: _v, createdAt: _c, index: _i, ...state } = sidecar;
  return { ...state, index, vectors };
}

function checkSidecar(dir: string, json: unknown): Sidecar {
  const bad = (what: string): GalleryError => snapshotCorrupt(dir, `${SIDECAR_FILE}: ${what}`);
  const raw = checkSidecarHeader(json, FORMAT, VERSION, bad);
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
  if (!isFileRef(raw['index'])) throw bad('index file reference is malformed');
  return raw as unknown as Sidecar;
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
