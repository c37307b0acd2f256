export { IngestService, type IngestDeps } from './ingest.service.ts';
export { CameraWorker, type CameraWorkerDeps } from './camera-worker.ts';
export { IngestMetrics } from './metrics.ts';
export { WatchlistDirectory } from './person-directory.ts';
export { analyzerPort, embedderPort } from './vision.adapter.ts';
