// Camera clips with known content, built with ffmpeg from the fixture photos: who appears when (and where),
// or a colour pattern whose pixels are known. Cached in outDir by a hash of their inputs; MPEG-TS, ready to loop.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { trackChild } from './child-processes.ts';
import { VideoError } from './video-error.ts';

/** Bump when clips change in a way their ffmpeg arguments do not show, so that cached clips are rebuilt. */
const CLIP_VERSION = 1;

export interface ClipPerson {
  /** Folder name under faces/bbt (amy, bernadette, howard, leonard, penny, raj, sheldon, stuart). */
  name: string;
  /** Photo number 1..5 in faces/bbt/<name>/, or a path (absolute or relative to fixturesDir); default 1. */
  photo?: number | string;
}

export interface FaceClipOptions {
  /** The test data folder (loadConfig().resolved.fixtures). */
  fixturesDir: string;
  /** Where clips are cached (a temp or git-ignored folder). */
  outDir: string;
  people: ClipPerson[];
  secondsPerPerson: number;
  /** Empty background before each person and at the end, so every appearance is a separate track. */
  gapSeconds: number;
  width?: number;
  height?: number;
  fps?: number;
  /** Side of the square portrait on screen (default: 45 % of the height, even). */
  faceSizePx?: number;
  /** Background colour (ffmpeg syntax, default a mid blue-grey). */
  background?: string;
}

export interface ClipAppearance {
  person: string;
  photo: string;
  fromS: number;
  toS: number;
  /** [x, y, width, height] of the portrait in clip pixels. */
  box: [number, number, number, number];
}

export interface FaceClip {
  /** MPEG-TS file, H.264 with a keyframe every second. */
  path: string;
  durationS: number;
  width: number;
  height: number;
  fps: number;
  manifest: ClipAppearance[];
}

export interface PatternClipOptions {
  outDir: string;
  width?: number;
  height?: number;
  fps?: number;
  durationS?: number;
}

/** Quadrant colours of makePatternClip, as rgb24 triplets. */
export const PATTERN_QUADRANTS = Object.freeze({
  topLeft: [255, 0, 0],
  topRight: [0, 255, 0],
  bottomLeft: [0, 0, 255],
  bottomRight: [255, 255, 255],
} as const);

export interface GroupPanClipOptions {
  fixturesDir: string;
  outDir: string;
  /** A photo under groups/ (bbt1..bbt5, faces), or a path; default bbt4. */
  group?: string;
  durationS?: number;
  width?: number;
  height?: number;
  fps?: number;
}

export interface VideoClip {
  path: string;
  durationS: number;
  width: number;
  height: number;
  fps: number;
}

const even = (n: number): number => Math.max(2, Math.round(n / 2) * 2);

function runFfmpeg(args: string[], what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    void trackChild(child);
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
    child.once('error', (err) =>
      reject(new VideoError('FFMPEG_MISSING', `cannot run ffmpeg to build ${what} (${err.message}); install it: sudo apt-get install -y ffmpeg`, { cause: err })),
    );
    child.once('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new VideoError('CLIP_BUILD_FAILED', `ffmpeg could not build ${what} (${signal ?? `exit ${code}`}): ${stderr.trim() || 'no output'}`));
    });
  });
}

function fixture(fixturesDir: string, relative: string): string {
  const path = isAbsolute(relative) ? relative : join(fixturesDir, relative);
  if (!existsSync(path)) {
    throw new VideoError('FIXTURE_MISSING', `test photo ${path} not found; point ARGUS_FIXTURES (paths.fixtures) at the test data folder (../shared/data, see its README.md)`);
  }
  return path;
}

/** A name from everything that shapes the clip: the ffmpeg arguments and the input files' size and time. */
function cacheKey(kind: string, encodeArgs: string[], files: string[]): string {
  const hash = createHash('sha256').update(JSON.stringify({ v: CLIP_VERSION, kind, encodeArgs }));
  for (const file of files) {
    const s = statSync(file);
    hash.update(`${file}:${s.size}:${s.mtimeMs}`);
  }
  return `${kind}-${hash.digest('hex').slice(0, 16)}`;
}

/**
 * Encodes with libx264 (a keyframe every second, no B-frames, like most cameras) to MP4, then remuxes to
 * MPEG-TS: looping an MP4 with -stream_loop breaks in ffmpeg 5.1, looping the .ts does not.
 * Builds in a private folder and renames into place, so parallel tests can ask for the same clip.
 */
async function buildClip(outDir: string, key: string, what: string, encodeArgs: (mp4: string) => string[], meta: object): Promise<string> {
  const path = join(outDir, `${key}.ts`);
  const metaPath = join(outDir, `${key}.json`);
  if (existsSync(path) && existsSync(metaPath)) return path;
  await mkdir(outDir, { recursive: true });
  const work = await mkdtemp(join(outDir, `.build-${key}-`));
  try {
    const mp4 = join(work, 'clip.mp4');
    await runFfmpeg(encodeArgs(mp4), what);
    await runFfmpeg(['-i', mp4, '-map', '0:v', '-c', 'copy', '-f', 'mpegts', join(work, 'clip.ts')], `${what} (MPEG-TS remux)`);
    await writeFile(join(work, 'clip.json'), JSON.stringify(meta, null, 2));
    await rename(join(work, 'clip.json'), metaPath);
    await rename(join(work, 'clip.ts'), path);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return path;
}

const X264 = (fps: number): string[] => [
  '-c:v', 'libx264', '-preset', 'veryfast', '-g', String(fps), '-keyint_min', String(fps), '-sc_threshold', '0', '-bf', '0', '-pix_fmt', 'yuv420p',
];

/** Portraits shown one after another over a plain background, with empty gaps between them. */
export async function makeFaceClip(options: FaceClipOptions): Promise<FaceClip> {
  const width = even(options.width ?? 1280);
  const height = even(options.height ?? 720);
  const fps = options.fps ?? 25;
  const size = even(options.faceSizePx ?? height * 0.45);
  const background = options.background ?? '0x5a6a7a';
  const { secondsPerPerson: show, gapSeconds: gap } = options;
  if (!options.people.length) throw new VideoError('INVALID_OPTIONS', 'makeFaceClip needs at least one person');
  if (!(show > 0 && gap >= 0 && size < height && size < width)) {
    throw new VideoError('INVALID_OPTIONS', `makeFaceClip needs secondsPerPerson > 0, gapSeconds >= 0 and a face smaller than the frame (got ${show}, ${gap}, ${size}px in ${width}x${height})`);
  }
  const photos = options.people.map((p) => {
    const photo = p.photo ?? 1;
    if (!/^[a-z0-9_-]+$/i.test(p.name)) throw new VideoError('INVALID_OPTIONS', `person name "${p.name}" must be a folder name under faces/bbt`);
    return fixture(options.fixturesDir, typeof photo === 'number' ? join('faces', 'bbt', p.name, `${photo}.png`) : photo);
  });
  const x = Math.round((width - size) / 2);
  const y = Math.round((height - size) / 2);
  const manifest: ClipAppearance[] = options.people.map((p, i) => {
    const fromS = gap + i * (gap + show);
    return { person: p.name, photo: photos[i]!, fromS, toS: fromS + show, box: [x, y, size, size] };
  });
  const durationS = options.people.length * (gap + show) + gap;
  const encode = (mp4: string): string[] => {
    const inputs = photos.flatMap((photo) => ['-loop', '1', '-framerate', String(fps), '-i', photo]);
    const chains = [`color=c=${background}:s=${width}x${height}:r=${fps}:d=${durationS}[bg0]`];
    manifest.forEach((a, i) => {
      chains.push(`[${i}:v]scale=${size}:${size}:flags=bicubic,format=yuv420p[p${i}]`);
      const last = i === manifest.length - 1;
      chains.push(`[bg${i}][p${i}]overlay=x=${x}:y=${y}:enable='between(t,${a.fromS},${a.toS - 0.001})':eof_action=pass${last ? '[out]' : `[bg${i + 1}]`}`);
    });
    return [...inputs, '-filter_complex', chains.join(';'), '-map', '[out]', '-t', String(durationS), '-r', String(fps), ...X264(fps), mp4];
  };
  const key = cacheKey('face', encode('clip.mp4'), photos);
  const clip: FaceClip = { path: join(options.outDir, `${key}.ts`), durationS, width, height, fps, manifest };
  clip.path = await buildClip(options.outDir, key, `face clip of ${options.people.map((p) => p.name).join(', ')}`, encode, clip);
  return clip;
}

/** Four solid quadrants (PATTERN_QUADRANTS): every pixel of every frame is known. */
export async function makePatternClip(options: PatternClipOptions): Promise<VideoClip> {
  const width = even(options.width ?? 640);
  const height = even(options.height ?? 360);
  const fps = options.fps ?? 25;
  const durationS = options.durationS ?? 4;
  const hex = (rgb: readonly number[]): string => `0x${rgb.map((c) => c.toString(16).padStart(2, '0')).join('')}`;
  const q = PATTERN_QUADRANTS;
  const filter = [
    `color=c=black:s=${width}x${height}:r=${fps}:d=${durationS}`,
    `drawbox=x=0:y=0:w=iw/2:h=ih/2:color=${hex(q.topLeft)}:t=fill`,
    `drawbox=x=iw/2:y=0:w=iw/2:h=ih/2:color=${hex(q.topRight)}:t=fill`,
    `drawbox=x=0:y=ih/2:w=iw/2:h=ih/2:color=${hex(q.bottomLeft)}:t=fill`,
    `drawbox=x=iw/2:y=ih/2:w=iw/2:h=ih/2:color=${hex(q.bottomRight)}:t=fill`,
  ].join(',');
  const encode = (mp4: string): string[] => ['-f', 'lavfi', '-i', filter, ...X264(fps), mp4];
  const key = cacheKey('pattern', encode('clip.mp4'), []);
  const clip: VideoClip = { path: join(options.outDir, `${key}.ts`), durationS, width, height, fps };
  clip.path = await buildClip(options.outDir, key, 'pattern clip', encode, clip);
  return clip;
}

/** A slow pan (left to right and back) across a group photo: several faces, moving, entering and leaving. */
export async function makeGroupPanClip(options: GroupPanClipOptions): Promise<VideoClip & { photo: string }> {
  const width = even(options.width ?? 1280);
  const height = even(options.height ?? 720);
  const fps = options.fps ?? 25;
  const durationS = options.durationS ?? 8;
  const group = options.group ?? 'bbt4';
  const photo = fixture(options.fixturesDir, /[./]/.test(group) ? group : join('groups', `${group}.jpg`));
  // Fit the photo's height to the frame (wider than 1.3 frames at least), then slide the crop window
  // horizontally along a cosine: faces enter, cross and leave.
  const filter = [
    `scale=w='trunc(max(${width}*1.3,iw*${height}/ih)/2)*2':h=-2`,
    `crop=${width}:${height}:x='(iw-${width})*(0.5-0.5*cos(2*PI*t/${durationS}))':y='(ih-${height})/2'`,
    'format=yuv420p',
  ].join(',');
  const encode = (mp4: string): string[] => ['-loop', '1', '-framerate', String(fps), '-i', photo, '-vf', filter, '-t', String(durationS), ...X264(fps), mp4];
  const key = cacheKey('pan', encode('clip.mp4'), [photo]);
  const clip = { path: join(options.outDir, `${key}.ts`), durationS, width, height, fps, photo };
  clip.path = await buildClip(options.outDir, key, `pan clip of ${photo}`, encode, clip);
  return clip;
}
