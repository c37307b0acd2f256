// What a test needs to know about a video file, from ffprobe / ffmpeg: codec, size, duration, one frame's pixels.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ProbeResult {
  codec: string;
  width: number;
  height: number;
  durationS: number;
}

export async function probeVideo(path: string): Promise<ProbeResult> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,width,height:format=duration', '-of', 'json', path]);
  const json = JSON.parse(stdout) as { streams?: Array<{ codec_name: string; width: number; height: number }>; format?: { duration?: string } };
  const stream = json.streams?.[0];
  if (!stream) throw new Error(`ffprobe found no video stream in ${path}`);
  return { codec: stream.codec_name, width: stream.width, height: stream.height, durationS: Number(json.format?.duration) };
}

/** One frame at timeS as 8-bit grey, width*height bytes. Seeks after decoding (-ss after -i): input seeking in MPEG-TS lands early. */
export async function greyFrameAt(path: string, timeS: number): Promise<Uint8Array> {
  const { stdout } = await run('ffmpeg', ['-v', 'error', '-i', path, '-ss', String(timeS), '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1'], {
    encoding: 'buffer',
    maxBuffer: 64 * 1024 * 1024,
  });
  return new Uint8Array(stdout);
}
