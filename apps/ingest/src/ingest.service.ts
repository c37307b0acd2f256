// The ingest process: keeps the gallery replica in step with Redis, runs one CameraWorker for every
// camera it holds a lease on (cameras come from config and from argus:camera:*), and stops cleanly.
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { LoadedConfig } from '@argus/config';
import { Gallery } from '@argus/gallery';
import { MicroBatcher, type CameraPipelineConfig } from '@argus/pipeline';
import {
  AlertRepository,
  CameraRepository,
  GallerySync,
  ImageStore,
  LatestFrameRepository,
  LeaseRepository,
  SightingRepository,
  WatchlistRepository,
  type Camera,
  type RedisClient,
} from '@argus/store';
import { recordingsDirOf, type FrameSource } from '@argus/video';
import type { FaceAnalyzer } from '@argus/vision';
import { CameraWorker, type CameraWorkerDeps } from './camera-worker.ts';
import { IngestMetrics } from './metrics.ts';
import { WatchlistDirectory } from './person-directory.ts';
import { RetentionService } from './retention.service.ts';
import { analyzerPort, embedderPort } from './vision.adapter.ts';

export interface IngestDeps {
  config: LoadedConfig;
  redis: RedisClient;
  analyzer: FaceAnalyzer;
  log: Logger;
  metrics?: IngestMetrics;
  workerId?: string;
  /** How often the camera list is re-read from config + Redis (default 2000 ms). */
  reconcileIntervalMs?: number;
  createSource?: CameraWorkerDeps['createSource'];
}

const sameCamera = (a: Camera, b: Camera) =>
  a.url === b.url && a.analysisFps === b.analysisFps && a.record === b.record;

export class IngestService {
  readonly metrics: IngestMetrics;
  readonly gallery = new Gallery();
  readonly workerId: string;
  readonly sync: GallerySync;
  private readonly workers = new Map<string, CameraWorker>();
  private readonly leases: LeaseRepository;
  private readonly cameras: CameraRepository;
  private readonly directory: WatchlistDirectory;
  private readonly watchlist: WatchlistRepository;
  private readonly workerDeps: CameraWorkerDeps;
  readonly retention: RetentionService;
  private reconcileTimer: NodeJS.Timeout | undefined;
  private reconciling: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly deps: IngestDeps) {
    const { config, redis, log } = deps;
    this.metrics = deps.metrics ?? new IngestMetrics();
    this.workerId = deps.workerId ?? `${hostname()}-${process.pid}`;
    this.leases = new LeaseRepository(redis);
    this.cameras = new CameraRepository(redis);
    this.watchlist = new WatchlistRepository(redis, { log: log.child({ component: 'watchlist' }) });
    this.directory = new WatchlistDirectory(this.watchlist);
    this.sync = new GallerySync({ client: redis, sink: this.gallery, log: log.child({ component: 'gallery-sync' }) });
    this.sync.onApplied((_id, event) => {
      this.directory.follow(event).catch((err: Error) => log.warn({ err: err.message }, `person names not refreshed: ${err.message}`));
    });
    const embeddings = new MicroBatcher(embedderPort(deps.analyzer), {
      maxBatch: config.embedding.maxBatch,
      maxWaitMs: config.embedding.maxWaitMs,
      maxPending: config.embedding.maxPending,
    });
    const pipelineConfig: CameraPipelineConfig = {
      queueCapacity: config.ingest.queueCapacity,
      tracking: {
        iouThreshold: config.tracking.iouThreshold,
        confirmHits: config.tracking.confirmHits,
        closeAfterMs: config.tracking.closeAfterMs,
      },
      embedding: { maxAttemptsPerTrack: config.tracking.maxAttemptsPerTrack, reembedIntervalMs: config.tracking.reembedIntervalMs },
      identity: { ...config.recognition, k: config.recognition.topK },
      alerts: { cooldownMs: config.alerts.cooldownMs },
    };
    const sightings = new SightingRepository(redis);
    const images = new ImageStore(config.resolved.data);
    this.retention = new RetentionService({ config, sightings, images, log, metrics: this.metrics });
    this.workerDeps = {
      pipeline: {
        analyzer: analyzerPort(deps.analyzer),
        embeddings,
        gallery: { search: (embedding, k) => this.gallery.search(embedding, { k: k ?? config.recognition.topK }) },
        directory: this.directory,
      },
      pipelineConfig,
      alerts: new AlertRepository(redis),
      sightings,
      cameras: this.cameras,
      frames: new LatestFrameRepository(redis),
      images,
      metrics: this.metrics,
      log,
      recordingsDir: recordingsDirOf(config.resolved.data),
      analysisWidth: config.ingest.analysisWidth,
      stallTimeoutMs: config.ingest.stallTimeoutMs,
      statusIntervalMs: config.ingest.statusIntervalMs,
      liveViewFps: config.ingest.liveViewFps,
      createSource: deps.createSource,
    };
  }

  async start(): Promise<void> {
    const { log } = this.deps;
    await this.directory.load();
    const { rebuiltFaces } = await this.sync.start();
    log.info({ faces: rebuiltFaces, persons: this.gallery.persons().length }, `gallery: ${rebuiltFaces} faces loaded; following argus:gallery:log`);
    await this.reconcile();
    this.retention.start();
    this.reconcileTimer = setInterval(() => {
      this.reconciling = this.reconciling.then(() => this.reconcile()).catch((err: Error) => log.error({ err: err.message }, `camera list not refreshed: ${err.message}`));
    }, this.deps.reconcileIntervalMs ?? 2000);
  }

  /** Camera ids this worker runs now. */
  running(): string[] {
    return [...this.workers.keys()];
  }

  worker(camera: string): CameraWorker | undefined {
    return this.workers.get(camera);
  }

  /** Wanted cameras: config first, then Redis (an operator's add via the api wins on the same id). */
  private async wantedCameras(): Promise<Map<string, Camera>> {
    const wanted = new Map<string, Camera>();
    for (const [id, c] of Object.entries(this.deps.config.cameras)) {
      wanted.set(id, { id, url: c.url, analysisFps: c.analysisFps, record: c.record, ...(c.name ? { name: c.name } : {}) });
    }
    for (const c of await this.cameras.list()) wanted.set(c.id, c);
    return wanted;
  }

  private async reconcile(): Promise<void> {
    if (this.stopped) return;
    const { log, config } = this.deps;
    const ttl = config.ingest.leaseTtlMs;
    const wanted = await this.wantedCameras();
    for (const [id, worker] of this.workers) {
      const want = wanted.get(id);
      const keep = want && sameCamera(want, worker.camera) && (await this.leases.renew(id, this.workerId, ttl));
      if (!keep) {
        log.info({ camera: id }, want ? `camera ${id}: settings changed or lease lost; restarting` : `camera ${id}: removed; stopping`);
        this.workers.delete(id);
        await worker.stop();
        if (want) await this.leases.release(id, this.workerId);
      }
    }
    for (const [id, camera] of wanted) {
      if (this.workers.has(id) || this.stopped) continue;
      if (!(await this.leases.acquire(id, this.workerId, ttl))) continue; // another worker runs it
      const worker = new CameraWorker(camera, this.workerDeps);
      this.workers.set(id, worker);
      worker.start();
      log.info({ camera: id, fps: camera.analysisFps, record: camera.record }, `camera ${id}: started`);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.reconcileTimer) clearInterval(this.reconcileTimer);
    await this.reconciling.catch(() => undefined);
    await this.retention.stop();
    await Promise.all(
      [...this.workers.values()].map(async (w) => {
        await w.stop();
        await this.leases.release(w.camera.id, this.workerId).catch(() => undefined);
      }),
    );
    this.workers.clear();
    await this.sync.stop();
    await this.watchlist.close();
  }
}

export type { FrameSource };
