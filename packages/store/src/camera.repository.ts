// Cameras added at run time (argus:camera:{id} + the argus:cameras set) and the live status each ingest
// worker writes every second under a short TTL, so a dead worker's cameras show as stale (no status).
import { cameraStatusSchema, type CameraStatus } from '@argus/protocol';
import { assertId } from './ids.ts';
import { keys } from './keys.ts';
import type { RedisClient } from './redis-client.ts';
import { StoreError } from './store-error.ts';

export interface Camera {
  id: string;
  url: string;
  name?: string;
  analysisFps: number;
  record: boolean;
}

export interface CameraStatusEntry {
  camera: string;
  /** null: no status within the TTL (ingest worker down, or the camera not assigned to one). */
  status: CameraStatus | null;
}

export const DEFAULT_STATUS_TTL_MS = 5000;

export function encodeCamera(camera: Camera): Record<string, string> {
  assertId(camera.id, 'camera id');
  if (typeof camera.url !== 'string' || camera.url.trim() === '') throw new StoreError('INVALID_INPUT', `camera ${camera.id}: url is required (rtsp://host:554/stream)`);
  if (!(camera.analysisFps > 0 && camera.analysisFps <= 30)) throw new StoreError('INVALID_INPUT', `camera ${camera.id}: analysisFps must be in (0, 30], got ${camera.analysisFps}`);
  return {
    url: camera.url,
    name: camera.name ?? '',
    analysisFps: String(camera.analysisFps),
    record: camera.record ? '1' : '0',
  };
}

export function decodeCamera(id: string, hash: Record<string, string>): Camera {
  const analysisFps = Number(hash.analysisFps);
  if (!hash.url || !Number.isFinite(analysisFps)) throw new StoreError('CORRUPT_ENTRY', `camera ${id} in Redis is malformed`);
  return { id, url: hash.url, ...(hash.name ? { name: hash.name } : {}), analysisFps, record: hash.record === '1' };
}

export class CameraRepository {
  constructor(
    private readonly client: RedisClient,
    private readonly options: { statusTtlMs?: number } = {},
  ) {}

  /** Creates or replaces the camera. */
  async upsert(camera: Camera): Promise<Camera> {
    const fields = encodeCamera(camera);
    const key = keys.camera(camera.id);
    // DEL first so a field dropped by the update (e.g. name) does not survive.
    await this.client.multi().del(key).hSet(key, fields).sAdd(keys.cameras, camera.id).exec();
    return decodeCamera(camera.id, fields);
  }

  /** Removes the camera and its live keys; false when there was no such camera. */
  async remove(cameraId: string): Promise<boolean> {
    const replies = await this.client
      .multi()
      .sRem(keys.cameras, cameraId)
      .del([keys.camera(cameraId), keys.cameraStatus(cameraId), keys.cameraFrame(cameraId), keys.cameraFaces(cameraId)])
      .exec();
    return Number(replies[0]) > 0;
  }

  async get(cameraId: string): Promise<Camera | null> {
    const hash = await this.client.hGetAll(keys.camera(cameraId));
    return Object.keys(hash).length === 0 ? null : decodeCamera(cameraId, hash);
  }

  /** Every camera, by id. */
  async list(): Promise<Camera[]> {
    const ids = (await this.client.sMembers(keys.cameras)).sort();
    const hashes = await Promise.all(ids.map((id) => this.client.hGetAll(keys.camera(id))));
    return ids.flatMap((id, i) => {
      const hash = hashes[i]!;
      return Object.keys(hash).length === 0 ? [] : [decodeCamera(id, hash)];
    });
  }

  /** Written by ingest about once a second; expires after `ttlMs` (default 5 s) so silence means stale. */
  async setStatus(status: CameraStatus, ttlMs = this.options.statusTtlMs ?? DEFAULT_STATUS_TTL_MS): Promise<void> {
    const parsed = cameraStatusSchema.safeParse(status);
    if (!parsed.success) throw new StoreError('INVALID_INPUT', `camera status: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    await this.client.set(keys.cameraStatus(parsed.data.camera), JSON.stringify(parsed.data), { expiration: { type: 'PX', value: Math.max(1, Math.round(ttlMs)) } });
  }

  async getStatus(cameraId: string): Promise<CameraStatus | null> {
    return parseStatus(await this.client.get(keys.cameraStatus(cameraId)));
  }

  /** Status of each camera: the given ids (e.g. cameras from config too), or every stored camera. */
  async listStatuses(cameraIds?: readonly string[]): Promise<CameraStatusEntry[]> {
    const ids = cameraIds ? [...cameraIds] : (await this.client.sMembers(keys.cameras)).sort();
    if (ids.length === 0) return [];
    const values = await this.client.mGet(ids.map((id) => keys.cameraStatus(id)));
    return ids.map((camera, i) => ({ camera, status: parseStatus(values[i] ?? null) }));
  }
}

function parseStatus(raw: string | null): CameraStatus | null {
  if (raw === null) return null;
  try {
    const parsed = cameraStatusSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
