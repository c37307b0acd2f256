// Clips an operator exported to keep: <dataDir>/exports/<id>.mp4 with a JSON sidecar <id>.json. Kept until
// removed; recording retention never deletes them, and keeps the segments they were cut from (pinnedSegments).
import { randomUUID } from 'node:crypto';
import { copyFile, link, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { SourceLogger } from './camera-source.ts';
import type { ClipCutter } from './clip-cutter.ts';
import { segmentKey } from './segment-list.ts';
import { VideoError } from './video-error.ts';

export const EXPORT_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const EXPORT_NAME_MAX = 200;

export interface ExportStoreOptions {
  /** Exports live in <dataDir>/exports/. */
  dataDir: string;
  log?: SourceLogger;
}

export interface ExportInput {
  camera: string;
  fromMs: number;
  toMs: number;
  /** Free text shown to operators, at most 200 characters; stored only in the JSON sidecar. */
  name?: string | undefined;
}

/** What the JSON sidecar holds. */
export interface ExportRecord {
  id: string;
  camera: string;
  /** Wall-clock window the exported clip covers (pre/post roll and keyframe start included). */
  fromMs: number;
  toMs: number;
  name?: string;
  bytes: number;
  durationS: number;
  createdAt: number;
  /** Recording segment names (in the camera's folder) the clip was cut from. */
  segments: string[];
}

export interface ExportedClip extends ExportRecord {
  /** Absolute path of the MP4. */
  path: string;
}

/** Checks an export id from a URL before it becomes a file name. */
export function assertExportId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || !EXPORT_ID_PATTERN.test(id)) {
    const shown = typeof id === 'string' ? JSON.stringify(id.slice(0, 80)) : typeof id;
    throw new VideoError('INVALID_INPUT', `export id ${shown} is not valid: ids are UUIDs such as 3f2b8c1e-7a4d-4e2f-9b1a-0c5d6e7f8a9b, as listed by the exports list`);
  }
}

/** Trims an export name; undefined when empty, INVALID_INPUT when too long or not text. */
export function normalizeExportName(name: unknown): string | undefined {
  if (name === undefined || name === null) return undefined;
  if (typeof name !== 'string') throw new VideoError('INVALID_INPUT', `export name must be text, got ${typeof name}`);
  const trimmed = name.trim();
  if (trimmed.length > EXPORT_NAME_MAX) throw new VideoError('INVALID_INPUT', `export name is ${trimmed.length} characters long; use at most ${EXPORT_NAME_MAX}`);
  return trimmed || undefined;
}

function isRecord(value: unknown): value is ExportRecord {
  const r = value as Partial<ExportRecord> | null;
  return (
    typeof r === 'object' && r !== null &&
    typeof r.id === 'string' && EXPORT_ID_PATTERN.test(r.id) &&
    typeof r.camera === 'string' &&
    typeof r.fromMs === 'number' && typeof r.toMs === 'number' &&
    typeof r.bytes === 'number' && typeof r.durationS === 'number' && typeof r.createdAt === 'number' &&
    Array.isArray(r.segments) && r.segments.every((s) => typeof s === 'string') &&
    (r.name === undefined || typeof r.name === 'string')
  );
}

export class ExportStore {
  /** The exports folder, <dataDir>/exports. */
  readonly dir: string;
  private readonly log: SourceLogger | undefined;

  constructor(options: ExportStoreOptions) {
    if (!options.dataDir) throw new VideoError('INVALID_OPTIONS', 'export store: dataDir is not set');
    this.dir = join(resolve(options.dataDir), 'exports');
    this.log = options.log;
  }

  /** Cuts the window with `cutter` (its checks and errors apply) and keeps the clip as a new export. */
  async create(input: ExportInput, cutter: ClipCutter): Promise<ExportedClip> {
    const name = normalizeExportName(input.name);
    await mkdir(this.dir, { recursive: true });
    const id = randomUUID();
    const path = this.mp4Path(id);
    let clip = await cutter.cut(input.camera, input.fromMs, input.toMs);
    try {
      await this.keepCopy(clip.path, path);
    } catch (err) {
      // The cache may have dropped the clip between the cut and the link: cut it once more.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      clip = await cutter.cut(input.camera, input.fromMs, input.toMs);
      await this.keepCopy(clip.path, path);
    }
    const record: ExportRecord = {
      id,
      camera: clip.camera,
      fromMs: clip.fromMs,
      toMs: clip.toMs,
      ...(name !== undefined && { name }),
      bytes: clip.bytes,
      durationS: clip.durationS,
      createdAt: Date.now(),
      segments: clip.segments,
    };
    const tmp = join(this.dir, `.${id}.json.tmp`);
    try {
      await writeFile(tmp, `${JSON.stringify(record, null, 2)}\n`);
      await rename(tmp, this.jsonPath(id));
    } catch (err) {
      await Promise.all([rm(tmp, { force: true }), rm(path, { force: true })]);
      throw err;
    }
    this.log?.info({ export: id, camera: record.camera, fromMs: record.fromMs, toMs: record.toMs, bytes: record.bytes }, `export ${id}: ${record.camera}, ${record.durationS.toFixed(1)} s, ${record.bytes} bytes`);
    return { ...record, path };
  }

  /** Every export, newest first. */
  async list(): Promise<ExportedClip[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const records: ExportedClip[] = [];
    for (const name of names) {
      const id = name.endsWith('.json') ? name.slice(0, -5) : '';
      if (!EXPORT_ID_PATTERN.test(id)) continue;
      const record = await this.read(id);
      if (record) records.push(record);
    }
    return records.sort((a, b) => b.createdAt - a.createdAt || a.id.localeCompare(b.id));
  }

  /** One export; INVALID_INPUT for an id that is not a UUID, NOT_FOUND when there is none. */
  async get(id: string): Promise<ExportedClip> {
    assertExportId(id);
    const record = await this.read(id);
    if (!record) throw new VideoError('NOT_FOUND', `export ${id} not found: it was removed or never existed; list the exports to see what is kept`);
    return record;
  }

  /** Deletes an export (sidecar first, so that it disappears from lists at once); NOT_FOUND when there is none. */
  async remove(id: string): Promise<void> {
    assertExportId(id);
    try {
      await rm(this.jsonPath(id));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      // A clip without its sidecar (a crash while exporting) is not an export: tidy it, then say not found.
      await rm(this.mp4Path(id), { force: true });
      throw new VideoError('NOT_FOUND', `export ${id} not found: it was removed or never existed; list the exports to see what is kept`);
    }
    await rm(this.mp4Path(id), { force: true });
    this.log?.info({ export: id }, `export ${id}: removed`);
  }

  /** "camera/segment name" of every segment an export was cut from; recording retention keeps these. */
  async pinnedSegments(): Promise<Set<string>> {
    const pinned = new Set<string>();
    for (const r of await this.list()) for (const s of r.segments) pinned.add(segmentKey(r.camera, s));
    return pinned;
  }

  private async read(id: string): Promise<ExportedClip | undefined> {
    let text: string;
    try {
      text = await readFile(this.jsonPath(id), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch {
      record = undefined;
    }
    if (!isRecord(record) || record.id !== id) {
      this.log?.warn({ export: id }, `export ${id}: ${this.jsonPath(id)} is not a valid export record; skipped (fix or delete it)`);
      return undefined;
    }
    if (!(await stat(this.mp4Path(id)).then((s) => s.isFile(), () => false))) {
      this.log?.warn({ export: id }, `export ${id}: its clip ${this.mp4Path(id)} is missing; skipped (remove the export)`);
      return undefined;
    }
    return { ...record, path: this.mp4Path(id) };
  }

  /** A hard link when the cache is on the same disk (no copy, and deleting the cache entry leaves the export), else a copy. */
  private async keepCopy(from: string, to: string): Promise<void> {
    try {
      await link(from, to);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'EMLINK') throw err;
      const tmp = `${to}.tmp`;
      await copyFile(from, tmp);
      await rename(tmp, to);
    }
  }

  private jsonPath(id: string): string {
    return join(this.dir, `${id}.json`);
  }

  private mp4Path(id: string): string {
    return join(this.dir, `${id}.mp4`);
  }
}
