// The live view's latest JPEG per camera and the face boxes found in it, each under a TTL of a few
// seconds, so a camera whose ingest stopped shows no stale picture.
import { boxSchema } from '@argus/protocol';
import { z } from 'zod';
import { isJpeg } from './image-store.ts';
import { keys } from './keys.ts';
import { binaryView, type BinaryRedisClient, type RedisClient } from './redis-client.ts';
import { StoreError } from './store-error.ts';

export const liveFaceSchema = z.object({
  box: boxSchema,
  trackId: z.string().optional(),
  personId: z.string().optional(),
  personName: z.string().optional(),
  score: z.number().optional(),
});
export type LiveFace = z.infer<typeof liveFaceSchema>;

const liveFacesSchema = z.object({ ts: z.number(), faces: z.array(liveFaceSchema) });
export type LiveFaces = z.infer<typeof liveFacesSchema>;

export interface LatestFrame {
  jpeg: Uint8Array;
  /** ms since epoch of the frame */
  ts: number;
  faces: readonly LiveFace[];
}

export const DEFAULT_FRAME_TTL_MS = 3000;

export class LatestFrameRepository {
  private readonly bin: BinaryRedisClient;

  constructor(
    private readonly client: RedisClient,
    private readonly options: { ttlMs?: number } = {},
  ) {
    this.bin = binaryView(client);
  }

  /** Replaces the camera's latest frame and its faces (one MULTI, both with the TTL). */
  async put(camera: string, frame: LatestFrame, ttlMs = this.options.ttlMs ?? DEFAULT_FRAME_TTL_MS): Promise<void> {
    if (!isJpeg(frame.jpeg)) throw new StoreError('INVALID_INPUT', `latest frame of camera ${camera} is not a JPEG`);
    const faces = liveFacesSchema.safeParse({ ts: frame.ts, faces: frame.faces });
    if (!faces.success) throw new StoreError('INVALID_INPUT', `faces of camera ${camera}: ${faces.error.issues[0]?.message}`);
    const px = { expiration: { type: 'PX', value: Math.max(1, Math.round(ttlMs)) } } as const;
    const jpeg = Buffer.from(frame.jpeg.buffer, frame.jpeg.byteOffset, frame.jpeg.byteLength);
    await this.client.multi().set(keys.cameraFrame(camera), jpeg, px).set(keys.cameraFaces(camera), JSON.stringify(faces.data), px).exec();
  }

  /** The latest JPEG bytes, or null when none was written within the TTL. */
  async getFrame(camera: string): Promise<Buffer | null> {
    const value = (await this.bin.get(keys.cameraFrame(camera))) as unknown as Buffer | null;
    return value ?? null;
  }

  /** The latest frame's timestamp and faces, or null. */
  async getFaces(camera: string): Promise<LiveFaces | null> {
    const raw = await this.client.get(keys.cameraFaces(camera));
    if (raw === null) return null;
    try {
      const parsed = liveFacesSchema.safeParse(JSON.parse(raw));
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }
}
