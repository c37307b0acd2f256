// One camera in the ingest process: CameraSource -> cameraPipeline -> sinks (alerts, sightings,
// live view, status). Sink failures are logged and counted; they never stop the camera.
import { EMPTY, Subscription, catchError, from, mergeMap, tap } from 'rxjs';
import type { Logger } from 'pino';
import {
  cameraPipeline,
  createPipelineMetrics,
  type CameraPipelineConfig,
  type FaceCrop,
  type Frame,
  type PipelineDeps,
  type PipelineEvent,
  type PipelineMetrics,
} from '@argus/pipeline';
import type { CameraStatus } from '@argus/protocol';
import { newId, type AlertRepository, type CameraRepository, type ImageStore, type LatestFrameRepository, type SightingRepository, type Camera } from '@argus/store';
import { CameraSource, type FrameSource } from '@argus/video';
import { encodeJpeg } from '@argus/vision';
import type { IngestMetrics } from './metrics.ts';

export interface CameraWorkerDeps {
  pipeline: Omit<PipelineDeps, 'metrics' | 'onError'>;
  pipelineConfig: CameraPipelineConfig;
  alerts: AlertRepository;
  sightings: SightingRepository;
  cameras: CameraRepository;
  frames: LatestFrameRepository;
  images: ImageStore;
  metrics: IngestMetrics;
  log: Logger;
  recordingsDir: string;
  analysisWidth: number;
  stallTimeoutMs: number;
  statusIntervalMs: number;
  liveViewFps: number;
  /** Tests inject a fake source; production builds a CameraSource. */
  createSource?: (camera: Camera) => FrameSource;
}

/** Recent frames kept so the live view can encode the frame a faces event refers to. */
const RECENT_FRAMES = 4;
const SINK_CONCURRENCY = 4;

export class CameraWorker {
  readonly source: FrameSource;
  readonly pipelineMetrics: PipelineMetrics = createPipelineMetrics();
  private readonly subscription = new Subscription();
  private readonly recent: Frame[] = [];
  private statusTimer: NodeJS.Timeout | undefined;
  private lastLiveWrite = 0;
  private reported = { framesIn: 0, framesDropped: 0, framesAnalyzed: 0 };
  private readonly log: Logger;

  constructor(
    readonly camera: Camera,
    private readonly deps: CameraWorkerDeps,
  ) {
    this.log = deps.log.child({ camera: camera.id });
    this.source =
      deps.createSource?.(camera) ??
      new CameraSource({
        camera: camera.id,
        url: camera.url,
        analysisFps: camera.analysisFps,
        analysisWidth: deps.analysisWidth,
        record: camera.record,
        recordingsDir: deps.recordingsDir,
        stallTimeoutMs: deps.stallTimeoutMs,
        logger: deps.log, // CameraSource names the camera itself
      });
  }

  start(): void {
    const { metrics } = this.deps;
    const events$ = this.source.frames$.pipe(
      tap((frame) => {
        this.recent.push(frame);
        if (this.recent.length > RECENT_FRAMES) this.recent.shift();
      }),
      cameraPipeline(
        {
          ...this.deps.pipeline,
          metrics: this.pipelineMetrics,
          onError: (error) => {
            metrics.pipelineErrors.inc({ camera: this.camera.id, code: error.code });
            this.log.warn({ err: error.message, code: error.code }, `camera ${this.camera.id}: ${error.message}`);
          },
        },
        this.deps.pipelineConfig,
      ),
      mergeMap(
        (event) =>
          from(this.write(event)).pipe(
            catchError((err: Error) => {
              metrics.sinkErrors.inc({ kind: event.type });
              this.log.error({ err: err.message }, `camera ${this.camera.id}: could not store ${event.type}: ${err.message}`);
              return EMPTY;
            }),
          ),
        SINK_CONCURRENCY,
      ),
    );
    this.subscription.add(
      events$.subscribe({
        error: (err: Error) => this.log.error({ err: err.message }, `camera ${this.camera.id}: pipeline stopped: ${err.message}`),
      }),
    );
    this.subscription.add(
      this.source.status$.subscribe((status) => {
        metrics.cameraState.set({ camera: this.camera.id }, status.state === 'live' ? 1 : 0);
      }),
    );
    this.source.start();
    this.statusTimer = setInterval(() => void this.reportStatus(), this.deps.statusIntervalMs);
    void this.reportStatus();
  }

  async stop(): Promise<void> {
    if (this.statusTimer) clearInterval(this.statusTimer);
    await this.source.stop();
    this.subscription.unsubscribe();
    await this.reportStatus().catch(() => undefined);
  }

  /** The camera's status as the api and dashboard see it, with the pipeline's drop count. */
  status(): CameraStatus {
    const s = this.source.status();
    const status: CameraStatus = {
      camera: this.camera.id,
      state: s.state,
      fps: s.fps,
      framesIn: s.framesIn,
      framesDropped: s.framesDropped + this.pipelineMetrics.framesDropped,
      updatedAt: Date.now(),
    };
    if (s.lastError) status.lastError = s.lastError;
    return status;
  }

  private async reportStatus(): Promise<void> {
    const m = this.pipelineMetrics;
    const { metrics } = this.deps;
    const labels = { camera: this.camera.id };
    metrics.framesIn.inc(labels, m.framesIn - this.reported.framesIn);
    metrics.framesDropped.inc(labels, m.framesDropped - this.reported.framesDropped);
    metrics.framesAnalyzed.inc(labels, m.framesAnalyzed - this.reported.framesAnalyzed);
    metrics.queueDepth.set(labels, m.queueDepth);
    this.reported = { framesIn: m.framesIn, framesDropped: m.framesDropped, framesAnalyzed: m.framesAnalyzed };
    try {
      await this.deps.cameras.setStatus(this.status());
    } catch (err) {
      metrics.sinkErrors.inc({ kind: 'status' });
      this.log.warn({ err: (err as Error).message }, `camera ${this.camera.id}: status not written: ${(err as Error).message}`);
    }
  }

  private async saveThumb(crop: FaceCrop): Promise<{ thumbPath: string; thumbUrl: string }> {
    const id = newId();
    const thumbPath = await this.deps.images.save('thumbs', id, await encodeJpeg(crop.image, 90));
    return { thumbPath, thumbUrl: `/api/images/${thumbPath}` };
  }

  private async write(event: PipelineEvent): Promise<void> {
    const { metrics } = this.deps;
    switch (event.type) {
      case 'alert': {
        const { thumbUrl } = await this.saveThumb(event.crop);
        const latencyMs = Date.now() - event.alert.ts;
        const id = await this.deps.alerts.publish({ ...event.alert, thumbUrl, latencyMs });
        metrics.alerts.inc({ camera: this.camera.id });
        metrics.alertLatencyMs.observe(Date.now() - event.alert.ts);
        this.log.info(
          { alertId: id, personId: event.alert.personId, score: event.alert.score, trackId: event.alert.trackId, latencyMs },
          `alert: ${event.alert.personName} on ${this.camera.id} (score ${event.alert.score.toFixed(2)})`,
        );
        return;
      }
      case 'sighting': {
        const { thumbPath } = await this.saveThumb(event.crop);
        await this.deps.sightings.publish({ ...event.sighting, thumbPath });
        metrics.sightings.inc({ camera: this.camera.id });
        return;
      }
      case 'faces': {
        const now = Date.now();
        if (now - this.lastLiveWrite < 1000 / this.deps.liveViewFps) return;
        const frame = this.recent.find((f) => f.ts === event.ts) ?? this.recent.at(-1);
        if (!frame) return;
        this.lastLiveWrite = now;
        const jpeg = await encodeJpeg(frame, 75);
        await this.deps.frames.put(this.camera.id, { jpeg, ts: event.ts, faces: event.faces });
        return;
      }
    }
  }
}

