// The nouns every Argus process shares: cameras, people, faces, alerts, sightings, gallery events.
// zod schemas where the value crosses a process boundary (Redis, HTTP, WebSocket); types derive from them.
import { z } from 'zod';

/** [x, y, width, height] in pixels of the source frame or image. */
export const boxSchema = z.tuple([z.number(), z.number(), z.number().nonnegative(), z.number().nonnegative()]);
export type BoxTuple = z.infer<typeof boxSchema>;

/**
 * One decoded camera frame: packed rgb24, row-major, width * height * 3 bytes (an RgbImage of
 * @argus/vision). Produced by video's CameraSource, consumed by the pipeline.
 */
export interface Frame {
  camera: string;
  /** Increases per camera, from 0, across reconnects; identifies the frame a thumbnail was cut from. */
  seq: number;
  /** Wall-clock ms when the frame was complete in this process; every pipeline timing rule runs on it. */
  ts: number;
  width: number;
  height: number;
  data: Uint8Array;
}

export const CAMERA_STATES = ['connecting', 'live', 'reconnecting', 'stopped'] as const;
export type CameraState = (typeof CAMERA_STATES)[number];

export const cameraStatusSchema = z.object({
  camera: z.string(),
  state: z.enum(CAMERA_STATES),
  lastError: z.string().optional(),
  /** Frames per second reaching analysis over the last few seconds. */
  fps: z.number().nonnegative(),
  framesIn: z.number().int().nonnegative(),
  framesDropped: z.number().int().nonnegative(),
  /** ms since epoch */
  updatedAt: z.number(),
});
export type CameraStatus = z.infer<typeof cameraStatusSchema>;

export const personSchema = z.object({
  id: z.string(),
  name: z.string().min(1).max(200),
  notes: z.string().max(2000).default(''),
  created: z.number(),
});
export type Person = z.infer<typeof personSchema>;

export interface EnrolledFace {
  id: string;
  personId: string;
  quality: number;
  /** Path of the enrolled photo crop under data/, named by face id. */
  imagePath: string;
  /** L2-normalised embedding. */
  embedding: Float32Array;
}

export const alertSchema = z.object({
  /** The Redis stream id of argus:alerts: also the WebSocket resume cursor. */
  id: z.string(),
  camera: z.string(),
  personId: z.string(),
  personName: z.string(),
  score: z.number(),
  /** ms since epoch of the frame that produced the decision */
  ts: z.number(),
  trackId: z.string(),
  /** The enrolled face that matched best. */
  faceId: z.string().optional(),
  thumbUrl: z.string().optional(),
  /** ms from the frame's timestamp to the alert being written */
  latencyMs: z.number().optional(),
});
export type Alert = z.infer<typeof alertSchema>;
export type NewAlert = Omit<Alert, 'id'>;

export const sightingSchema = z.object({
  id: z.string(),
  camera: z.string(),
  trackId: z.string(),
  start: z.number(),
  end: z.number(),
  personId: z.string().optional(),
  personName: z.string().optional(),
  score: z.number().optional(),
  quality: z.number(),
  thumbPath: z.string().optional(),
});
export type Sighting = z.infer<typeof sightingSchema> & { embedding: Float32Array };
export type NewSighting = Omit<Sighting, 'id'>;

/** Events of argus:gallery:log; every ingest replica applies them in order. */
export type GalleryEvent =
  | { op: 'add'; faceId: string; personId: string; embedding: Float32Array }
  | { op: 'remove'; faceIds: string[]; personId?: string };
