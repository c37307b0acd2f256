// Deletes old recording segments: past maxAgeMs, then the oldest across all cameras while the recordings
// exceed the disk budget. Never a segment an export was cut from (pinned), never one being written.
import { readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { SourceLogger } from './camera-source.ts';
import { CAMERA_ID_PATTERN } from './clip-cutter.ts';
import { parseSegmentList, parseSegmentStart, SEGMENT_LIST_PREFIX, segmentKey } from './segment-list.ts';
import { VideoError } from './video-error.ts';

/** A segment modified this recently may still be written by ffmpeg. */
export const ACTIVE_SEGMENT_MS = 30_000;
/** A camera's newest list modified this recently may still be appended to by a running ffmpeg (it keeps the file open). */
export const ACTIVE_LIST_MS = 10 * 60_000;

export interface RecordingRetentionOptions {
  recordingsDir: string;
  /** Segments that ended longer ago than this are deleted. */
  maxAgeMs: number;
  /** Past this total size of all cameras' segments, the oldest are deleted. */
  diskBudgetBytes: number;
  /** "camera/segment name" of segments to keep whatever their age (ExportStore.pinnedSegments). */
  pinned: () => Promise<Set<string>> | Set<string>;
  log?: SourceLogger;
}

export interface SegmentFile {
  camera: string;
  name: string;
  startMs: number;
  /** From the camera's lists; for a segment in no list, its last modification. */
  endMs: number;
  bytes: number;
  mtimeMs: number;
  /** Named in one of the camera's segment lists, that is, closed by ffmpeg. */
  listed: boolean;
}

export interface RetentionDeletion {
  camera: string;
  name: string;
  bytes: number;
  reason: 'age' | 'budget';
}

export interface RetentionPlan {
  deletions: RetentionDeletion[];
  /** Pinned segments that age or the budget would have deleted. */
  keptPinned: number;
  /** Total bytes of segments once the deletions are done. */
  totalBytes: number;
}

export interface RetentionResult {
  deleted: RetentionDeletion[];
  /** Bytes of the deleted segments. */
  freedBytes: number;
  keptPinned: number;
  totalBytes: number;
}

/** Segments that may be being written: modified in the last 30 s, or a camera's newest that no list names yet. */
export function activeSegments(segments: readonly SegmentFile[], now: number): Set<string> {
  const active = new Set<string>();
  const newest = new Map<string, SegmentFile>();
  for (const s of segments) {
    if (now - s.mtimeMs < ACTIVE_SEGMENT_MS) active.add(segmentKey(s.camera, s.name));
    const n = newest.get(s.camera);
    if (!n || s.startMs > n.startMs) newest.set(s.camera, s);
  }
  for (const s of newest.values()) {
    // After a crash the last segment is never listed; once it has been still for long, it is not being written.
    if (!s.listed && now - s.mtimeMs < ACTIVE_LIST_MS) active.add(segmentKey(s.camera, s.name));
  }
  return active;
}

/** Which segments to delete: by age first, then the oldest across cameras while over budget; pinned and active ones never. */
export function planRetention(
  segments: readonly SegmentFile[],
  options: { now: number; maxAgeMs: number; diskBudgetBytes: number; pinned: ReadonlySet<string> },
): RetentionPlan {
  const { now, maxAgeMs, diskBudgetBytes, pinned } = options;
  const active = activeSegments(segments, now);
  const ordered = [...segments].sort((a, b) => a.startMs - b.startMs || a.camera.localeCompare(b.camera) || a.name.localeCompare(b.name));
  const deletions: RetentionDeletion[] = [];
  const gone = new Set<string>();
  const keptPinned = new Set<string>();
  let total = ordered.reduce((sum, s) => sum + s.bytes, 0);
  const consider = (s: SegmentFile, reason: RetentionDeletion['reason']): void => {
    const key = segmentKey(s.camera, s.name);
    if (gone.has(key) || active.has(key)) return;
    if (pinned.has(key)) {
      keptPinned.add(key);
      return;
    }
    gone.add(key);
    deletions.push({ camera: s.camera, name: s.name, bytes: s.bytes, reason });
    total -= s.bytes;
  };
  for (const s of ordered) if (s.endMs < now - maxAgeMs) consider(s, 'age');
  for (const s of ordered) {
    if (total <= diskBudgetBytes) break;
    consider(s, 'budget');
  }
  return { deletions, keptPinned: keptPinned.size, totalBytes: total };
}

/** The lines of a segment list to keep: those naming a segment that still exists (half-written lines go too). */
export function pruneListLines(csv: string, exists: (name: string) => boolean): { kept: string[]; dropped: number } {
  const kept: string[] = [];
  let dropped = 0;
  for (const line of csv.split(/\r?\n/)) {
    if (!line.trim()) continue;
    const entry = parseSegmentList(line)[0];
    if (entry && exists(entry.name)) kept.push(line);
    else dropped += 1;
  }
  return { kept, dropped };
}

const size = (bytes: number): string =>
  bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(2)} GB` : bytes >= 1024 ** 2 ? `${(bytes / 1024 ** 2).toFixed(1)} MB` : `${Math.round(bytes / 1024)} kB`;
const hours = (ms: number): string => `${Math.round((ms / 3_600_000) * 10) / 10} h`;

interface CameraFolder {
  camera: string;
  dir: string;
  lists: Array<{ name: string; csv: string; mtimeMs: number; size: number }>;
}

export class RecordingRetention {
  readonly recordingsDir: string;
  private readonly maxAgeMs: number;
  private readonly diskBudgetBytes: number;
  private readonly pinned: RecordingRetentionOptions['pinned'];
  private readonly log: SourceLogger | undefined;

  constructor(options: RecordingRetentionOptions) {
    const problems: string[] = [];
    if (!options.recordingsDir) problems.push('recordingsDir is not set');
    if (!(options.maxAgeMs > 0)) problems.push(`maxAgeMs must be positive (got ${options.maxAgeMs})`);
    if (!(options.diskBudgetBytes > 0)) problems.push(`diskBudgetBytes must be positive (got ${options.diskBudgetBytes})`);
    if (typeof options.pinned !== 'function') problems.push('pinned must be a function returning the pinned segments');
    if (problems.length) throw new VideoError('INVALID_OPTIONS', `recording retention: ${problems.join('; ')}`);
    this.recordingsDir = resolve(options.recordingsDir);
    this.maxAgeMs = options.maxAgeMs;
    this.diskBudgetBytes = options.diskBudgetBytes;
    this.pinned = options.pinned;
    this.log = options.log;
  }

  /** One pass (the caller keeps passes from overlapping: the ingest RetentionService runs one at a time). */
  async sweep(now: number = Date.now()): Promise<RetentionResult> {
    const pinned = await this.pinned();
    const { folders, segments } = await this.scan();
    const plan = planRetention(segments, { now, maxAgeMs: this.maxAgeMs, diskBudgetBytes: this.diskBudgetBytes, pinned });
    const deleted: RetentionDeletion[] = [];
    let totalBytes = plan.totalBytes;
    for (const d of plan.deletions) {
      try {
        await rm(join(this.recordingsDir, d.camera, d.name));
        deleted.push(d);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
          deleted.push(d);
          continue;
        }
        totalBytes += d.bytes;
        this.log?.warn({ camera: d.camera, segment: d.name, err }, `recording retention: cannot delete ${d.camera}/${d.name} (${(err as Error).message}); check the permissions of ${this.recordingsDir}`);
      }
    }
    const remaining = new Set(segments.map((s) => segmentKey(s.camera, s.name)));
    for (const d of deleted) remaining.delete(segmentKey(d.camera, d.name));
    const listsRemoved = await this.pruneLists(folders, remaining, now);

    const byAge = deleted.filter((d) => d.reason === 'age').length;
    const freed = deleted.reduce((sum, d) => sum + d.bytes, 0);
    const summary =
      `recording retention: deleted ${deleted.length} segment${deleted.length === 1 ? '' : 's'} (${size(freed)}: ${byAge} older than ${hours(this.maxAgeMs)}, ` +
      `${deleted.length - byAge} over the ${size(this.diskBudgetBytes)} budget), kept ${plan.keptPinned} pinned by exports, ` +
      `removed ${listsRemoved} empty list${listsRemoved === 1 ? '' : 's'}; recordings now ${size(totalBytes)}`;
    const fields = { deleted: deleted.length, byAge, byBudget: deleted.length - byAge, freedBytes: freed, keptPinned: plan.keptPinned, totalBytes, listsRemoved };
    if (totalBytes > this.diskBudgetBytes) {
      this.log?.warn(fields, `${summary}, still over the budget: the rest is pinned by exports or being written; remove exports or raise the disk budget`);
    } else if (deleted.length || listsRemoved) this.log?.info(fields, summary);
    else this.log?.debug(fields, summary);
    return { deleted, freedBytes: freed, keptPinned: plan.keptPinned, totalBytes };
  }

  /** Every camera folder's segment files and lists. Only files named like segments or lists are ever looked at. */
  private async scan(): Promise<{ folders: CameraFolder[]; segments: SegmentFile[] }> {
    let cameras: string[];
    try {
      cameras = (await readdir(this.recordingsDir, { withFileTypes: true })).filter((d) => d.isDirectory() && CAMERA_ID_PATTERN.test(d.name)).map((d) => d.name).sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { folders: [], segments: [] };
      throw err;
    }
    const folders: CameraFolder[] = [];
    const segments: SegmentFile[] = [];
    for (const camera of cameras) {
      const dir = join(this.recordingsDir, camera);
      const names = await readdir(dir).catch(() => [] as string[]);
      const folder: CameraFolder = { camera, dir, lists: [] };
      const durations = new Map<string, number>();
      for (const name of names.filter((n) => n.startsWith(SEGMENT_LIST_PREFIX) && n.endsWith('.csv')).sort()) {
        const s = await stat(join(dir, name)).catch(() => undefined);
        if (!s?.isFile()) continue;
        const csv = await readFile(join(dir, name), 'utf8').catch(() => '');
        folder.lists.push({ name, csv, mtimeMs: s.mtimeMs, size: s.size });
        for (const e of parseSegmentList(csv)) durations.set(e.name, e.endS - e.startS);
      }
      folders.push(folder);
      for (const name of names) {
        const startMs = parseSegmentStart(name);
        if (startMs === undefined) continue;
        const s = await stat(join(dir, name)).catch(() => undefined);
        if (!s?.isFile()) continue;
        const durationS = durations.get(name);
        segments.push({
          camera,
          name,
          startMs,
          endMs: durationS === undefined ? Math.max(startMs, s.mtimeMs) : startMs + Math.round(durationS * 1000),
          bytes: s.size,
          mtimeMs: s.mtimeMs,
          listed: durationS !== undefined,
        });
      }
    }
    return { folders, segments };
  }

  /**
   * Drops list lines whose segment is gone and deletes lists left empty. A camera's newest list, when recently modified,
   * is left alone: the running ffmpeg keeps it open and appends to it, so a rewrite would lose its next lines.
   */
  private async pruneLists(folders: CameraFolder[], remaining: ReadonlySet<string>, now: number): Promise<number> {
    let removed = 0;
    for (const folder of folders) {
      const newest = folder.lists[folder.lists.length - 1];
      for (const list of folder.lists) {
        if (list === newest && now - list.mtimeMs < ACTIVE_LIST_MS) continue;
        const path = join(folder.dir, list.name);
        const { kept, dropped } = pruneListLines(list.csv, (name) => remaining.has(segmentKey(folder.camera, name)));
        try {
          if (!kept.length) {
            await rm(path, { force: true });
            removed += 1;
          } else if (dropped) {
            const tmp = join(folder.dir, `.${list.name}.tmp`);
            await writeFile(tmp, `${kept.join('\n')}\n`);
            await rename(tmp, path);
          }
        } catch (err) {
          this.log?.warn({ camera: folder.camera, list: list.name, err }, `recording retention: cannot update ${path} (${(err as Error).message})`);
        }
      }
    }
    return removed;
  }
}
