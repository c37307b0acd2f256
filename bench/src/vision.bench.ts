// Vision benchmark: Argus (onnxruntime-node) against @vladmandic/face-api (tfjs, WASM backend) on the same
// 640x360 frames in the same run: detection + landmarks per frame, embedding per face, full pipeline per frame.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import type * as tfjs from '@tensorflow/tfjs';
import * as faceapi from '@vladmandic/face-api/dist/face-api.node-wasm.js';
import { loadConfig } from '@argus/config';
import { FaceAnalyzer, decodeImage, type Detection, type RgbImage } from '@argus/vision';

export interface VisionBenchOptions {
  /** Timed passes over all frames per configuration. */
  iterations?: number;
  /** Untimed passes first (model warm-up, JIT, allocator). */
  warmup?: number;
  /** Intra-op thread counts to run Argus with. */
  threads?: number[];
  log?: (line: string) => void;
}

export class VisionBenchError extends Error {
  constructor(
    readonly code: 'BENCH_FIXTURE_MISSING' | 'BENCH_BAD_OPTION' | 'BENCH_FACE_API_FAILED',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'VisionBenchError';
  }
}

const FRAME_WIDTH = 640;
const FRAME_HEIGHT = 360;
/** The group photos and their visible faces (from the fixtures' README). */
const PHOTOS: readonly { file: string; faces: number }[] = [
  { file: 'bbt1.jpg', faces: 4 },
  { file: 'bbt2.jpg', faces: 3 },
  { file: 'bbt3.jpg', faces: 5 },
  { file: 'bbt4.jpg', faces: 6 },
  { file: 'bbt5.jpg', faces: 5 },
  { file: 'faces.jpg', faces: 6 },
];
const EMBED_BATCHES = [1, 8] as const;
/** Speed-up the issue asks of detection + landmarks over face-api's detection + landmarks. */
const GOAL_RATIO = 100;
const GOAL_DET_LM_MS = 5;

interface Frame {
  name: string;
  image: RgbImage;
  truth: number;
}

interface Stats {
  n: number;
  p50: number;
  p95: number;
  mean: number;
}

/** Nearest-rank percentiles and mean of `samples` (ms). */
export function summarize(samples: readonly number[]): Stats {
  if (samples.length === 0) return { n: 0, p50: NaN, p95: NaN, mean: NaN };
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
  return { n: sorted.length, p50: rank(0.5), p95: rank(0.95), mean: sorted.reduce((s, v) => s + v, 0) / sorted.length };
}

/** One timed configuration: a function run on every frame each pass, keeping its samples and face counts. */
class Series {
  readonly samples: number[] = [];
  /** Process CPU time (all threads) per sample: close to the wall time an idle machine would give. */
  readonly cpu: number[] = [];
  /** Per named part of the work (e.g. detection, landmarks), its samples. */
  readonly parts = new Map<string, number[]>();
  /** Faces found on each frame, per pass. */
  readonly faces: number[][] = [];

  constructor(
    readonly label: string,
    readonly threads: string,
  ) {}

  record(ms: number, cpuMs: number, parts: Record<string, number> = {}): void {
    this.samples.push(ms);
    this.cpu.push(cpuMs);
    for (const [k, v] of Object.entries(parts)) {
      const list = this.parts.get(k) ?? [];
      list.push(v);
      this.parts.set(k, list);
    }
  }

  stats(): Stats {
    return summarize(this.samples);
  }

  cpuMean(): number {
    return summarize(this.cpu).mean;
  }

  /** Faces found per frame, or "varies" detail when passes disagreed. */
  faceCounts(): string {
    if (this.faces.length === 0) return '-';
    const first = this.faces[0]!;
    const stable = this.faces.every((pass) => pass.every((n, i) => n === first[i]));
    return stable ? first.join(' ') : `${first.join(' ')} (varies between passes)`;
  }
}

async function loadFrames(fixtures: string): Promise<Frame[]> {
  const frames: Frame[] = [];
  for (const { file, faces } of PHOTOS) {
    const path = join(fixtures, 'groups', file);
    if (!existsSync(path)) {
      throw new VisionBenchError(
        'BENCH_FIXTURE_MISSING',
        `test photo ${path} is missing: point ARGUS_FIXTURES (or paths.fixtures) at the shared test data folder`,
      );
    }
    const src = await decodeImage(readFileSync(path));
    // Letterbox (fit inside, black bars) rather than cover-crop, so every face in the README stays in frame.
    const { data, info } = await sharp(Buffer.from(src.data.buffer, src.data.byteOffset, src.data.length), {
      raw: { width: src.width, height: src.height, channels: 3 },
    })
      .resize(FRAME_WIDTH, FRAME_HEIGHT, { fit: 'contain', background: { r: 0, g: 0, b: 0 } })
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    frames.push({
      name: file.replace(/\.jpg$/, ''),
      image: { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height },
      truth: faces,
    });
  }
  return frames;
}

// ---- face-api ---------------------------------------------------------------------------------------------

type Tf = typeof tfjs;

interface FaceApiSetup {
  tf: Tf;
  backend: string;
  detail: string;
}

async function setUpFaceApi(): Promise<FaceApiSetup> {
  // The bundle re-exports the full tfjs it loaded; use that instance (types from @tensorflow/tfjs).
  const tf = faceapi.tf as unknown as Tf;
  const require = createRequire(import.meta.url);
  const modelDir = join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
  try {
    await tf.setBackend('wasm');
    await tf.ready();
    await faceapi.nets.ssdMobilenetv1.loadFromDisk(modelDir);
    await faceapi.nets.tinyFaceDetector.loadFromDisk(modelDir);
    await faceapi.nets.faceLandmark68Net.loadFromDisk(modelDir);
    await faceapi.nets.faceRecognitionNet.loadFromDisk(modelDir);
  } catch (err) {
    throw new VisionBenchError(
      'BENCH_FACE_API_FAILED',
      `@vladmandic/face-api could not start on the tfjs WASM backend (${(err as Error).message}); ` +
        'check that @tensorflow/tfjs-backend-wasm 4.22 and @vladmandic/face-api are installed (`npm ci`)',
      { cause: err },
    );
  }
  const backend = tf.getBackend();
  const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
  const threaded = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT');
  const detail =
    `@vladmandic/face-api ${faceapi.version} (\`dist/face-api.node-wasm.js\`), tfjs ${tf.version_core}, backend \`${backend}\`` +
    ` (SIMD ${simd ? 'on' : 'off'}, ${threaded ? 'multi-threaded' : 'single-threaded'}), weights from its package's \`model/\` folder`;
  return { tf, backend, detail };
}

type FaceApiDetector = 'ssd' | 'tiny';

function detectorOptions(kind: FaceApiDetector): faceapi.SsdMobilenetv1Options | faceapi.TinyFaceDetectorOptions {
  // Library defaults, as a user would start: SSD minConfidence 0.5; tiny inputSize 416, scoreThreshold 0.5.
  return kind === 'ssd' ? new faceapi.SsdMobilenetv1Options() : new faceapi.TinyFaceDetectorOptions();
}

/** face-api on one frame, from raw RGB (the tensor is built and freed inside the timing, as a user's loop would). */
async function faceApiRun(tf: Tf, frame: RgbImage, kind: FaceApiDetector, descriptors: boolean): Promise<number> {
  const input = tf.tensor3d(frame.data, [frame.height, frame.width, 3], 'int32');
  try {
    const task = faceapi.detectAllFaces(input as unknown as faceapi.TNetInput, detectorOptions(kind)).withFaceLandmarks();
    const found = descriptors ? await task.withFaceDescriptors() : await task;
    return found.length;
  } finally {
    input.dispose();
  }
}

// ---- the run ----------------------------------------------------------------------------------------------

interface TimedStep {
  series: Series;
  /** Runs once on `frame`; returns faces found and optional part timings. */
  run: (frame: Frame) => Promise<{ faces: number; parts?: Record<string, number> }>;
}

const fmt = (ms: number): string => (Number.isFinite(ms) ? (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2)) : '-');
const ratio = (slow: number, fast: number): string => `${(slow / fast).toFixed(slow / fast >= 10 ? 0 : 1)}x`;

export async function runVisionBench(options: VisionBenchOptions = {}): Promise<string> {
  const iterations = options.iterations ?? 20;
  const warmup = options.warmup ?? 2;
  const threadCounts = options.threads ?? [1, 2];
  const log = options.log ?? ((line: string) => console.error(line));
  if (!Number.isInteger(iterations) || iterations < 1) throw new VisionBenchError('BENCH_BAD_OPTION', `iterations must be a whole number >= 1, got ${iterations}`);
  if (!Number.isInteger(warmup) || warmup < 0) throw new VisionBenchError('BENCH_BAD_OPTION', `warmup must be a whole number >= 0, got ${warmup}`);
  if (threadCounts.length === 0 || threadCounts.some((t) => !Number.isInteger(t) || t < 1)) {
    throw new VisionBenchError('BENCH_BAD_OPTION', `threads must be whole numbers >= 1, got ${threadCounts.join(',')}`);
  }
  const started = performance.now();
  const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0)} s`;

  const base = loadConfig();
  const frames = await loadFrames(base.resolved.fixtures);
  log(`[vision] ${frames.length} frames at ${FRAME_WIDTH}x${FRAME_HEIGHT} from ${base.resolved.fixtures}/groups`);

  const analyzers = new Map<number, FaceAnalyzer>();
  for (const t of threadCounts) {
    const cfg = loadConfig({ env: { ...process.env, ARGUS_INFERENCE__INTRA_OP_THREADS: String(t) } });
    analyzers.set(t, await FaceAnalyzer.create(cfg));
  }
  const anyAnalyzer = analyzers.get(threadCounts[0]!)!;
  const fa = await setUpFaceApi();
  log(`[vision] Argus on ${anyAnalyzer.provider} (${anyAnalyzer.detector.name}); ${fa.detail}`);

  // Aligned faces for the embedding rows: every face of every frame.
  const aligned: RgbImage[] = [];
  for (const f of frames) {
    const faces = await anyAnalyzer.describe(f.image, await anyAnalyzer.detector.detect(f.image));
    aligned.push(...faces.map((x) => x.aligned));
  }
  if (aligned.length === 0) throw new VisionBenchError('BENCH_FIXTURE_MISSING', 'no face found in the test photos: the embedding rows need at least one');

  const detLm: Series[] = [];
  const full: Series[] = [];
  const steps: TimedStep[] = [];
  for (const t of threadCounts) {
    const a = analyzers.get(t)!;
    const dl = new Series('Argus: UltraFace-320 detection + 68-point landmarks', String(t));
    detLm.push(dl);
    steps.push({
      series: dl,
      run: async (f) => {
        const t0 = performance.now();
        const dets: Detection[] = await a.detector.detect(f.image);
        const t1 = performance.now();
        await a.landmarker.locate(f.image, dets);
        const t2 = performance.now();
        return { faces: dets.length, parts: { 'detection (resize + normalise, ONNX, NMS)': t1 - t0, 'landmarks (grey crops, ONNX)': t2 - t1 } };
      },
    });
  }
  const faDetLm = (['ssd', 'tiny'] as const).map((kind) => {
    const s = new Series(`face-api: ${kind === 'ssd' ? 'SSD MobileNet v1' : 'TinyFaceDetector'} + 68 landmarks`, `1 (${fa.backend})`);
    steps.push({ series: s, run: async (f) => ({ faces: await faceApiRun(fa.tf, f.image, kind, false) }) });
    return s;
  });
  for (const t of threadCounts) {
    const a = analyzers.get(t)!;
    const s = new Series('Argus: detection + landmarks + align + quality + embed every face', String(t));
    full.push(s);
    steps.push({ series: s, run: async (f) => ({ faces: (await a.analyze(f.image, { embed: true })).length }) });
  }
  const faFull = (['ssd', 'tiny'] as const).map((kind) => {
    const s = new Series(`face-api: ${kind === 'ssd' ? 'SSD MobileNet v1' : 'TinyFaceDetector'} + 68 landmarks + descriptors`, `1 (${fa.backend})`);
    steps.push({ series: s, run: async (f) => ({ faces: await faceApiRun(fa.tf, f.image, kind, true) }) });
    return s;
  });

  // Embedding: batch b takes the next b aligned faces (wrapping), so every batch is real, varied faces.
  const embedRows: { threads: number; batch: number; series: Series }[] = [];
  for (const t of threadCounts) {
    for (const batch of EMBED_BATCHES) embedRows.push({ threads: t, batch, series: new Series('Argus: ArcFace embedding, 112x112 aligned crops', String(t)) });
  }
  let cursor = 0;
  const nextBatch = (size: number): RgbImage[] =>
    Array.from({ length: size }, () => aligned[cursor++ % aligned.length]!);
  /** Calls per pass for each batch size, so batch 1 and batch 8 embed the same number of faces. */
  const callsPerPass = (batch: number) => Math.max(...EMBED_BATCHES) / batch;

  const tensorsBefore = fa.tf.memory().numTensors;
  const total = warmup + iterations;
  // Passes interleave every configuration (each over all frames in turn), so load from other processes on a
  // shared machine falls on all of them alike instead of on whichever ran during a busy minute.
  for (let pass = 0; pass < total; pass++) {
    const timed = pass >= warmup;
    for (const step of steps) {
      const counts: number[] = [];
      for (const f of frames) {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        const { faces, parts } = await step.run(f);
        const ms = performance.now() - t0;
        const cpu = process.cpuUsage(c0);
        counts.push(faces);
        if (timed) step.series.record(ms, (cpu.user + cpu.system) / 1000, parts);
      }
      if (timed) step.series.faces.push(counts);
    }
    for (const row of embedRows) {
      const embedder = analyzers.get(row.threads)!.embedder;
      for (let c = 0; c < callsPerPass(row.batch); c++) {
        const batch = nextBatch(row.batch);
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        await embedder.embed(batch);
        const perFace = (performance.now() - t0) / row.batch;
        const cpu = process.cpuUsage(c0);
        if (timed) row.series.record(perFace, (cpu.user + cpu.system) / 1000 / row.batch);
      }
    }
    const detLine = detLm.map((s) => `${s.threads}t ${fmt(s.stats().mean)}`).join(', ');
    log(`[vision] ${timed ? `pass ${pass - warmup + 1}/${iterations}` : `warm-up ${pass + 1}/${warmup}`} done (${elapsed()})${timed ? `; Argus det+lm mean so far: ${detLine} ms` : ''}`);
  }
  const leaked = fa.tf.memory().numTensors - tensorsBefore;
  if (leaked !== 0) log(`[vision] warning: face-api left ${leaked} tfjs tensors allocated over the run`);
  for (const a of analyzers.values()) await a.dispose();

  return renderMarkdown({ frames, iterations, warmup, detLm, faDetLm, full, faFull, embedRows, faceApiDetail: fa.detail, provider: anyAnalyzer.provider, alignedCount: aligned.length, durationS: (performance.now() - started) / 1000 });
}

// ---- report -----------------------------------------------------------------------------------------------

interface Results {
  frames: Frame[];
  iterations: number;
  warmup: number;
  detLm: Series[];
  faDetLm: Series[];
  full: Series[];
  faFull: Series[];
  embedRows: { threads: number; batch: number; series: Series }[];
  faceApiDetail: string;
  provider: string;
  alignedCount: number;
  durationS: number;
}

function statCells(s: Stats, cpuMean?: number): string {
  return `${fmt(s.p50)} | ${fmt(s.p95)} | ${fmt(s.mean)} | ${cpuMean === undefined ? '' : fmt(cpuMean)}`;
}

const count = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

const HEAD = '| p50 | p95 | mean | CPU mean |';
const RULE = '---|---|---|---|';

function renderMarkdown(r: Results): string {
  const truth = r.frames.map((f) => f.truth).join(' ');
  const names = r.frames.map((f) => f.name).join(', ');
  const samplesPerRow = r.iterations * r.frames.length;
  const lines: string[] = [];
  lines.push('## Vision: Argus vs @vladmandic/face-api', '');
  lines.push(
    `Frames: the ${r.frames.length} group photos (${names}) letterboxed (fit inside, black bars; no crop, so every known face stays in frame) ` +
      `to ${FRAME_WIDTH}x${FRAME_HEIGHT} RGB, decoded once before timing. Known faces per frame: ${truth}. ` +
      `Each row: ${count(r.warmup, 'untimed warm-up pass', 'untimed warm-up passes')}, then ${count(r.iterations, 'timed pass', 'timed passes')} over all ${r.frames.length} frames ` +
      `(${samplesPerRow} samples per frame row); every pass runs all rows in turn, so load from other processes falls on all rows alike. ` +
      `Wall time in ms around the public API call (p50, p95, mean); "CPU mean" is the CPU time of the whole process per call ` +
      `(all threads, V8's background garbage collection included): wall time well above it means the call waited for a core.`,
    '',
  );
  lines.push(
    `Argus: onnxruntime-node, ${r.provider} execution provider, UltraFace RFB-320 detector (320x240 input), 68-point landmarks on 64x64 grey crops (all faces of a frame in one call), ` +
      `ArcFace 512-d embedding of 112x112 aligned crops; threads = \`inference.intra_op_threads\`. ` +
      `face-api: ${r.faceApiDetail}; library default options (SSD minConfidence 0.5; tiny inputSize 416, scoreThreshold 0.5); ` +
      `its input tensor is built from the same RGB frame inside the timing and freed after.`,
    '',
  );

  lines.push('### Detection + landmarks, ms per frame', '');
  lines.push(`| pipeline | threads | faces found per frame (known: ${truth}) ${HEAD}`, `|---|---|---|${RULE}`);
  for (const s of r.detLm) {
    lines.push(`| ${s.label} | ${s.threads} | ${s.faceCounts()} | ${statCells(s.stats(), s.cpuMean())} |`);
    for (const [part, samples] of s.parts) lines.push(`| &nbsp;&nbsp;of which ${part} | ${s.threads} | | ${statCells(summarize(samples))} |`);
  }
  for (const s of r.faDetLm) lines.push(`| ${s.label} | ${s.threads} | ${s.faceCounts()} | ${statCells(s.stats(), s.cpuMean())} |`);
  lines.push('');

  lines.push('### Embedding, ms per face', '');
  lines.push(
    `Argus \`embedder.embed()\` on the ${r.alignedCount} aligned faces of the frames, taken in rotation; batch 1 makes 8 calls per pass, batch 8 one call of 8 faces; time per call / batch size.`,
    '',
  );
  lines.push(`| pipeline | threads | batch ${HEAD}`, `|---|---|---|${RULE}`);
  for (const row of r.embedRows) lines.push(`| ${row.series.label} | ${row.threads} | ${row.batch} | ${statCells(row.series.stats(), row.series.cpuMean())} |`);
  lines.push('');

  lines.push('### Full pipeline, ms per frame', '');
  lines.push(
    'Argus: `analyzer.analyze(frame, {embed: true})` (detect, landmarks, align, quality, embed every face in one batch). ' +
      'face-api: `detectAllFaces(frame, options).withFaceLandmarks().withFaceDescriptors()`.',
    '',
  );
  lines.push(`| pipeline | threads | faces found per frame (known: ${truth}) ${HEAD}`, `|---|---|---|${RULE}`);
  for (const s of [...r.full, ...r.faFull]) lines.push(`| ${s.label} | ${s.threads} | ${s.faceCounts()} | ${statCells(s.stats(), s.cpuMean())} |`);
  lines.push('');

  lines.push('### Speed ratios (this run: face-api mean wall time / Argus mean wall time, per frame)', '');
  const short = (s: Series) => s.label.replace(/^face-api: /, 'face-api ');
  lines.push(`| Argus | threads | vs ${r.faDetLm.map(short).join(' | vs ')} |`, `|---|---|${r.faDetLm.map(() => '---|').join('')}`);
  for (const s of r.detLm) lines.push(`| detection + landmarks | ${s.threads} | ${r.faDetLm.map((f) => ratio(f.stats().mean, s.stats().mean)).join(' | ')} |`);
  lines.push('');
  lines.push(`| Argus | threads | vs ${r.faFull.map(short).join(' | vs ')} |`, `|---|---|${r.faFull.map(() => '---|').join('')}`);
  for (const s of r.full) lines.push(`| full pipeline | ${s.threads} | ${r.faFull.map((f) => ratio(f.stats().mean, s.stats().mean)).join(' | ')} |`);
  lines.push('');

  const best = [...r.detLm].sort((a, b) => a.stats().mean - b.stats().mean)[0]!;
  const ssd = r.faDetLm[0]!;
  const ssdFull = r.faFull[0]!;
  const speedup = ssd.stats().mean / best.stats().mean;
  const underGoal = best.stats().p50 < GOAL_DET_LM_MS && best.stats().mean < GOAL_DET_LM_MS;
  const plural = (t: string) => `${t} thread${t === '1' ? '' : 's'}`;
  lines.push('### Goals (from the issue)', '');
  lines.push(
    `- Detection + landmarks under ${GOAL_DET_LM_MS} ms per frame (p50 and mean): **${underGoal ? 'met' : 'not met'}** ` +
      `(best: ${plural(best.threads)}, p50 ${fmt(best.stats().p50)} ms, mean ${fmt(best.stats().mean)} ms wall, ${fmt(best.cpuMean())} ms CPU).`,
    `- ${GOAL_RATIO}x faster than face-api, detection + landmarks against face-api's detection + landmarks with its default detector (SSD MobileNet v1): ` +
      `**${speedup >= GOAL_RATIO ? 'met' : 'not met'}** (${ratio(ssd.stats().mean, best.stats().mean)}). ` +
      `Against face-api's whole pipeline (with descriptors), Argus detection + landmarks is ${ratio(ssdFull.stats().mean, best.stats().mean)} faster; ` +
      `full pipeline against full pipeline, ${ratio(ssdFull.stats().mean, [...r.full].sort((a, b) => a.stats().mean - b.stats().mean)[0]!.stats().mean)}.`,
    '',
    `Run time ${r.durationS.toFixed(0)} s.`,
    '',
  );
  return lines.join('\n');
}
