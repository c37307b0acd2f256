// File integrity for the gallery and sightings snapshots: each names its files in a JSON sidecar with their size and
// sha256, writes them fsynced, and proves them on load. Errors come from the caller's factory, so codes stay per index.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** How a sidecar names one of its files. */
export interface FileRef {
  file: string;
  bytes: number;
  sha256: string;
}

export interface FileDigest {
  bytes: number;
  sha256: string;
}

/** Builds the index's own "snapshot is corrupt" error. */
export type CorruptError = (reason: string, cause?: unknown) => Error;

export async function digestFile(path: string): Promise<FileDigest> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 4 << 20 })) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { bytes, sha256: hash.digest('hex') };
}

export function digestBytes(bytes: Buffer): FileDigest {
  return { bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
}

export function checkDigest(expected: FileRef, actual: FileDigest, corrupt: CorruptError): void {
  if (actual.bytes !== expected.bytes) throw corrupt(`${expected.file} is ${actual.bytes} bytes, expected ${expected.bytes}`);
  if (actual.sha256 !== expected.sha256) throw corrupt(`${expected.file} fails its sha256 check`);
}

/** The whole of dir/ref.file, once its size and sha256 match the reference. */
export async function readVerified(dir: string, ref: FileRef, corrupt: CorruptError): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await readFile(join(dir, ref.file));
  } catch (err) {
    throw corrupt(`${ref.file} is unreadable: ${(err as Error).message}`, err);
  }
  checkDigest(ref, digestBytes(bytes), corrupt);
  return bytes;
}

/** Writes `data` to `path` and fsyncs it before returning. */
export async function writeSynced(path: string, data: string | Buffer): Promise<void> {
  const handle = await open(path, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Deletes the plain files in `dir` that `isSnapshotFile` claims and `keep` does not hold. */
export async function removeStaleFiles(dir: string, keep: Set<string>, isSnapshotFile: (name: string) => boolean): Promise<void> {
  const names = await readdir(dir);
  const stale = names.filter((n) => !keep.has(n) && isSnapshotFile(n));
  await Promise.all(
    stale.map(async (n) => {
      const path = join(dir, n);
      if ((await stat(path)).isFile()) await rm(path, { force: true });
    }),
  );
}

/**
 * The parsed JSON of the sidecar dir/name, wrapped; null where reading it fails with one of the `absent` errno codes
 * (no snapshot there yet). Any other read failure, and JSON that does not parse, is corruption.
 */
export async function readSidecarJson(dir: string, name: string, absent: readonly string[], corrupt: CorruptError): Promise<{ raw: unknown } | null> {
  let text: string;
  try {
    text = await readFile(join(dir, name), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== undefined && absent.includes(code)) return null;
    throw corrupt(`cannot read ${name}: ${(err as Error).message}`, err);
  }
  try {
    return { raw: JSON.parse(text) as unknown };
  } catch (err) {
    throw corrupt(`${name} is not valid JSON`, err);
  }
}

/** The sidecar as an object whose format and version this code reads; `bad` words the error. */
export function checkSidecarHeader(raw: unknown, format: string, version: number, bad: (what: string) => Error): Record<string, unknown> {
  if (!isRecord(raw)) throw bad('not an object');
  if (raw['format'] !== format) throw bad(`format is ${JSON.stringify(raw['format'])}, expected "${format}"`);
  if (raw['version'] !== version) throw bad(`version ${JSON.stringify(raw['version'])} is not supported (expected ${version})`);
  return raw;
}

export function isFileRef(v: unknown): v is FileRef {
  return isRecord(v) && typeof v['file'] === 'string' && /^[\w.-]+$/.test(v['file']) && isCount(v['bytes']) && typeof v['sha256'] === 'string';
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}
