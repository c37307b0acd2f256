// Image and face types shared by every vision stage.

/** Packed 8-bit RGB, row-major, 3 bytes a pixel: the form ingest hands over (ffmpeg rgb24). */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Axis-aligned box in source pixels. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export type Point = [number, number];

/** A detector's raw finding. */
export interface Detection {
  box: Box;
  score: number;
}

export interface QualityReport {
  /** Combined 0..1; see quality.ts for the factors and thresholds. */
  score: number;
  /** Face box width in source pixels. */
  sizePx: number;
  /** Laplacian variance of the aligned grey crop. */
  blur: number;
  /** 0 frontal .. 1 profile, from landmark asymmetry. */
  yaw: number;
  detectorScore: number;
}

export interface Face extends Detection {
  /** Five points: left eye, right eye, nose tip, left and right mouth corners (image left/right). */
  landmarks: [Point, Point, Point, Point, Point];
  /** 112x112 RGB aligned to the ArcFace template. */
  aligned: RgbImage;
  quality: QualityReport;
  /** 512-d, L2-normalised; present when embedding was asked for. */
  embedding?: Float32Array;
}
