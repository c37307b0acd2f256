// One camera: a supervised ffmpeg process that decodes the stream to raw RGB frames at the analysis rate
// and, when recording, copies the original video into MP4 segments; restarted on any exit or stall.
import { type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import ffmpeg, { type FfmpegCommand } from 'fluent-ffmpeg';
import type { Logger } from 'pino';
import { BehaviorSubject, Subject, type Observable } from 'rxjs';
import { Backoff, type BackoffOptions } from './backoff.ts';
import { terminateChild, trackChild } from './child-processes.ts';
import { diagnoseExit, lastMeaningfulLine, type Diagnosis } from './ffmpeg-diagnosis.ts';
import { FrameAssembler } from './frame-assembler.ts';
import { FrameRateGate } from './frame-rate-gate.ts';
import type { Frame, FrameSource, SourceStatus } from './frame-source.ts';
import { readSegments, SEGMENT_LIST_PREFIX, SEGMENT_NAME_PATTERN, type RecordedSegment } from './segment-list.ts';
import { VideoError } from './video-error.ts';

export type SourceLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

export interface CameraSourceOptions {
  /** Camera id: lowercase letters, digits, "-" and "_"; also the recordings folder name. */
  camera: string;
  /** rtsp://, rtsps://, http(s)://, rtmp:// or file:// */
  url: string;
  /** Frames per second handed to analysis (default 5). */
  analysisFps?: number;
  /** Width of analysis frames in pixels, even (default 640); the height keeps the aspect ratio, rounded to even. */
  analysisWidth?: number;
  /** Copy the original video into MP4 segments under recordingsDir/<camera>/ (default false). */
  record?: boolean;
  recordingsDir?: string;
  /** Segment length; ffmpeg cuts on the next keyframe after it (default 10). */
  segmentSeconds?: number;
  /** No frame for this long while live: kill ffmpeg and reconnect (default 10 s). */
  stallTimeoutMs?: number;
  /** No first frame this long after starting ffmpeg: kill it and reconnect (default 20 s). */
  connectTimeoutMs?: number;
  /** ffmpeg's socket timeout (-timeout for RTSP, -rw_timeout otherwise; default 5 s). */
  socketTimeoutMs?: number;
  /** Live this long and the next failure starts the backoff from its first step again (default 30 s). */
  stableAfterMs?: number;
  /** After SIGINT, wait this long before SIGKILL (default 3 s). */
  stopGraceMs?: number;
  backoff?: BackoffOptions;
  rtspTransport?: 'tcp' | 'udp';
  /** Path of the ffmpeg binary; note that fluent-ffmpeg keeps it for every later command too. */
  ffmpegPath?: string;
  logger?: SourceLogger;
}

const DEFAULTS = Object.freeze({
  analysisFps: 5,
  analysisWidth: 640,
  segmentSeconds: 10,
  stallTimeoutMs: 10_000,
  connectTimeoutMs: 20_000,
  socketTimeoutMs: 5_000,
  stableAfterMs: 30_000,
  stopGraceMs: 3_000,
});

const CAMERA_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;
/** Frame bytes held while ffmpeg has not yet said the output size; past this something is wrong. */
const MAX_PENDING_BYTES = 64 * 1024 * 1024;
const STDERR_TAIL_LINES = 40;
const FPS_WINDOW_MS = 5_000;

/** Hides the password of a URL wherever one appears in a text (URLs, ffmpeg's log lines). */
export function redactUrl(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s]+):[^@\s/]*@/gi, '$1:***@');
}

const formatDelay = (ms: number): string => `${Math.round(ms / 100) / 10} s`;

/** "rtsp://..." -> "RTSP", for messages such as "RTSP connection refused". */
function protocolLabel(url: string): string {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toUpperCase();
  return scheme === 'RTSPS' ? 'RTSP' : scheme === 'HTTPS' ? 'HTTP' : (scheme ?? 'stream');
}

interface Run {
  command: FfmpegCommand;
  proc?: ChildProcess;
  exited?: Promise<void>;
  exitCode?: number | null;
  startedAt: number;
  lastFrameAt?: number;
  frames: number;
  stderrTail: string[];
  assembler?: FrameAssembler;
  width?: number;
  height?: number;
  pending: Buffer[];
  pendingBytes: number;
  /** Set when this source decided to end the run (stall, stop); wins over ffmpeg's own exit message. */
  killedFor?: Diagnosis | 'stop';
  terminating?: Promise<void>;
  ended: boolean;
  done: Promise<void>;
  markDone: () => void;
  listPath?: string;
}

export class CameraSource implements FrameSource {
  readonly camera: string;
  readonly frames$: Observable<Frame>;
  readonly status$: Observable<SourceStatus>;

  private readonly url: string;
  private readonly safeUrl: string;
  private readonly opts: Required<Omit<CameraSourceOptions, 'logger' | 'backoff' | 'ffmpegPath' | 'recordingsDir'>>;
  private readonly cameraDir: string | undefined;
  private readonly logger: SourceLogger | undefined;
  private readonly backoff: Backoff;
  private readonly gate: FrameRateGate;
  private readonly framesSubject = new Subject<Frame>();
  private readonly statusSubject: BehaviorSubject<SourceStatus>;

  private state: SourceStatus['state'] = 'connecting';
  private lastError: string | undefined;
  private code: SourceStatus['code'];
  private retryInMs: number | undefined;
  private run: Run | undefined;
  private started = false;
  private stopping: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private watchdogTimer: NodeJS.Timeout | undefined;
  private liveSince: number | undefined;
  private seq = 0;
  private framesIn = 0;
  private framesDropped = 0;
  private bytes = 0;
  private restarts = 0;
  private recentFrameTs: number[] = [];

  constructor(options: CameraSourceOptions) {
    const o = { ...DEFAULTS, record: false, rtspTransport: 'tcp' as const, ...stripUndefined(options) };
    const problems: string[] = [];
    if (!CAMERA_ID.test(o.camera)) problems.push(`camera id "${o.camera}" must use lowercase letters, digits, "-" and "_" (at most 63)`);
    if (!/^(rtsps?|https?|rtmps?|file):\/\/\S+$/i.test(o.url)) problems.push(`url "${redactUrl(o.url)}" must be a camera URL such as rtsp://host:554/stream`);
    if (!(o.analysisFps > 0 && o.analysisFps <= 60)) problems.push(`analysisFps must be in (0, 60], got ${o.analysisFps}`);
    if (!(Number.isInteger(o.analysisWidth) && o.analysisWidth >= 16 && o.analysisWidth % 2 === 0)) problems.push(`analysisWidth must be an even integer >= 16, got ${o.analysisWidth}`);
    if (o.record && !o.recordingsDir) problems.push('record is on but recordingsDir is not set');
    if (!(o.segmentSeconds >= 1)) problems.push(`segmentSeconds must be >= 1, got ${o.segmentSeconds}`);
    for (const key of ['stallTimeoutMs', 'connectTimeoutMs', 'socketTimeoutMs', 'stopGraceMs'] as const) {
      if (!(o[key] > 0)) problems.push(`${key} must be positive, got ${o[key]}`);
    }
    if (problems.length) throw new VideoError('INVALID_OPTIONS', `camera source ${o.camera}: ${problems.join('; ')}`);

    this.camera = o.camera;
    this.url = o.url;
    this.safeUrl = redactUrl(o.url);
    this.opts = o;
    this.cameraDir = o.recordingsDir ? join(o.recordingsDir, o.camera) : undefined;
    this.logger = options.logger;
    this.backoff = new Backoff(options.backoff);
    this.gate = new FrameRateGate({ fps: o.analysisFps });
    if (options.ffmpegPath) ffmpeg.setFfmpegPath(options.ffmpegPath);
    this.statusSubject = new BehaviorSubject<SourceStatus>(this.status());
    this.frames$ = this.framesSubject.asObservable();
    this.status$ = this.statusSubject.asObservable();
  }

  start(): void {
    if (this.stopping) throw new VideoError('INVALID_OPTIONS', `camera ${this.camera}: this source was stopped; create a new CameraSource`);
    if (this.started) return;
    this.started = true;
    const tickMs = Math.max(100, Math.min(1_000, this.opts.stallTimeoutMs / 4));
    this.watchdogTimer = setInterval(() => this.checkStall(), tickMs);
    this.logger?.info({ camera: this.camera, url: this.safeUrl }, `camera ${this.camera}: connecting to ${this.safeUrl}`);
    this.spawn();
  }

  /** Kills ffmpeg (SIGINT, then SIGKILL after the grace period) and resolves once it is gone. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      clearInterval(this.watchdogTimer);
      clearTimeout(this.retryTimer);
      const run = this.run;
      if (run) {
        if (!run.ended) run.killedFor = 'stop';
        // Also waits for a run that is ending right now, so that stop() never resolves before its ffmpeg is gone.
        await this.terminate(run);
      }
      this.retryInMs = undefined;
      this.setState('stopped');
      this.logger?.info({ camera: this.camera }, `camera ${this.camera}: stopped`);
      this.framesSubject.complete();
      this.statusSubject.complete();
    })();
    return this.stopping;
  }

  status(): SourceStatus {
    const now = Date.now();
    return {
      camera: this.camera,
      state: this.state,
      ...(this.lastError !== undefined && { lastError: this.lastError }),
      ...(this.code !== undefined && { code: this.code }),
      ...(this.retryInMs !== undefined && { retryInMs: this.retryInMs }),
      fps: this.fps(now),
      framesIn: this.framesIn,
      framesDropped: this.framesDropped,
      bytes: this.bytes,
      restarts: this.restarts,
      ...(this.run?.width !== undefined && { width: this.run.width, height: this.run.height }),
      updatedAt: now,
    };
  }

  /** The pid of the running ffmpeg, if one runs. */
  get pid(): number | undefined {
    return this.run && !this.run.ended ? this.run.proc?.pid : undefined;
  }

  /** Completed recording segments of this camera (the one being written is listed once it closes). */
  segments(): Promise<RecordedSegment[]> {
    return this.cameraDir ? readSegments(this.cameraDir) : Promise.resolve([]);
  }

  private spawn(): void {
    let resolveDone!: () => void;
    const run: Run = {
      command: ffmpeg({ stdoutLines: STDERR_TAIL_LINES }),
      startedAt: Date.now(),
      frames: 0,
      stderrTail: [],
      pending: [],
      pendingBytes: 0,
      ended: false,
      done: new Promise<void>((resolve) => (resolveDone = resolve)),
      markDone: () => resolveDone(),
    };
    this.run = run;
    this.gate.reset();

    const cmd = run.command;
    const [input, inputOptions] = this.input();
    cmd.input(input).inputOptions('-hide_banner', '-nostdin', '-nostats', '-loglevel', 'info', ...inputOptions);
    const frames = new PassThrough({ highWaterMark: 1 << 20 });
    // end: false, so that fluent-ffmpeg reports the end only after the process exited.
    cmd.output(frames, { end: false }).outputOptions(
      '-map', '0:v:0', '-an', '-sn', '-dn',
      '-vf', `fps=${this.opts.analysisFps},scale=${this.opts.analysisWidth}:-2`,
      '-f', 'rawvideo', '-pix_fmt', 'rgb24',
    );
    if (this.opts.record && this.cameraDir) {
      try {
        mkdirSync(this.cameraDir, { recursive: true });
        run.listPath = join(this.cameraDir, `${SEGMENT_LIST_PREFIX}${new Date(run.startedAt).toISOString().replace(/[-:]/g, '')}.csv`);
        // Video only: camera audio (G.711, AAC-LATM) often does not fit MP4, and analysis needs none.
        cmd.output(join(this.cameraDir, SEGMENT_NAME_PATTERN)).outputOptions(
          '-map', '0:v:0', '-c:v', 'copy', '-an',
          '-f', 'segment', '-segment_time', String(this.opts.segmentSeconds), '-segment_format', 'mp4',
          '-reset_timestamps', '1', '-strftime', '1',
          '-segment_list', run.listPath, '-segment_list_type', 'csv',
        );
      } catch (err) {
        this.logger?.error(
          { camera: this.camera, err },
          `camera ${this.camera}: cannot create the recordings folder ${this.cameraDir} (${(err as Error).message}); recording is off until it can be created: check the path and its permissions`,
        );
      }
    }

    cmd.on('start', (commandLine: string) => {
      const proc = (cmd as unknown as { ffmpegProc?: ChildProcess }).ffmpegProc;
      if (proc) {
        run.proc = proc;
        run.exited = trackChild(proc);
        proc.once('exit', (code) => (run.exitCode = code));
      }
      this.logger?.debug({ camera: this.camera, pid: proc?.pid, cmd: redactUrl(commandLine) }, `camera ${this.camera}: ffmpeg started`);
      if (run.killedFor) void this.terminate(run);
    });
    cmd.on('stderr', (line: string) => this.onStderr(run, line));
    cmd.on('error', (err: Error) => void this.onRunEnd(run, err));
    cmd.on('end', () => void this.onRunEnd(run));
    frames.on('data', (chunk: Buffer) => this.onData(run, chunk));
    cmd.run();
  }

  private input(): [string, string[]] {
    const us = String(this.opts.socketTimeoutMs * 1000);
    const scheme = this.url.slice(0, this.url.indexOf(':')).toLowerCase();
    if (scheme === 'rtsp' || scheme === 'rtsps') return [this.url, ['-rtsp_transport', this.opts.rtspTransport, '-timeout', us]];
    // A file plays at its own rate, like a camera; at its end ffmpeg exits and the source starts it again.
    if (scheme === 'file') return [fileURLToPath(this.url), ['-re']];
    return [this.url, ['-rw_timeout', us]];
  }

  private onStderr(run: Run, line: string): void {
    run.stderrTail.push(line);
    if (run.stderrTail.length > STDERR_TAIL_LINES) run.stderrTail.shift();
    if (run.assembler) return;
    // ffmpeg names the output size before writing the first frame: "Video: rawvideo (RGB[24] / 0x18424752), rgb24(...), 640x360 [SAR ...".
    // It keeps that size for the whole run (-autoscale is on by default), so one parse per process is enough.
    const size = /Video: rawvideo\b.*?\b(\d{2,5})x(\d{2,5})\b/.exec(line);
    if (!size) return;
    run.width = Number(size[1]);
    run.height = Number(size[2]);
    run.assembler = new FrameAssembler(run.width * run.height * 3);
    const pending = run.pending;
    run.pending = [];
    run.pendingBytes = 0;
    for (const chunk of pending) this.assemble(run, chunk);
  }

  private onData(run: Run, chunk: Buffer): void {
    this.bytes += chunk.length;
    if (run.assembler) {
      this.assemble(run, chunk);
      return;
    }
    run.pending.push(chunk);
    run.pendingBytes += chunk.length;
    if (run.pendingBytes > MAX_PENDING_BYTES && !run.killedFor) {
      run.killedFor = {
        code: 'FFMPEG_FAILED',
        problem: 'ffmpeg sent frames without logging their size',
        connector: ' while reading',
        hint: 'check that ffmpeg prints its "Output #0, rawvideo" line (log level info)',
      };
      void this.terminate(run);
    }
  }

  private assemble(run: Run, chunk: Buffer): void {
    const assembler = run.assembler!;
    for (const data of assembler.push(chunk)) this.onFrame(run, data);
  }

  private onFrame(run: Run, data: Uint8Array): void {
    const now = Date.now();
    run.frames += 1;
    run.lastFrameAt = now;
    this.framesIn += 1;
    if (run !== this.run || this.stopping) return;
    if (!this.gate.admit(now)) {
      this.framesDropped += 1;
      return;
    }
    if (this.state !== 'live') {
      this.liveSince = now;
      const after = this.restarts ? ` after ${this.restarts} restart${this.restarts === 1 ? '' : 's'}` : '';
      this.lastError = undefined;
      this.code = undefined;
      this.retryInMs = undefined;
      this.setState('live');
      this.logger?.info(
        { camera: this.camera, width: run.width, height: run.height, firstFrameMs: now - run.startedAt },
        `camera ${this.camera}: live at ${this.safeUrl}, ${run.width}x${run.height} at ${this.opts.analysisFps} fps${after}`,
      );
    }
    this.recentFrameTs.push(now);
    while (this.recentFrameTs.length && this.recentFrameTs[0]! < now - FPS_WINDOW_MS) this.recentFrameTs.shift();
    this.framesSubject.next({ camera: this.camera, seq: this.seq++, ts: now, width: run.width!, height: run.height!, data });
  }

  private fps(now: number): number {
    if (this.state !== 'live' || this.liveSince === undefined) return 0;
    const windowMs = Math.min(FPS_WINDOW_MS, now - this.liveSince);
    if (windowMs < 500) return 0;
    const count = this.recentFrameTs.filter((t) => t >= now - windowMs).length;
    return Math.round((count / (windowMs / 1000)) * 10) / 10;
  }

  private checkStall(): void {
    const run = this.run;
    if (!run || run.ended || run.killedFor) return;
    const now = Date.now();
    if (run.lastFrameAt === undefined) {
      if (now - run.startedAt < this.opts.connectTimeoutMs) return;
      run.killedFor = {
        code: 'NO_FIRST_FRAME',
        problem: `no frame within ${formatDelay(this.opts.connectTimeoutMs)} of connecting`,
        hint: 'the camera accepted the connection but sent no decodable video; check its codec (H.264/H.265) and load',
      };
    } else {
      if (now - run.lastFrameAt < this.opts.stallTimeoutMs) return;
      run.killedFor = {
        code: 'STALLED',
        problem: `no frame for ${formatDelay(now - run.lastFrameAt)}`,
        hint: 'the camera stopped sending while connected; ffmpeg was restarted',
      };
    }
    void this.terminate(run);
  }

  /** SIGINT, then SIGKILL after the grace period; resolves when the run has ended. */
  private terminate(run: Run): Promise<void> {
    if (run.proc && !run.terminating) run.terminating = terminateChild(run.proc, this.opts.stopGraceMs);
    // Without a process yet (fluent-ffmpeg is still preparing), the 'start' handler terminates it.
    return run.done;
  }

  private async onRunEnd(run: Run, err?: Error): Promise<void> {
    if (run.ended) return;
    run.ended = true;
    await run.exited;
    this.dropEmptySegmentList(run);
    run.markDone();
    if (this.stopping || run.killedFor === 'stop') return;

    const diagnosis =
      run.killedFor ??
      diagnoseExit({
        stderrTail: run.stderrTail,
        error: err,
        exitCode: run.exitCode,
        runMs: Date.now() - run.startedAt,
        socketTimeoutMs: this.opts.socketTimeoutMs,
        frames: run.frames,
        protocol: protocolLabel(this.url),
      });
    const now = Date.now();
    if (this.liveSince !== undefined && now - this.liveSince >= this.opts.stableAfterMs) this.backoff.reset();
    this.liveSince = undefined;
    const delay = this.backoff.next();
    const message = `camera ${this.camera}: ${diagnosis.problem}${diagnosis.connector ?? ' at'} ${this.safeUrl}; retrying in ${formatDelay(delay)} (${diagnosis.hint})`;
    this.lastError = message;
    this.code = diagnosis.code;
    this.retryInMs = delay;
    this.setState('reconnecting');
    this.logger?.warn(
      {
        camera: this.camera,
        code: diagnosis.code,
        retryInMs: delay,
        exitCode: run.exitCode,
        ffmpeg: redactUrl(lastMeaningfulLine(run.stderrTail) ?? err?.message ?? ''),
      },
      message,
    );
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.stopping) return;
      this.restarts += 1;
      this.spawn();
    }, delay);
  }

  private dropEmptySegmentList(run: Run): void {
    if (!run.listPath) return;
    try {
      if (statSync(run.listPath).size === 0) rmSync(run.listPath);
    } catch {
      // never created: the run ended before its first segment opened
    }
  }

  private setState(state: SourceStatus['state']): void {
    this.state = state;
    if (!this.statusSubject.closed) this.statusSubject.next(this.status());
  }
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
