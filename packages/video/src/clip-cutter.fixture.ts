// Real recordings for tests: ffmpeg's segment muxer with CameraSource's arguments and naming, fed in real time
// (-re, so that the wall-clock names advance as on a live camera) from a synthetic clip with a keyframe every second.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { trackChild } from './child-processes.ts';
import { SEGMENT_LIST_PREFIX, SEGMENT_NAME_PATTERN } from './segment-list.ts';
import { VideoError } from './video-error.ts';

const run = promisify(execFile);
const INSTALL = 'install ffmpeg (sudo apt-get install -y ffmpeg)';

/** A moving test pattern (every frame differs), H.264 with a keyframe every 25 frames at 25 fps, no B-frames, MPEG-TS. */
export async function makeSourceClip(path: string, durationS: number): Promise<string> {
  try {
    await run('ffmpeg', [
      '-hide_banner', '-nostdin', '-loglevel', 'error', '-y',
      '-f', 'lavfi', '-i', `testsrc2=size=320x180:rate=25:duration=${durationS}`,
      '-c:v', 'libx264', '-preset', 'veryfast', '-g', '25', '-keyint_min', '25', '-sc_threshold', '0', '-bf', '0', '-pix_fmt', 'yuv420p',
      '-f', 'mpegts', path,
    ]);
  } catch (err) {
    throw new Error(`cannot build the test clip with ffmpeg (${(err as Error).message}); ${INSTALL}`);
  }
  return path;
}

export interface TestRecording {
  cameraDir: string;
  listPath: string;
  process: ChildProcess;
  /** Resolves when ffmpeg has written the last segment and the list. */
  done: Promise<void>;
}

/** Records `clip` as camera `camera` under recordingsDir, like CameraSource with record: true. */
export async function startRecording(recordingsDir: string, camera: string, clip: string, segmentS = 2): Promise<TestRecording> {
  const cameraDir = join(recordingsDir, camera);
  await mkdir(cameraDir, { recursive: true });
  const listPath = join(cameraDir, `${SEGMENT_LIST_PREFIX}${new Date().toISOString().replace(/[-:]/g, '')}.csv`);
  const child = spawn(
    'ffmpeg',
    [
      '-hide_banner', '-nostdin', '-loglevel', 'error', '-re', '-i', clip,
      '-map', '0:v:0', '-c:v', 'copy', '-an',
      '-f', 'segment', '-segment_time', String(segmentS), '-segment_format', 'mp4',
      '-reset_timestamps', '1', '-strftime', '1',
      '-segment_list', listPath, '-segment_list_type', 'csv',
      join(cameraDir, SEGMENT_NAME_PATTERN),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const exited = trackChild(child);
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', (err) => reject(new Error(`cannot run ffmpeg to record the test camera (${err.message}); ${INSTALL}`)));
    child.once('exit', (code) => {
      void exited.then(() => (code === 0 ? resolve() : reject(new Error(`ffmpeg recording ${camera} failed (exit ${code}): ${stderr.trim()}`))));
    });
  });
  return { cameraDir, listPath, process: child, done };
}

/** Records the whole clip and waits for the end. */
export async function recordCamera(recordingsDir: string, camera: string, clip: string, segmentS = 2): Promise<string> {
  const recording = await startRecording(recordingsDir, camera, clip, segmentS);
  await recording.done;
  return recording.cameraDir;
}

/** md5 of the codec header (SPS/PPS) and size:md5 of every video packet, read without decoding: equal lists mean equal bytes. */
export async function packetHashes(path: string): Promise<{ extradata: string; packets: string[] }> {
  const { stdout } = await run('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-i', path, '-map', '0:v:0', '-c', 'copy', '-f', 'framemd5', '-'], { maxBuffer: 64 * 1024 * 1024 });
  const lines = stdout.split('\n');
  const extradata = lines.find((l) => l.startsWith('#extradata'))?.split(',').pop()?.trim() ?? '';
  const packets = lines
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(',').map((f) => f.trim()))
    .map((f) => `${f[4]}:${f[5]}`);
  return { extradata, packets };
}

export interface StreamInfo {
  codec: string;
  profile: string;
  width: number;
  height: number;
  pixFmt: string;
}

/** Codec parameters of the first video stream. */
export async function streamInfo(path: string): Promise<StreamInfo> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,profile,width,height,pix_fmt', '-of', 'json', path]);
  const s = (JSON.parse(stdout) as { streams: Array<Record<string, string | number>> }).streams[0]!;
  return { codec: String(s.codec_name), profile: String(s.profile), width: Number(s.width), height: Number(s.height), pixFmt: String(s.pix_fmt) };
}

/** The VideoError a promise rejects with; fails when it resolves or rejects with anything else. */
export async function rejection(promise: Promise<unknown>): Promise<VideoError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof VideoError) return err;
    throw err;
  }
  throw new Error('expected a VideoError, got a result');
}
