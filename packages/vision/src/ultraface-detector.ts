// UltraFace RFB-320 face detector on onnxruntime-node. Its priors are baked into the graph, so boxes
// come out already decoded (corner form, 0..1); what is left here is thresholding and NMS.
import type { Detection, RgbImage } from './types.ts';
import { openSession, ort, type SessionOptions } from './onnx-session.ts';
import type { VisionLogger } from './logger.ts';
import { writeChwTensor } from './tensor-input.ts';
import type { FaceDetector } from './face-detector.ts';
import { VisionError } from './errors.ts';
import { iou } from './geometry.ts';

export interface UltraFaceOptions {
  modelPath: string;
  session: SessionOptions;
  inputWidth?: number;
  inputHeight?: number;
  scoreThreshold?: number;
  nmsIou?: number;
  minFacePx?: number;
  log?: VisionLogger;
}

/** Greedy non-maximum suppression: highest score first, drop boxes overlapping a kept one by more than `iouThreshold`. */
export function nonMaxSuppression(detections: Detection[], iouThreshold: number): Detection[] {
  const sorted = [...detections].sort((a, b) => b.score - a.score);
  const kept: Detection[] = [];
  for (const d of sorted) {
    if (kept.every((k) => iou(k.box, d.box) <= iouThreshold)) kept.push(d);
  }
  return kept;
}

export class UltraFaceDetector implements FaceDetector {
  readonly name = 'ultraface';

  private constructor(
    private readonly session: ort.InferenceSession,
    readonly provider: string,
    private readonly opts: Required<Omit<UltraFaceOptions, 'log' | 'session' | 'modelPath'>>,
  ) {}

  static async create(options: UltraFaceOptions): Promise<UltraFaceDetector> {
    const inputWidth = options.inputWidth ?? 320;
    const inputHeight = options.inputHeight ?? 240;
    if (inputWidth !== 320 || inputHeight !== 240) {
      throw new VisionError(
        'MODEL_LOAD_FAILED',
        `UltraFace RFB-320 has its 4420 priors baked in for 320x240 input; ${inputWidth}x${inputHeight} would need a regenerated model. ` +
          'Set detection.input_width: 320 and detection.input_height: 240.',
      );
    }
    const { session, provider } = await openSession(options.modelPath, options.session, options.log);
    return new UltraFaceDetector(session, provider, {
      inputWidth,
      inputHeight,
      scoreThreshold: options.scoreThreshold ?? 0.7,
      nmsIou: options.nmsIou ?? 0.4,
      minFacePx: options.minFacePx ?? 16,
    });
  }

  async detect(image: RgbImage): Promise<Detection[]> {
    const { inputWidth: w, inputHeight: h, scoreThreshold, nmsIou, minFacePx } = this.opts;
    // A fresh input per call: calls overlap (cameras, api requests) while a run is awaited, and a shared
    // buffer would be overwritten under a running inference.
    const input = new Float32Array(3 * w * h);
    writeChwTensor(image, w, h, input);
    const out = await this.session.run({ input: new ort.Tensor('float32', input, [1, 3, h, w]) });
    const scores = out['scores']!.data as Float32Array;
    const boxes = out['boxes']!.data as Float32Array;
    const n = scores.length / 2;
    const found: Detection[] = [];
    for (let i = 0; i < n; i++) {
      const score = scores[i * 2 + 1]!;
      if (score < scoreThreshold) continue;
      const x0 = Math.max(0, boxes[i * 4]! * image.width);
      const y0 = Math.max(0, boxes[i * 4 + 1]! * image.height);
      const x1 = Math.min(image.width, boxes[i * 4 + 2]! * image.width);
      const y1 = Math.min(image.height, boxes[i * 4 + 3]! * image.height);
      if (x1 - x0 < minFacePx || y1 - y0 < 1) continue;
      found.push({ box: { x: x0, y: y0, width: x1 - x0, height: y1 - y0 }, score });
    }
    return nonMaxSuppression(found, nmsIou);
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
