// Cuts a clip of a camera's recording for a time window: the MP4 segments that overlap it, joined by
// ffmpeg's concat demuxer without re-encoding (starts on a keyframe), cached on disk by camera and window.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { SourceLogger } from './camera-source.ts';
import { terminateChild, trackChild } from './child-processes.ts';
import { readSegments, type RecordedSegment } from './segment-list.ts';
import { VideoError } from './video-error.ts';

export const CAMERA_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;
/** Recordings further apart than this are separate ranges in recordedRanges. */
export const RANGE_GAP_MS = 2_000;

export interface ClipCutterOptions {
  /** Folder with one sub-folder of segments per camera (what CameraSource records into). */
  recordingsDir: string;
  /** Where cut clips are kept for reuse; pruned on every cut. */
  cacheDir: string;
  /** Seconds added before `fromMs` and after `toMs`. */
  preRollS: number;
  postRollS: number;
  /** Longest window (toMs - fromMs, before the rolls) a caller may ask for. */
  maxWindowS: number;
  ffmpegPath?: string;
  /** Default: `ffprobe` beside ffmpegPath, else `ffprobe` on PATH. */
  ffprobePath?: string;
  /** Cached clips unused for longer than this are deleted (default 1 h). */
  cacheMaxAgeMs?: number;
  /** Past this many bytes, the least recently used clips are deleted (default 2 GiB). */
  cacheMaxBytes?: number;
  /** ffmpeg gets this long to cut one clip (default 120 s). */
  cutTimeoutMs?: number;
  log?: SourceLogger;
}

export interface Clip {
  /** Absolute path of the MP4 (H.264 as recorded, moov first). Serve it, do not modify it: other requests share it. */
  path: string;
  camera: string;
  /** Wall-clock window the clip really covers: starts on a keyframe at or before the asked start (less the pre-roll). */
  fromMs: number;
  toMs: number;
  /** Duration ffprobe reads from the file. */
  durationS: number;
  bytes: number;
  /** Names of the recording segments it was cut from, oldest first. */
  segments: string[];
}

export interface RecordedRange {
  startMs: number;
  endMs: number;
}

/** One input of the concat list: a segment and where to start / stop in it (seconds of the file's own timestamps). */
export interface ClipPart {
  segment: RecordedSegment;
  inpointS?: number;
  outpointS?: number;
}

export interface ClipPlan {
  parts: ClipPart[];
  /** Wall-clock window the parts cover (before the start moves back to a keyframe). */
  fromMs: number;
  toMs: number;
}

const DEFAULTS = Object.freeze({
  cacheMaxAgeMs: 60 * 60_000,
  cacheMaxBytes: 2 * 1024 ** 3,
  cutTimeoutMs: 120_000,
});
/** A cached clip this fresh was just handed to someone: budget pruning leaves it for them to open. */
const CACHE_KEEP_RECENT_MS = 60_000;
const CACHE_VERSION = 1;

export const isoSeconds = (ms: number): string => new Date(ms).toISOString().replace(/\.000Z$/, 'Z');

/** Checks a camera id before it becomes a folder name: "../x" and friends are INVALID_INPUT. */
export function assertCameraId(camera: unknown): asserts camera is string {
  if (typeof camera !== 'string' || !CAMERA_ID_PATTERN.test(camera)) {
    const shown = typeof camera === 'string' ? JSON.stringify(camera.slice(0, 80)) : typeof camera;
    throw new VideoError('INVALID_INPUT', `camera id ${shown} is not valid: use 1 to 63 lowercase letters, digits, "-" and "_", starting with a letter or digit`);
  }
}

/** Checks a wall-clock window (ms since epoch); `maxWindowS` bounds its length. */
export function assertWindow(fromMs: unknown, toMs: unknown, maxWindowS: number): asserts fromMs is number {
  if (typeof fromMs !== 'number' || typeof toMs !== 'number' || !Number.isFinite(fromMs) || !Number.isFinite(toMs)) {
    throw new VideoError('INVALID_INPUT', `from and to must be times in ms since 1970 (got ${String(fromMs)} and ${String(toMs)})`);
  }
  if (fromMs >= toMs) throw new VideoError('INVALID_INPUT', `"from" (${isoSeconds(fromMs)}) must be before "to" (${isoSeconds(toMs)})`);
  if (toMs - fromMs > maxWindowS * 1000) {
    throw new VideoError('INVALID_INPUT', `a clip may span at most ${maxWindowS} s, asked for ${Math.round((toMs - fromMs) / 100) / 10} s: ask for a shorter window`);
  }
}

/** Recorded spans of a camera, segments less than gapMs apart merged, oldest first. */
export function mergeRanges(segments: readonly RecordedSegment[], gapMs = RANGE_GAP_MS): RecordedRange[] {
  const sorted = [...segments].sort((a, b) => a.startMs - b.startMs);
  const ranges: RecordedRange[] = [];
  for (const s of sorted) {
    const last = ranges[ranges.length - 1];
    if (last && s.startMs - last.endMs <= gapMs) last.endMs = Math.max(last.endMs, s.endMs);
    else ranges.push({ startMs: s.startMs, endMs: s.endMs });
  }
  return ranges;
}

/** The segments overlapping [fromMs, toMs) and where to cut the first and the last; undefined when none overlaps. */
export function planClip(segments: readonly RecordedSegment[], fromMs: number, toMs: number): ClipPlan | undefined {
  const hit = segments.filter((s) => s.startMs < toMs && s.endMs > fromMs).sort((a, b) => a.startMs - b.startMs || a.name.localeCompare(b.name));
  const first = hit[0];
  const last = hit[hit.length - 1];
  if (!first || !last) return undefined;
  const parts: ClipPart[] = hit.map((segment) => ({ segment }));
  const inS = round6((fromMs - first.startMs) / 1000);
  if (inS > 0) parts[0]!.inpointS = inS;
  const outS = round6((toMs - last.startMs) / 1000);
  if (outS < last.durationS) parts[parts.length - 1]!.outpointS = outS;
  return { parts, fromMs: Math.max(fromMs, first.startMs), toMs: Math.min(toMs, last.endMs) };
}

const round6 = (n: number): number => Math.round(n * 1e6) / 1e6;

/** The ffconcat list for a plan; paths are quoted for the concat demuxer (which needs -safe 0 for absolute paths). */
export function concatList(parts: readonly ClipPart[]): string {
  const lines = ['ffconcat version 1.0'];
  for (const part of parts) {
    lines.push(`file '${part.segment.path.replace(/'/g, "'\\''")}'`);
    if (part.inpointS !== undefined) lines.push(`inpoint ${part.inpointS.toFixed(6)}`);
    if (part.outpointS !== undefined) lines.push(`outpoint ${part.outpointS.toFixed(6)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The last keyframe at or before timeS (seconds in the file's timestamps); the first keyframe when none is. */
export function keyframeAtOrBefore(keyframesS: readonly number[], timeS: number): number | undefined {
  let best: number | undefined;
  for (const k of keyframesS) if (k <= timeS + 1e-6 && (best === undefined || k > best)) best = k;
  return best ?? (keyframesS.length ? Math.min(...keyframesS) : undefined);
}

/** Cache name of a clip: what ffmpeg would read (camera, segments and their lengths, cut points), hashed. */
export function clipCacheKey(camera: string, plan: ClipPlan): string {
  const hash = createHash('sha256').update(
    JSON.stringify({
      v: CACHE_VERSION,
      camera,
      parts: plan.parts.map((p) => [p.segment.name, p.segment.durationS, p.inpointS ?? null, p.outpointS ?? null]),
    }),
  );
  return `${camera}-${hash.digest('hex').slice(0, 20)}`;
}

interface ToolResult {
  stdout: string;
  stderr: string;
}

/** Runs ffmpeg or ffprobe; a missing binary is FFMPEG_MISSING, a failure or a timeout `failCode`. */
function runTool(bin: string, args: string[], what: string, failCode: 'CUT_FAILED' | 'PROBE_FAILED', timeoutMs: number): Promise<ToolResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = trackChild(child);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
    const timer = setTimeout(() => {
      timedOut = true;
      void terminateChild(child, 2_000, 'SIGTERM');
    }, timeoutMs);
    child.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (err.code === 'ENOENT') {
        reject(new VideoError('FFMPEG_MISSING', `cannot run ${bin} to ${what}: not found; install ffmpeg (sudo apt-get install -y ffmpeg) or set its path`, { cause: err }));
      } else reject(new VideoError(failCode, `cannot run ${bin} to ${what}: ${err.message}`, { cause: err }));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      void exited.then(() => {
        if (code === 0 && !timedOut) resolvePromise({ stdout, stderr });
        else {
          const why = timedOut ? `took longer than ${Math.round(timeoutMs / 1000)} s` : signal ? `was killed (${signal})` : `exited with code ${code}`;
          reject(new VideoError(failCode, `${basename(bin)} could not ${what}: it ${why}: ${stderr.trim().split('\n').slice(-3).join(' | ') || 'no output'}`));
        }
      });
    });
  });
}

function ffprobeBeside(ffmpegPath: string | undefined): string {
  if (!ffmpegPath || basename(ffmpegPath) !== 'ffmpeg') return 'ffprobe';
  return join(dirname(ffmpegPath), 'ffprobe');
}

/** Duration of a media file in seconds, as ffprobe reads it from the container. */
export async function probeDuration(path: string, ffprobePath = 'ffprobe'): Promise<number> {
  const { stdout } = await runTool(ffprobePath, ['-v', 'error', '-show_entries', 'format=duration', '-of', 'default=noprint_wrappers=1:nokey=1', path], `read the duration of ${path}`, 'PROBE_FAILED', 30_000);
  const durationS = Number(stdout.trim());
  if (!Number.isFinite(durationS) || durationS <= 0) throw new VideoError('PROBE_FAILED', `ffprobe read no duration from ${path} (got "${stdout.trim()}"): the file is not a playable video`);
  return durationS;
}

/** Presentation times (s) of the video keyframes of a file, and its first packet's time, from packet headers only (no decoding). */
async function probeKeyframes(path: string, ffprobePath: string): Promise<{ startS: number; keyframesS: number[] }> {
  const { stdout } = await runTool(
    ffprobePath,
    ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts_time,flags', '-of', 'csv=p=0', path],
    `read the keyframes of ${path}`,
    'PROBE_FAILED',
    30_000,
  );
  const keyframesS: number[] = [];
  let startS = Number.POSITIVE_INFINITY;
  for (const line of stdout.split('\n')) {
    const [pts, flags] = line.trim().split(',');
    const t = Number(pts);
    if (!pts || !Number.isFinite(t)) continue;
    startS = Math.min(startS, t);
    if (flags?.includes('K')) keyframesS.push(t);
  }
  return { startS: Number.isFinite(startS) ? startS : 0, keyframesS };
}

interface CachedClipMeta extends Omit<Clip, 'path'> {
  v: number;
}

export class ClipCutter {
  readonly recordingsDir: string;
  readonly cacheDir: string;
  private readonly preRollMs: number;
  private readonly postRollMs: number;
  private readonly maxWindowS: number;
  private readonly ffmpegPath: string;
  private readonly ffprobePath: string;
  private readonly cacheMaxAgeMs: number;
  private readonly cacheMaxBytes: number;
  private readonly cutTimeoutMs: number;
  private readonly log: SourceLogger | undefined;
  /** Cuts running in this process, by cache key: a second request for the same clip waits for the first. */
  private readonly inFlight = new Map<string, Promise<Clip>>();

  constructor(options: ClipCutterOptions) {
    const problems: string[] = [];
    if (!options.recordingsDir) problems.push('recordingsDir is not set');
    if (!options.cacheDir) problems.push('cacheDir is not set');
    if (!(options.preRollS >= 0 && options.postRollS >= 0)) problems.push(`preRollS and postRollS must be >= 0 (got ${options.preRollS}, ${options.postRollS})`);
    if (!(options.maxWindowS > 0)) problems.push(`maxWindowS must be positive (got ${options.maxWindowS})`);
    const o = { ...DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as Required<ClipCutterOptions>;
    for (const key of ['cacheMaxAgeMs', 'cacheMaxBytes', 'cutTimeoutMs'] as const) if (!(o[key] > 0)) problems.push(`${key} must be positive (got ${o[key]})`);
    if (problems.length) throw new VideoError('INVALID_OPTIONS', `clip cutter: ${problems.join('; ')}`);
    this.recordingsDir = resolve(options.recordingsDir);
    this.cacheDir = resolve(options.cacheDir);
    this.preRollMs = options.preRollS * 1000;
    this.postRollMs = options.postRollS * 1000;
    this.maxWindowS = options.maxWindowS;
    this.ffmpegPath = options.ffmpegPath ?? 'ffmpeg';
    this.ffprobePath = options.ffprobePath ?? ffprobeBeside(options.ffmpegPath);
    this.cacheMaxAgeMs = o.cacheMaxAgeMs;
    this.cacheMaxBytes = o.cacheMaxBytes;
    this.cutTimeoutMs = o.cutTimeoutMs;
    this.log = options.log;
  }

  /** Completed segments of a camera, oldest first. */
  async segments(camera: string): Promise<RecordedSegment[]> {
    assertCameraId(camera);
    return readSegments(join(this.recordingsDir, camera));
  }

  /** What is recorded for a camera: spans of segments, gaps over 2 s split them, oldest first. */
  async recordedRanges(camera: string): Promise<RecordedRange[]> {
    return mergeRanges(await this.segments(camera));
  }

  /**
   * One MP4 of the camera's recording from fromMs - preRoll to toMs + postRoll (ms since epoch), or as much of it as is
   * recorded. INVALID_INPUT for a bad camera id or window, NO_RECORDING when nothing overlaps it.
   */
  async cut(camera: string, fromMs: number, toMs: number): Promise<Clip> {
    assertCameraId(camera);
    assertWindow(fromMs, toMs, this.maxWindowS);
    const from = fromMs - this.preRollMs;
    const to = toMs + this.postRollMs;
    // Only the segments near the window are checked on disk (a day of recording is ~8,600 segments).
    const segments = await readSegments(join(this.recordingsDir, camera), { fromMs: from, toMs: to });
    const plan = planClip(segments, from, to);
    if (!plan) throw noRecording(camera, from, to, await this.recordedRanges(camera));
    const key = clipCacheKey(camera, plan);
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.produce(camera, key, plan).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  private async produce(camera: string, key: string, plan: ClipPlan): Promise<Clip> {
    await mkdir(this.cacheDir, { recursive: true });
    const path = join(this.cacheDir, `${key}.mp4`);
    const metaPath = join(this.cacheDir, `${key}.json`);
    const cached = await this.readCached(path, metaPath);
    if (cached) return cached;
    // The cache only grows when a clip is cut: prune then, not on every hit (a player's Range requests).
    await this.pruneCache(key);
    const started = Date.now();
    const parts = plan.parts.map((p) => ({ ...p }));
    const first = parts[0]!;
    // Start on the keyframe at or before the asked start, so that the clip's first frame decodes and its start is known.
    const { startS, keyframesS } = await probeKeyframes(first.segment.path, this.ffprobePath);
    const wanted = startS + (first.inpointS ?? 0);
    const keyframe = keyframeAtOrBefore(keyframesS, wanted);
    if (keyframe !== undefined && keyframe > startS + 1e-6) first.inpointS = round6(keyframe);
    else delete first.inpointS;
    if (first.outpointS !== undefined) first.outpointS = round6(startS + first.outpointS);
    const last = parts[parts.length - 1]!;
    if (last !== first && last.outpointS !== undefined) {
      // The file's own timestamps may not start at 0 (edit lists); outpoint is in those timestamps.
      const lastStart = (await probeKeyframes(last.segment.path, this.ffprobePath)).startS;
      last.outpointS = round6(lastStart + last.outpointS);
    }
    const fromMs = first.segment.startMs + Math.round(((first.inpointS ?? startS) - startS) * 1000);

    const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
    const listPath = join(this.cacheDir, `.${key}.${tag}.ffconcat`);
    const tmpPath = join(this.cacheDir, `.${key}.${tag}.tmp.mp4`);
    const tmpMeta = join(this.cacheDir, `.${key}.${tag}.tmp.json`);
    try {
      await writeFile(listPath, concatList(parts));
      await runTool(
        this.ffmpegPath,
        [
          '-hide_banner', '-nostdin', '-loglevel', 'error', '-y',
          '-protocol_whitelist', 'file', '-f', 'concat', '-safe', '0', '-i', listPath,
          '-map', '0:v:0', '-c', 'copy', '-movflags', '+faststart', '-f', 'mp4', tmpPath,
        ],
        `cut ${camera} ${isoSeconds(plan.fromMs)} to ${isoSeconds(plan.toMs)} from ${parts.length} segment${parts.length === 1 ? '' : 's'}`,
        'CUT_FAILED',
        this.cutTimeoutMs,
      );
      const durationS = await probeDuration(tmpPath, this.ffprobePath);
      const bytes = (await stat(tmpPath)).size;
      const meta: CachedClipMeta = {
        v: CACHE_VERSION,
        camera,
        fromMs,
        toMs: plan.toMs,
        durationS,
        bytes,
        segments: parts.map((p) => p.segment.name),
      };
      // The metadata first: a clip file is only ever seen complete and with its metadata beside it.
      await writeFile(tmpMeta, JSON.stringify(meta));
      await rename(tmpMeta, metaPath);
      await rename(tmpPath, path);
      this.log?.debug(
        { camera, fromMs, toMs: plan.toMs, segments: parts.length, bytes, ms: Date.now() - started },
        `clip ${camera} ${isoSeconds(fromMs)} to ${isoSeconds(plan.toMs)}: cut from ${parts.length} segment(s), ${bytes} bytes in ${Date.now() - started} ms`,
      );
      return { path, ...withoutVersion(meta) };
    } catch (err) {
      // A segment deleted by retention between listing and cutting: say so instead of a bare ffmpeg error.
      const gone = [];
      for (const p of parts) if (!(await exists(p.segment.path))) gone.push(p.segment.name);
      if (gone.length) {
        throw new VideoError('NO_RECORDING', `camera ${camera}: the recording ${gone.join(', ')} was deleted by retention while the clip was being cut; ask again for what is still recorded`, {
          cause: err,
          details: { camera, recorded: await this.recordedRanges(camera).catch(() => []) },
        });
      }
      throw err;
    } finally {
      await Promise.all([listPath, tmpPath, tmpMeta].map((p) => rm(p, { force: true })));
    }
  }

  private async readCached(path: string, metaPath: string): Promise<Clip | undefined> {
    try {
      const meta = JSON.parse(await readFile(metaPath, 'utf8')) as CachedClipMeta;
      const s = await stat(path);
      if (meta.v !== CACHE_VERSION || s.size !== meta.bytes) return undefined;
      // Fresh again: pruning goes by last use.
      const now = new Date();
      await Promise.all([utimes(path, now, now), utimes(metaPath, now, now)]);
      return { path, ...withoutVersion(meta) };
    } catch {
      return undefined;
    }
  }

  /** Deletes cached clips unused for cacheMaxAgeMs, then the least recently used past cacheMaxBytes; never `keepKey` or one in use. */
  private async pruneCache(keepKey: string): Promise<void> {
    const now = Date.now();
    let names: string[];
    try {
      names = await readdir(this.cacheDir);
    } catch {
      return;
    }
    const clips: Array<{ key: string; bytes: number; mtimeMs: number }> = [];
    for (const name of names) {
      const full = join(this.cacheDir, name);
      const s = await stat(full).catch(() => undefined);
      if (!s?.isFile()) continue;
      if (name.startsWith('.')) {
        // Leftovers of a cut that crashed; a running cut's files are younger than its timeout.
        if (now - s.mtimeMs > Math.max(this.cacheMaxAgeMs, this.cutTimeoutMs * 2)) await rm(full, { force: true });
        continue;
      }
      if (!name.endsWith('.mp4')) continue;
      clips.push({ key: name.slice(0, -4), bytes: s.size, mtimeMs: s.mtimeMs });
    }
    const busy = (key: string): boolean => key === keepKey || this.inFlight.has(key);
    const remove = async (key: string): Promise<void> => {
      await rm(join(this.cacheDir, `${key}.mp4`), { force: true });
      await rm(join(this.cacheDir, `${key}.json`), { force: true });
    };
    let total = 0;
    const kept: typeof clips = [];
    for (const c of clips) {
      if (!busy(c.key) && now - c.mtimeMs > this.cacheMaxAgeMs) await remove(c.key);
      else {
        kept.push(c);
        total += c.bytes;
      }
    }
    kept.sort((a, b) => a.mtimeMs - b.mtimeMs);
    for (const c of kept) {
      if (total <= this.cacheMaxBytes) break;
      if (busy(c.key) || now - c.mtimeMs < CACHE_KEEP_RECENT_MS) continue;
      await remove(c.key);
      total -= c.bytes;
    }
    for (const name of names) {
      // Metadata whose clip is gone (deleted by hand, or a crash between the two renames).
      if (name.endsWith('.json') && !name.startsWith('.') && !busy(name.slice(0, -5)) && !(await exists(join(this.cacheDir, `${name.slice(0, -5)}.mp4`)))) {
        const s = await stat(join(this.cacheDir, name)).catch(() => undefined);
        if (s && now - s.mtimeMs > CACHE_KEEP_RECENT_MS) await rm(join(this.cacheDir, name), { force: true });
      }
    }
  }
}

function withoutVersion(meta: CachedClipMeta): Omit<Clip, 'path'> {
  const { v: _v, ...clip } = meta;
  return clip;
}

const exists = (path: string): Promise<boolean> => stat(path).then(() => true, () => false);

/** NO_RECORDING for a window, saying what is recorded for the camera instead. */
export function noRecording(camera: string, fromMs: number, toMs: number, recorded: RecordedRange[]): VideoError {
  const asked = `${isoSeconds(fromMs)} to ${isoSeconds(toMs)}`;
  if (!recorded.length) {
    return new VideoError('NO_RECORDING', `camera ${camera} has no recordings at all (asked for ${asked}): turn recording on for it (cameras.${camera}.record: true) and check that it is live`, {
      details: { camera, recorded },
    });
  }
  const shown = recorded.slice(-5).map((r) => `${isoSeconds(r.startMs)} to ${isoSeconds(r.endMs)}`);
  const more = recorded.length > 5 ? ` (and ${recorded.length - 5} earlier range${recorded.length - 5 === 1 ? '' : 's'})` : '';
  return new VideoError('NO_RECORDING', `camera ${camera} has no recording from ${asked}; recorded: ${shown.join(', ')}${more}: ask for a time inside these`, {
    details: { camera, recorded },
  });
}
