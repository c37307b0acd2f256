// 68-point landmarks (fr_landmark.onnx) on a 64x64 grey crop around each detected face, all faces of an
// image in one inference call, reduced to the five points the aligner needs.
import type { Box, Detection, Point, RgbImage } from './types.ts';
import { openSession, ort, type SessionOptions } from './onnx-session.ts';
import type { VisionLogger } from './logger.ts';
import { writeGreyCrop } from './tensor-input.ts';

const CROP = 64;
const POINTS = 68;

export type FivePoints = [Point, Point, Point, Point, Point];

const mean = (pts: Float32Array | number[], idx: number[]): Point => {
  let x = 0, y = 0;
  for (const i of idx) {
    x += pts[i * 2]!;
    y += pts[i * 2 + 1]!;
  }
  return [x / idx.length, y / idx.length];
};

/** Eye centres (means of the four eyelid points), nose tip, mouth corners (outer and inner lip corner means). 0-based iBUG indices. */
export function toFivePoints(p: Float32Array | number[]): FivePoints {
  return [
    mean(p, [37, 38, 40, 41]),
    mean(p, [43, 44, 46, 47]),
    mean(p, [30]),
    mean(p, [48, 60]),
    mean(p, [54, 64]),
  ];
}

/** The square around the face box that the landmark model expects, centred on the box. */
export function landmarkCrop(box: Box): Box {
  const side = Math.max(box.width, box.height);
  return { x: box.x + box.width / 2 - side / 2, y: box.y + box.height / 2 - side / 2, width: side, height: side };
}

export interface Landmarks {
  five: FivePoints;
  all: Float32Array;
}

export class Landmarker {
  private constructor(private readonly session: ort.InferenceSession) {}

  static async create(modelPath: string, session: SessionOptions, log?: VisionLogger): Promise<Landmarker> {
    return new Landmarker((await openSession(modelPath, session, log)).session);
  }

  async locate(image: RgbImage, faces: readonly Detection[]): Promise<Landmarks[]> {
    if (faces.length === 0) return [];
    const input = new Float32Array(faces.length * CROP * CROP);
    const crops = faces.map((f) => landmarkCrop(f.box));
    crops.forEach((crop, i) => writeGreyCrop(image, crop, CROP, input, i * CROP * CROP));
    const out = await this.session.run({ input: new ort.Tensor('float32', input, [faces.length, 1, CROP, CROP]) });
    const raw = out['output']!.data as Float32Array;
    return crops.map((crop, i) => {
      const all = new Float32Array(POINTS * 2);
      for (let k = 0; k < POINTS; k++) {
        all[k * 2] = crop.x + raw[i * POINTS * 2 + k * 2]! * crop.width;
        all[k * 2 + 1] = crop.y + raw[i * POINTS * 2 + k * 2 + 1]! * crop.height;
      }
      return { five: toFivePoints(all), all };
    });
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
