// One face-quality score in 0..1 for choosing which faces to embed, enrol or keep as a track's best.
//
// score = size × sharpness × pose × detector confidence, each factor in 0..1:
//   size      = min(1, boxWidthPx / goodFacePx)          (default good_face_px 80: ArcFace crops are 112 px)
//   sharpness = min(1, laplacianVariance / goodBlur)     (grey 112x112 aligned crop; default good_blur 150)
//   pose      = max(0, 1 - yaw / maxYaw)                 (yaw 0 frontal .. 1 profile; default max_yaw 0.6)
//   detector  = the detector's score
// Defaults live in config/default.yaml (quality.*); enrolment requires quality.min_enroll.
import type { Point, QualityReport, RgbImage } from './types.ts';

export interface QualityThresholds {
  goodFacePx: number;
  goodBlur: number;
  maxYaw: number;
}

/** Variance of the 4-neighbour Laplacian over the grey image: low means blurred. */
export function laplacianVariance(image: RgbImage): number {
  const { data, width, height } = image;
  const grey = new Float32Array(width * height);
  for (let i = 0; i < width * height; i++) grey[i] = 0.299 * data[i * 3]! + 0.587 * data[i * 3 + 1]! + 0.114 * data[i * 3 + 2]!;
  let sum = 0, sumSq = 0, n = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x;
      const l = grey[i - 1]! + grey[i + 1]! + grey[i - width]! + grey[i + width]! - 4 * grey[i]!;
      sum += l;
      sumSq += l * l;
      n++;
    }
  }
  if (n === 0) return 0;
  const m = sum / n;
  return sumSq / n - m * m;
}

/**
 * Yaw proxy from the five landmarks: how far the nose tip sits from the midline between the eyes,
 * relative to half the eye distance. 0 is frontal; 1 means the nose is level with an eye (profile).
 */
export function yawFromLandmarks(p: readonly Point[]): number {
  const [le, re, nose] = p as [Point, Point, Point];
  const ex = re[0] - le[0];
  const ey = re[1] - le[1];
  const eyeDist = Math.hypot(ex, ey);
  if (eyeDist < 1e-6) return 1;
  // Signed distance of the nose along the eye axis from the eye midpoint.
  const mx = (le[0] + re[0]) / 2;
  const my = (le[1] + re[1]) / 2;
  const along = ((nose[0] - mx) * ex + (nose[1] - my) * ey) / eyeDist;
  return Math.min(1, Math.abs(along) / (eyeDist / 2));
}

export function assessQuality(
  input: { sizePx: number; detectorScore: number; aligned: RgbImage; landmarks: readonly Point[] },
  t: QualityThresholds,
): QualityReport {
  const blur = laplacianVariance(input.aligned);
  const yaw = yawFromLandmarks(input.landmarks);
  const size = Math.min(1, input.sizePx / t.goodFacePx);
  const sharp = Math.min(1, blur / t.goodBlur);
  const pose = Math.max(0, 1 - yaw / t.maxYaw);
  const score = size * sharp * pose * Math.min(1, Math.max(0, input.detectorScore));
  return { score, sizePx: input.sizePx, blur, yaw, detectorScore: input.detectorScore };
}
