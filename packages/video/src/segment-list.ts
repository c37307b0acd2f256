// Reads the recordings of a camera: ffmpeg's segment muxer writes one CSV list per run
// (`segments-<run start>.csv`: file,start,end in seconds of that run) and names each MP4 by its
// wall-clock start in ISO 8601 basic form with the UTC offset (20261125T160942+0000.mp4).
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

export interface RecordedSegment {
  /** Absolute path of the MP4 file. */
  path: string;
  /** File name inside the camera's recordings folder. */
  name: string;
  /** Wall-clock start (ms since epoch), from the file name: second precision. */
  startMs: number;
  /** startMs plus the segment's length from the list. */
  endMs: number;
  durationS: number;
}

export interface SegmentListEntry {
  name: string;
  startS: number;
  endS: number;
}

/** Where recordings live under the data directory: <data>/recordings/<camera>/ (ingest writes, the api cuts). */
export const recordingsDirOf = (dataDir: string): string => join(dataDir, 'recordings');

/** "camera/segment name": how exports pin segments and retention recognises them. */
export const segmentKey = (camera: string, name: string): string => `${camera}/${name}`;

/** ffmpeg's strftime pattern for segment names; parseSegmentStart reads it back. */
export const SEGMENT_NAME_PATTERN = '%Y%m%dT%H%M%S%z.mp4';
export const SEGMENT_LIST_PREFIX = 'segments-';

function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else field += c;
  }
  fields.push(field);
  return fields;
}

/** Parses a segment list in ffmpeg's csv form; malformed lines (a half-written last line) are skipped. */
export function parseSegmentList(csv: string): SegmentListEntry[] {
  const entries: SegmentListEntry[] = [];
  for (const line of csv.split(/\r?\n/)) {
    if (!line.trim()) continue;
    const [name, start, end] = splitCsvLine(line);
    const startS = Number(start);
    const endS = Number(end);
    if (!name || start === undefined || end === undefined || !Number.isFinite(startS) || !Number.isFinite(endS) || endS < startS) continue;
    entries.push({ name, startS, endS });
  }
  return entries;
}

/** The wall-clock start encoded in a segment name, or undefined when the name is not one of ours. */
export function parseSegmentStart(name: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})([+-])(\d{2})(\d{2})\.mp4$/.exec(name);
  if (!m) return undefined;
  const n = (i: number): number => Number(m[i]);
  const offsetMin = (m[7] === '-' ? -1 : 1) * (n(8) * 60 + n(9));
  return Date.UTC(n(1), n(2) - 1, n(3), n(4), n(5), n(6)) - offsetMin * 60_000;
}

/** Segment names carry whole seconds: a window is widened by this much before segments are left out. */
const NAME_SLACK_MS = 2000;

/**
 * Every listed segment of one camera folder whose file still exists, oldest first; with `window`, only those
 * overlapping it (widened by the names' one-second precision), so a long recording is not stat'ed file by file.
 */
export async function readSegments(cameraDir: string, window?: { fromMs: number; toMs: number }): Promise<RecordedSegment[]> {
  let names: string[];
  try {
    names = await readdir(cameraDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const lists = names.filter((n) => n.startsWith(SEGMENT_LIST_PREFIX) && n.endsWith('.csv')).sort();
  const segments: RecordedSegment[] = [];
  for (const list of lists) {
    const csv = await readFile(join(cameraDir, list), 'utf8').catch(() => '');
    for (const entry of parseSegmentList(csv)) {
      const startMs = parseSegmentStart(entry.name);
      if (startMs === undefined) continue;
      const durationS = entry.endS - entry.startS;
      if (window && (startMs + durationS * 1000 < window.fromMs - NAME_SLACK_MS || startMs > window.toMs + NAME_SLACK_MS)) continue;
      const path = join(cameraDir, entry.name);
      // Retention may have deleted the file since it was listed.
      if (!(await stat(path).then((s) => s.isFile(), () => false))) continue;
      segments.push({ path, name: entry.name, startMs, endMs: startMs + Math.round(durationS * 1000), durationS });
    }
  }
  return segments.sort((a, b) => a.startMs - b.startMs || a.name.localeCompare(b.name));
}
