// A real RTSP camera on loopback for tests and the demo: the GStreamer RTSP server (scripts/fake-camera.py)
// relaying RTP that an ffmpeg publisher sends from a looped MPEG-TS clip. Both children are supervised here.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { repoRoot } from '@argus/config';
import { terminateChild, trackChild } from './child-processes.ts';
import type { SourceLogger } from './camera-source.ts';
import { freeTcpPort, freeUdpPort } from '@argus/runtime';
import { APT_FAKE_CAMERA_PACKAGES, VideoError } from './video-error.ts';

export interface FakeCameraOptions {
  /** MPEG-TS clip with H.264 video, looped forever (see makeFaceClip). Omit for GStreamer's test pattern. */
  clip?: string;
  /** RTSP port on 127.0.0.1; a free one by default. */
  port?: number;
  /** Mount path (default /cam). */
  path?: string;
  /** Size of the synthetic pattern when there is no clip (default 640x360). */
  testPatternSize?: `${number}x${number}`;
  /** Debian's interpreter: the one that has PyGObject (default /usr/bin/python3). */
  pythonPath?: string;
  ffmpegPath?: string;
  /** How long the server may take to listen (default 10 s). */
  startTimeoutMs?: number;
  logger?: SourceLogger;
}

export interface FakeCamera {
  readonly url: string;
  readonly port: number;
  /** UDP port the publisher sends RTP to (undefined for the test pattern). */
  readonly rtpPort: number | undefined;
  readonly serverPid: number | undefined;
  readonly publisherPid: number | undefined;
  /** Kills the RTSP server abruptly (SIGKILL by default), as a crashed camera; the publisher keeps sending. */
  killServer(signal?: NodeJS.Signals): Promise<void>;
  /** Brings the RTSP server back on the same port. */
  startServer(): Promise<void>;
  restartServer(): Promise<void>;
  /** Freezes / thaws the server (SIGSTOP / SIGCONT): connections stay open and go silent. */
  pauseServer(): void;
  resumeServer(): void;
  /** Restarts the ffmpeg publisher; readers stay connected to the server. */
  restartPublisher(): Promise<void>;
  /** Stops both children and resolves once they are gone. */
  stop(): Promise<void>;
}

const GRACE_MS = 2_000;
const PUBLISHER_RESTART_MS = 500;

export async function startFakeCamera(options: FakeCameraOptions = {}): Promise<FakeCamera> {
  const python = options.pythonPath ?? '/usr/bin/python3';
  const ffmpegBin = options.ffmpegPath ?? 'ffmpeg';
  const script = join(repoRoot, 'scripts', 'fake-camera.py');
  const path = options.path ?? '/cam';
  const log = options.logger;
  if (!path.startsWith('/') || /\s/.test(path)) throw new VideoError('INVALID_OPTIONS', `fake camera path "${path}" must start with "/" and have no spaces`);
  if (!existsSync(script)) throw new VideoError('FAKE_CAMERA_FAILED', `${script} is missing: it is part of the repository; restore it with git`);
  if (!existsSync(python)) {
    throw new VideoError('GSTREAMER_MISSING', `${python} not found: the fake camera needs Debian's Python with GStreamer; install it with: sudo apt-get install -y ${APT_FAKE_CAMERA_PACKAGES}`);
  }
  if (options.clip !== undefined) {
    if (!existsSync(options.clip)) throw new VideoError('INVALID_OPTIONS', `fake camera clip ${options.clip} does not exist; build one with makeFaceClip() or makePatternClip()`);
    if (!/\.ts$/i.test(options.clip)) {
      throw new VideoError(
        'INVALID_OPTIONS',
        `fake camera clip ${options.clip} must be MPEG-TS (.ts): looping an MP4 breaks in ffmpeg 5.1; remux it with ffmpeg -i clip.mp4 -c copy -f mpegts clip.ts`,
      );
    }
  }

  const port = options.port ?? (await freeTcpPort());
  const rtpPort = options.clip !== undefined ? await freeUdpPort() : undefined;
  const url = `rtsp://127.0.0.1:${port}${path}`;
  const serverArgs = [script, '--port', String(port), '--path', path];
  if (rtpPort !== undefined) serverArgs.push('--rtp-port', String(rtpPort));
  else serverArgs.push('--test-pattern', options.testPatternSize ?? '640x360');

  let server: ChildProcess | undefined;
  let publisher: ChildProcess | undefined;
  let stopped = false;
  let publisherTimer: NodeJS.Timeout | undefined;

  const startServer = async (): Promise<void> => {
    if (server && server.exitCode === null && server.signalCode === null) return;
    const child = spawn(python, serverArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
    server = child;
    const exited = trackChild(child);
    const stderr: string[] = [];
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      stderr.push(d);
      if (stderr.length > 50) stderr.shift();
    });
    const timeoutMs = options.startTimeoutMs ?? 10_000;
    await new Promise<void>((resolve, reject) => {
      const fail = (err: VideoError): void => {
        clearTimeout(timer);
        child.kill('SIGKILL');
        void exited.then(() => reject(err));
      };
      const timer = setTimeout(
        () => fail(new VideoError('FAKE_CAMERA_FAILED', `fake camera on port ${port} did not start within ${timeoutMs} ms: ${stderr.join('').trim() || 'no output'}`)),
        timeoutMs,
      );
      createInterface({ input: child.stdout! }).on('line', (line) => {
        if (line.startsWith('READY ')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('error', (err) =>
        fail(new VideoError('GSTREAMER_MISSING', `cannot run ${python} (${err.message}); install: sudo apt-get install -y ${APT_FAKE_CAMERA_PACKAGES}`, { cause: err })),
      );
      child.once('exit', (code) => {
        clearTimeout(timer);
        const detail = stderr.join('').trim();
        if (code === 3) reject(new VideoError('GSTREAMER_MISSING', detail || `GStreamer RTSP server missing; install: sudo apt-get install -y ${APT_FAKE_CAMERA_PACKAGES}`));
        else reject(new VideoError('FAKE_CAMERA_FAILED', `fake camera on port ${port} exited with code ${code} before listening: ${detail || 'no output'}`));
      });
    });
    log?.debug({ url, pid: child.pid }, `fake camera: RTSP server listening at ${url}`);
  };

  const startPublisher = (): void => {
    if (options.clip === undefined || stopped) return;
    const child = spawn(
      ffmpegBin,
      ['-hide_banner', '-nostdin', '-loglevel', 'error', '-re', '-stream_loop', '-1', '-i', options.clip, '-map', '0:v', '-c', 'copy', '-f', 'rtp', `rtp://127.0.0.1:${rtpPort}?pkt_size=1200`],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    publisher = child;
    void trackChild(child);
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-2000)));
    child.once('error', (err) => log?.error({ err }, `fake camera: cannot run ${ffmpegBin} (${err.message}); install it: sudo apt-get install -y ffmpeg`));
    child.once('exit', (code, signal) => {
      if (stopped || publisher !== child) return;
      log?.warn({ code, signal, stderr: stderr.trim() }, `fake camera: publisher for ${url} exited; restarting it in ${PUBLISHER_RESTART_MS} ms`);
      publisherTimer = setTimeout(startPublisher, PUBLISHER_RESTART_MS);
    });
  };

  const killServer = async (signal: NodeJS.Signals = 'SIGKILL'): Promise<void> => {
    const child = server;
    server = undefined;
    if (child) await terminateChild(child, GRACE_MS, signal);
  };

  await startServer();
  startPublisher();

  return {
    url,
    port,
    rtpPort,
    get serverPid() {
      return server?.pid;
    },
    get publisherPid() {
      return publisher?.pid;
    },
    killServer,
    startServer,
    restartServer: async () => {
      await killServer('SIGTERM');
      await startServer();
    },
    pauseServer: () => void server?.kill('SIGSTOP'),
    resumeServer: () => void server?.kill('SIGCONT'),
    restartPublisher: async () => {
      const child = publisher;
      publisher = undefined;
      if (child) await terminateChild(child, GRACE_MS, 'SIGTERM');
      startPublisher();
    },
    stop: async () => {
      stopped = true;
      clearTimeout(publisherTimer);
      const children = [server, publisher].filter((c): c is ChildProcess => c !== undefined);
      server = undefined;
      publisher = undefined;
      for (const child of children) child.kill('SIGCONT');
      await Promise.all(children.map((c) => terminateChild(c, GRACE_MS, 'SIGTERM')));
    },
  };
}
