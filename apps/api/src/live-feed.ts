// Pushes camera status changes and the live view's face boxes to WebSocket clients. Ingest writes both to
// short-TTL Redis keys; this polls them (only while someone is connected) and sends what changed.
import type { CameraStatus } from '@argus/protocol';
import type { AlertGateway } from './alert-gateway.ts';
import { allCameras } from './routes/cameras.routes.ts';
import type { ServerContext } from './server-context.ts';

/** Camera ids are re-read at most this often. */
const CAMERA_LIST_REFRESH_MS = 2000;

export class LiveFeed {
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private cameraIds: string[] = [];
  private listedAt = 0;
  private readonly lastStatus = new Map<string, string>();
  private readonly lastFacesTs = new Map<string, number>();

  constructor(private readonly deps: { ctx: ServerContext; gateway: AlertGateway; intervalMs: number }) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), Math.max(50, this.deps.intervalMs));
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async tick(): Promise<void> {
    if (this.busy || this.deps.gateway.clientCount === 0) return;
    this.busy = true;
    const { ctx, gateway } = this.deps;
    try {
      if (Date.now() - this.listedAt > CAMERA_LIST_REFRESH_MS) {
        this.cameraIds = (await allCameras(ctx)).map((c) => c.id);
        this.listedAt = Date.now();
        for (const id of [...this.lastStatus.keys()]) if (!this.cameraIds.includes(id)) this.lastStatus.delete(id);
      }
      if (this.cameraIds.length === 0) return;
      const statuses = await ctx.cameras.listStatuses(this.cameraIds);
      for (const { camera, status } of statuses) {
        const key = statusKey(status);
        if (this.lastStatus.get(camera) === key) continue;
        this.lastStatus.set(camera, key);
        gateway.broadcast({ type: 'camera', camera, status });
      }
      const faces = await Promise.all(this.cameraIds.map((id) => ctx.frames.getFaces(id)));
      this.cameraIds.forEach((camera, i) => {
        const f = faces[i];
        if (!f || this.lastFacesTs.get(camera) === f.ts) return;
        this.lastFacesTs.set(camera, f.ts);
        gateway.broadcast({
          type: 'faces',
          camera,
          ts: f.ts,
          faces: f.faces.map((x) => ({
            box: x.box,
            ...(x.trackId !== undefined ? { trackId: x.trackId } : {}),
            ...(x.personId !== undefined ? { personId: x.personId } : {}),
            ...(x.personName !== undefined ? { personName: x.personName } : {}),
          })),
        });
      });
    } catch (err) {
      ctx.log.warn({ err: (err as Error).message }, `live feed: ${(err as Error).message}`);
    } finally {
      this.busy = false;
    }
  }
}

/** A status unchanged in state, error and whole fps is still re-sent this often, for its counters. */
const STATUS_REFRESH_MS = 5000;

/** What counts as a change: state, error, whole fps, a stale/fresh switch, or STATUS_REFRESH_MS passing. */
export function statusKey(status: CameraStatus | null, now = Date.now()): string {
  return status === null ? 'none' : `${status.state}|${status.lastError ?? ''}|${Math.round(status.fps)}|${Math.floor(now / STATUS_REFRESH_MS)}`;
}
