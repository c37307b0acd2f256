// Sightings index snapshot files: per partition an hnswlib graph, a raw float32 vector file and a JSON file of
// columns, plus a JSON sidecar naming each with its size and sha256. The sidecar is renamed into place last, so it is
// the commit: a crash mid-save leaves the previous snapshot whole.
import { mkdirSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import hnswlib from 'hnswlib-node';
import type { SightingIndexOptions } from './sighting-index.ts';
import { SightingIndexError } from './sighting-index.errors.ts';
import type { HnswIndex, PartitionColumns } from './sighting-index.partition.ts';
import { checkDigest, checkSidecarHeader, digestBytes, digestFile, fsyncPath, isCount, isFileRef, isRecord, readSidecarJson, readVerified, removeStaleFiles, writeSynced, type FileRef } from './snapshot-files.ts';

const { HierarchicalNSW } = hnswlib;

export const SIGHTINGS_SIDECAR = 'sightings.json';
const FORMAT = 'argus-sightings-snapshot';
const VERSION = 1;
/** hnswlib 0.8's saveIndex header; each element then takes at least its level-0 record and a 4-byte level count. */
const HNSW_HEADER_BYTES = 96;

export interface SightingSnapshotState {
  lastId: string;
  options: Required<SightingIndexOptions>;
  /** Camera names by code. */
  cameras: string[];
}

/** One partition as captured synchronously at save time. */
export interface PartitionCapture {
  key: number;
  /** Labels handed out (live and removed): the element count of its hnswlib graph. */
  labels: number;
  columns: PartitionColumns;
  /** labels * dim floats. */
  vectors: Float32Array;
  writeIndexSync(path: string): void;
}

export interface LoadedPartition {
  key: number;
  hnsw: HnswIndex;
  columns: PartitionColumns;
  vectors: Float32Array;
}

interface PartitionRef {
  key: number;
  labels: number;
  hnsw: FileRef;
  vectors: FileRef;
  columns: FileRef;
}

interface Sidecar extends SightingSnapshotState {
  format: string;
  version: number;
  createdAt: string;
  partitions: PartitionRef[];
}

let sequence = 0;

function corrupt(dir: string, reason: string, cause?: unknown): SightingIndexError {
  return new SightingIndexError(
    'SIGHTING_SNAPSHOT_CORRUPT',
    `sightings snapshot in ${dir} is corrupt (${reason}); delete that directory and restart to rebuild the index from Redis`,
    cause === undefined ? undefined : { cause },
  );
}

export async function writeSightingSnapshot(dir: string, capture: () => { state: SightingSnapshotState; partitions: PartitionCapture[] }): Promise<void> {
  const stamp = `${Date.now()}-${process.pid}-${sequence++}`;
  const written: string[] = [];
  const sidecarTmp = join(dir, `${SIGHTINGS_SIDECAR}.${stamp}.tmp`);
  const keep = new Set([SIGHTINGS_SIDECAR]);
  try {
    // Synchronous on purpose, in one go from the call: the columns, vectors and graphs must describe the same
    // moment, and nothing applied after the caller's lastId may slip in.
    mkdirSync(dir, { recursive: true });
    const { state, partitions } = capture();
    const pending = partitions.map((p) => {
      const base = `p${p.key}-${stamp}`;
      const hnswTmp = join(dir, `${base}.hnsw.tmp`);
      written.push(hnswTmp);
      p.writeIndexSync(hnswTmp);
      return { p, base, hnswTmp };
    });

    const refs: PartitionRef[] = [];
    for (const { p, base, hnswTmp } of pending) {
      const { dim, m } = state.options;
      const hnsw = await digestFile(hnswTmp);
      // hnswlib's writer does not report I/O errors: a short file is the only sign of a full disk.
      const minBytes = HNSW_HEADER_BYTES + p.labels * (4 + 2 * m * 4 + dim * 4 + 8 + 4);
      if (hnsw.bytes < minBytes) {
        throw new SightingIndexError('SIGHTING_SNAPSHOT_WRITE_FAILED', `sightings snapshot: ${hnswTmp} is ${hnsw.bytes} bytes, expected at least ${minBytes}; is the disk full?`);
      }
      await fsyncPath(hnswTmp);
      const vectors = await writeFileDurably(dir, `${base}.f32`, Buffer.from(p.vectors.buffer, p.vectors.byteOffset, p.vectors.byteLength), written);
      const columns = await writeFileDurably(dir, `${base}.cols.json`, Buffer.from(JSON.stringify(p.columns)), written);
      await rename(hnswTmp, join(dir, `${base}.hnsw`));
      written.push(join(dir, `${base}.hnsw`));
      refs.push({ key: p.key, labels: p.labels, hnsw: { file: `${base}.hnsw`, ...hnsw }, vectors, columns });
      for (const f of [`${base}.hnsw`, vectors.file, columns.file]) keep.add(f);
    }

    const sidecar: Sidecar = { format: FORMAT, version: VERSION, createdAt: new Date().toISOString(), ...state, partitions: refs };
    written.push(sidecarTmp);
    await writeSynced(sidecarTmp, JSON.stringify(sidecar));
    await rename(sidecarTmp, join(dir, SIGHTINGS_SIDECAR));
    await fsyncPath(dir);
  } catch (err) {
    await Promise.all(written.map((p) => rm(p, { force: true })));
    if (err instanceof SightingIndexError) throw err;
    throw new SightingIndexError('SIGHTING_SNAPSHOT_WRITE_FAILED', `sightings snapshot: could not write to ${dir} (${(err as Error).message}); check the directory is writable and has space`, { cause: err });
  }
  // Files of older snapshots and leftovers of crashed saves.
  await removeStaleFiles(dir, keep, (n) => /^p-?\d+-[\w-]+\.(hnsw|f32|cols\.json)(\.tmp)?$/.test(n) || /^sightings\.json\.[\w-]+\.tmp$/.test(n));
}

/**
 * null when `dir` holds no snapshot; throws SIGHTING_SNAPSHOT_CORRUPT when it holds a damaged one. `checkOptions`
 * sees the saved options before any large file is read (it throws to refuse them).
 */
export async function readSightingSnapshot(
  dir: string,
  checkOptions: (saved: Required<SightingIndexOptions>) => void,
): Promise<{ state: SightingSnapshotState; partitions: LoadedPartition[] } | null> {
  const corruptHere = (reason: string, cause?: unknown): SightingIndexError => corrupt(dir, reason, cause);
  const read = await readSidecarJson(dir, SIGHTINGS_SIDECAR, ['ENOENT', 'ENOTDIR'], corruptHere);
  if (read === null) return null;
  const sidecar = checkSidecar(dir, read.raw);
  checkOptions(sidecar.options);
  const { dim } = sidecar.options;

  const partitions: LoadedPartition[] = [];
  for (const ref of sidecar.partitions) {
    const hnswPath = join(dir, ref.hnsw.file);
    const hnswDigest = await digestFile(hnswPath).catch((err: unknown) => {
      throw corrupt(dir, `${ref.hnsw.file} is unreadable: ${(err as Error).message}`, err);
    });
    checkDigest(ref.hnsw, hnswDigest, corruptHere);
    const vectorBytes = await readVerified(dir, ref.vectors, corruptHere);
    if (vectorBytes.length !== ref.labels * dim * 4) throw corrupt(dir, `${ref.vectors.file} holds ${vectorBytes.length} bytes, expected ${ref.labels} vectors of ${dim} floats`);
    // Copied into a fresh buffer: a Buffer from readFile need not be 4-byte aligned.
    const vectors = new Float32Array(ref.labels * dim);
    new Uint8Array(vectors.buffer).set(vectorBytes);
    const columns = checkColumns(dir, ref, await readVerified(dir, ref.columns, corruptHere));

    const hnsw = new HierarchicalNSW('ip', dim);
    try {
      await hnsw.readIndex(hnswPath);
    } catch (err) {
      throw corrupt(dir, `hnswlib cannot read ${ref.hnsw.file}: ${(err as Error).message}`, err);
    }
    if (hnsw.getNumDimensions() !== dim) throw corrupt(dir, `${ref.hnsw.file} has ${hnsw.getNumDimensions()} dimensions, sidecar says ${dim}`);
    if (hnsw.getCurrentCount() !== ref.labels) throw corrupt(dir, `${ref.hnsw.file} holds ${hnsw.getCurrentCount()} labels, sidecar says ${ref.labels}`);
    partitions.push({ key: ref.key, hnsw, columns, vectors });
  }
  const { format: _f, version: _v, createdAt: _c, partitions: _p, ...state } = sidecar;
  return { state, partitions };
}

function checkSidecar(dir: string, json: unknown): Sidecar {
  const bad = (what: string): SightingIndexError => corrupt(dir, `${SIGHTINGS_SIDECAR}: ${what}`);
  const raw = checkSidecarHeader(json, FORMAT, VERSION, bad);
  if (typeof raw['lastId'] !== 'string') throw bad('lastId missing');
  const options = raw['options'];
  if (!isRecord(options)) throw bad('options missing');
  for (const key of ['dim', 'm', 'efConstruction', 'efSearch', 'exactBelow']) {
    if (!isCount(options[key])) throw bad(`options.${key} is not a non-negative integer`);
  }
  if (!(typeof options['partitionHours'] === 'number' && options['partitionHours'] > 0)) throw bad('options.partitionHours is not a positive number');
  const cameras = raw['cameras'];
  if (!Array.isArray(cameras) || !(cameras as unknown[]).every((c) => typeof c === 'string')) throw bad('cameras is not a list of names');
  const partitions = raw['partitions'];
  if (!Array.isArray(partitions)) throw bad('partitions is not an array');
  const keys = new Set<number>();
  for (const p of partitions as unknown[]) {
    if (!isRecord(p) || !Number.isInteger(p['key']) || !isCount(p['labels']) || !isFileRef(p['hnsw']) || !isFileRef(p['vectors']) || !isFileRef(p['columns'])) {
      throw bad(`partition entry ${JSON.stringify(p).slice(0, 200)} is malformed`);
    }
    if (keys.has(p['key'] as number)) throw bad(`partition ${String(p['key'])} appears twice`);
    keys.add(p['key'] as number);
  }
  return raw as unknown as Sidecar;
}

function checkColumns(dir: string, ref: PartitionRef, bytes: Buffer): PartitionColumns {
  const bad = (what: string): SightingIndexError => corrupt(dir, `${ref.columns.file}: ${what}`);
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw corrupt(dir, `${ref.columns.file} is not valid JSON`, err);
  }
  if (!isRecord(raw)) throw bad('not an object');
  const n = ref.labels;
  const column = (name: string, ok: (v: unknown) => boolean): unknown[] => {
    const c = raw[name];
    if (!Array.isArray(c) || c.length !== n) throw bad(`${name} is not an array of ${n} entries`);
    for (const v of c as unknown[]) if (!ok(v)) throw bad(`${name} holds ${JSON.stringify(v)}`);
    return c as unknown[];
  };
  const idOrNull = (v: unknown): boolean => v === null || (typeof v === 'string' && v.length > 0);
  const finite = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);
  return {
    ids: column('ids', idOrNull) as (string | null)[],
    persons: column('persons', idOrNull) as (string | null)[],
    cameras: column('cameras', isCount) as number[],
    starts: column('starts', finite) as number[],
    ends: column('ends', finite) as number[],
  };
}

/** Writes `bytes` as dir/name via a fsynced temporary file; returns its reference (hashed in memory). */
async function writeFileDurably(dir: string, name: string, bytes: Buffer, written: string[]): Promise<FileRef> {
  const tmp = join(dir, `${name}.tmp`);
  written.push(tmp);
  await writeSynced(tmp, bytes);
  await rename(tmp, join(dir, name));
  written.push(join(dir, name));
  return { file: name, ...digestBytes(bytes) };
}
