// What the routes share: config, repositories, the analyzer and the enrolment service, built once per server.
import type { LoadedConfig } from '@argus/config';
import type { AlertRepository, CameraRepository, ImageStore, LatestFrameRepository, RedisClient, WatchlistRepository } from '@argus/store';
import type { ClipCutter, ExportStore } from '@argus/video';
import type { FaceAnalyzer } from '@argus/vision';
import type { Logger } from 'pino';
import type { ApiMetrics } from './metrics.ts';
import type { EnrollmentService } from './services/enrollment.service.ts';
import type { SightingSearchService } from './services/sighting-search.service.ts';

export interface ServerContext {
  config: LoadedConfig;
  redis: RedisClient;
  analyzer: FaceAnalyzer;
  watchlist: WatchlistRepository;
  cameras: CameraRepository;
  alerts: AlertRepository;
  frames: LatestFrameRepository;
  images: ImageStore;
  enrollment: EnrollmentService;
  search: SightingSearchService;
  clips: ClipCutter;
  exports: ExportStore;
  metrics: ApiMetrics;
  log: Logger;
  version: string;
  startedAt: number;
}

/** Photos per enrolment request at most. */
export const MAX_PHOTOS_PER_REQUEST = 20;
