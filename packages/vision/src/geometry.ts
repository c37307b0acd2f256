// Box geometry shared by detection (NMS) and tracking. Pure and dependency-free, so the pipeline can import
// it (as @argus/vision/geometry) without loading the model runtimes.
import type { Box } from './types.ts';

/** Intersection over union of two boxes; 0 when they do not overlap or both are empty. */
export function iou(a: Box, b: Box): number {
  const left = Math.max(a.x, b.x);
  const top = Math.max(a.y, b.y);
  const right = Math.min(a.x + a.width, b.x + b.width);
  const bottom = Math.min(a.y + a.height, b.y + b.height);
  const intersection = Math.max(0, right - left) * Math.max(0, bottom - top);
  const union = a.width * a.height + b.width * b.height - intersection;
  return union > 0 ? intersection / union : 0;
}
