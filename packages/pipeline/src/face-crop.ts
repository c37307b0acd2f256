import type { Box, Face, RgbImage } from '@argus/vision';

/** What a sink needs to write a thumbnail: the aligned 112x112 crop, and where the face was in which frame. */
export interface FaceCrop {
  image: RgbImage;
  box: Box;
  seq: number;
  ts: number;
}

export function cropOf(face: Face, ts: number, seq: number): FaceCrop {
  return { image: face.aligned, box: { ...face.box }, seq, ts };
}
