// The vision pipeline in one object: detect -> landmarks -> align -> quality -> (optionally) embed.
// Built once from config; every method is safe to call concurrently.
import { join } from 'node:path';
import type { LoadedConfig } from '@argus/config';
import type { Detection, Face, RgbImage } from './types.ts';
import type { FaceDetector } from './face-detector.ts';
import { UltraFaceDetector } from './ultraface-detector.ts';
import { MediaPipeDetector } from './mediapipe-detector.ts';
import { Landmarker } from './landmarker.ts';
import { FaceAligner } from './face-aligner.ts';
import { FaceEmbedder } from './face-embedder.ts';
import { assessQuality } from './quality.ts';
import { decodeImage } from './image-input.ts';
import type { VisionLogger } from './logger.ts';
import type { SessionOptions } from './onnx-session.ts';

export type VisionConfig = Pick<LoadedConfig, 'detection' | 'inference' | 'quality' | 'resolved'>;

export interface AnalyzeOptions {
  embed?: boolean;
  /**
   * When nothing is found, look again with a border around the image: UltraFace misses faces that fill
   * the frame or touch its edge (tight portrait crops). Costs a second detection only on empty images.
   */
  retryPadded?: boolean;
}

/** Border added on each side, as a fraction of the longer side, for the padded second look. */
const PAD_FRACTION = 0.25;

/** A copy of `image` centred on a mid-grey canvas with `pad` pixels on every side. */
function padImage(image: RgbImage, pad: number): RgbImage {
  const width = image.width + 2 * pad;
  const height = image.height + 2 * pad;
  const data = new Uint8Array(width * height * 3).fill(127);
  for (let y = 0; y < image.height; y++) {
    data.set(image.data.subarray(y * image.width * 3, (y + 1) * image.width * 3), ((y + pad) * width + pad) * 3);
  }
  return { data, width, height };
}

export class FaceAnalyzer {
  readonly aligner = new FaceAligner();

  private constructor(
    readonly detector: FaceDetector,
    readonly landmarker: Landmarker,
    readonly embedder: FaceEmbedder,
    private readonly config: VisionConfig,
  ) {}

  static async create(config: VisionConfig, log?: VisionLogger): Promise<FaceAnalyzer> {
    const session: SessionOptions = {
      providers: config.inference.providers,
      intraOpThreads: config.inference.intraOpThreads,
      allowSpinning: config.inference.allowSpinning,
    };
    const models = config.resolved.models;
    const d = config.detection;
    const detector: FaceDetector =
      d.model === 'ultraface'
        ? await UltraFaceDetector.create({
            modelPath: join(models, 'fr_detect.onnx'),
            session,
            inputWidth: d.inputWidth,
            inputHeight: d.inputHeight,
            scoreThreshold: d.scoreThreshold,
            nmsIou: d.nmsIou,
            minFacePx: d.minFacePx,
            log,
          })
        : await MediaPipeDetector.create({
            modelsDir: models,
            modelType: d.model === 'mediapipe-full' ? 'full' : 'short',
            scoreThreshold: d.scoreThreshold,
            nmsIou: d.nmsIou,
            minFacePx: d.minFacePx,
          });
    const landmarker = await Landmarker.create(join(models, 'fr_landmark.onnx'), session, log);
    const embedder = await FaceEmbedder.create({ modelPath: join(models, 'fr_feature.onnx'), session, log });
    log?.info(
      { detector: detector.name, provider: embedder.provider, requested: config.inference.providers },
      `inference: ${embedder.provider} execution provider in use (requested: ${config.inference.providers.join(', ')}); detector ${detector.name} on ${detector.provider}`,
    );
    return new FaceAnalyzer(detector, landmarker, embedder, config);
  }

  /** The execution provider the ONNX models run on. */
  get provider(): string {
    return this.embedder.provider;
  }

  /** Faces in `image`, largest first, with landmarks, aligned crops and quality; embeddings when asked. */
  async analyze(image: RgbImage, options: AnalyzeOptions = {}): Promise<Face[]> {
    let detections = await this.detector.detect(image);
    if (detections.length === 0 && options.retryPadded) detections = await this.detectPadded(image);
    const faces = await this.describe(image, detections);
    if (options.embed && faces.length) {
      const vectors = await this.embedder.embed(faces.map((f) => f.aligned));
      faces.forEach((f, i) => (f.embedding = vectors[i]));
    }
    return faces;
  }

  private async detectPadded(image: RgbImage): Promise<Detection[]> {
    const pad = Math.round(Math.max(image.width, image.height) * PAD_FRACTION);
    const found = await this.detector.detect(padImage(image, pad));
    return found.flatMap((d) => {
      const x0 = Math.max(0, d.box.x - pad);
      const y0 = Math.max(0, d.box.y - pad);
      const x1 = Math.min(image.width, d.box.x + d.box.width - pad);
      const y1 = Math.min(image.height, d.box.y + d.box.height - pad);
      return x1 - x0 >= this.config.detection.minFacePx && y1 > y0 ? [{ score: d.score, box: { x: x0, y: y0, width: x1 - x0, height: y1 - y0 } }] : [];
    });
  }

  /** Decodes an encoded photo (JPEG/PNG/WebP) and analyses it. */
  async analyzeEncoded(buffer: Buffer | Uint8Array, options: AnalyzeOptions = {}): Promise<{ image: RgbImage; faces: Face[] }> {
    const image = await decodeImage(buffer, { maxPixels: this.config.detection.maxImagePx });
    return { image, faces: await this.analyze(image, { retryPadded: true, ...options }) };
  }

  /** Landmarks, alignment and quality for known detections (one landmark call for all of them). */
  async describe(image: RgbImage, detections: readonly Detection[]): Promise<Face[]> {
    const marks = await this.landmarker.locate(image, detections);
    const faces = detections.map((det, i): Face => {
      const landmarks = marks[i]!.five;
      const aligned = this.aligner.align(image, landmarks);
      const quality = assessQuality({ sizePx: det.box.width, detectorScore: det.score, aligned, landmarks }, this.config.quality);
      return { ...det, landmarks, aligned, quality };
    });
    return faces.sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height);
  }

  async embed(faces: readonly Face[]): Promise<Float32Array[]> {
    return this.embedder.embed(faces.map((f) => f.aligned));
  }

  async dispose(): Promise<void> {
    await Promise.all([this.detector.dispose(), this.landmarker.dispose(), this.embedder.dispose()]);
  }
}
