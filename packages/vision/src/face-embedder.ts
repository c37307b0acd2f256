// 512-d face embeddings (fr_feature.onnx) for aligned 112x112 crops: N faces in one inference call,
// L2-normalised so cosine similarity is a dot product.
import type { RgbImage } from './types.ts';
import { openSession, ort, type SessionOptions } from './onnx-session.ts';
import type { VisionLogger } from './logger.ts';
import { writeChwTensor } from './tensor-input.ts';
import { VisionError } from './errors.ts';

export const EMBEDDING_DIM = 512;
const SIDE = 112;

export function l2normalize(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  const n = Math.sqrt(s);
  if (!(n > 1e-12)) throw new VisionError('EMBEDDING_INVALID', 'embedding has zero length');
  for (let i = 0; i < v.length; i++) v[i]! /= n;
  return v;
}

export function cosine(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

export interface FaceEmbedderOptions {
  modelPath: string;
  session: SessionOptions;
  /** Largest batch sent in one call; bigger requests are split. */
  maxBatch?: number;
  log?: VisionLogger;
}

export class FaceEmbedder {
  readonly dim = EMBEDDING_DIM;

  private constructor(
    private readonly session: ort.InferenceSession,
    readonly provider: string,
    private readonly maxBatch: number,
  ) {}

  static async create(options: FaceEmbedderOptions): Promise<FaceEmbedder> {
    const { session, provider } = await openSession(options.modelPath, options.session, options.log);
    return new FaceEmbedder(session, provider, options.maxBatch ?? 32);
  }

  /** Embeds aligned 112x112 RGB faces; returns one unit vector per face, in order. */
  async embed(faces: readonly RgbImage[]): Promise<Float32Array[]> {
    const result: Float32Array[] = [];
    for (let start = 0; start < faces.length; start += this.maxBatch) {
      const batch = faces.slice(start, start + this.maxBatch);
      const plane = 3 * SIDE * SIDE;
      const input = new Float32Array(batch.length * plane);
      batch.forEach((face, i) => {
        if (face.width !== SIDE || face.height !== SIDE) {
          throw new VisionError('IMAGE_INVALID_RAW', `aligned face is ${face.width}x${face.height}, expected ${SIDE}x${SIDE}`);
        }
        writeChwTensor(face, SIDE, SIDE, input, i * plane);
      });
      const out = await this.session.run({ input: new ort.Tensor('float32', input, [batch.length, 3, SIDE, SIDE]) });
      const data = out['output']!.data as Float32Array;
      for (let i = 0; i < batch.length; i++) result.push(l2normalize(data.slice(i * EMBEDDING_DIM, (i + 1) * EMBEDDING_DIM)));
    }
    return result;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
