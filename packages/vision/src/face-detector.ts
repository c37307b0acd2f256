// The detector contract: UltraFace (ONNX) and MediaPipe (tfjs) both fulfil it, chosen by config.
import type { Detection, RgbImage } from './types.ts';

export interface FaceDetector {
  readonly name: string;
  /** The execution provider or backend in use, for logs and benchmarks. */
  readonly provider: string;
  detect(image: RgbImage): Promise<Detection[]>;
  dispose(): Promise<void>;
}
