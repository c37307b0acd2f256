// Per-camera counters, written by cameraPipeline's taps and read by ingest for /metrics and camera status.
import type { PipelineErrorCode } from './pipeline-error.ts';

export interface PipelineMetrics {
  framesIn: number;
  /** Frames dropped by keep-latest sampling because analysis was busy. */
  framesDropped: number;
  framesAnalyzed: number;
  /** Frames waiting for analysis now (never above the keep-latest capacity). */
  queueDepth: number;
  facesDetected: number;
  /** Duration of the last detection, and the sum over framesAnalyzed. */
  detectMs: number;
  detectMsTotal: number;
  embeddings: number;
  /** Request-to-result time of the last embedding (batcher wait included), and the sum over embeddings. */
  embedMs: number;
  embedMsTotal: number;
  alerts: number;
  sightings: number;
  /** Confirmed tracks that closed without any embedding, hence without a sighting. */
  tracksUnembedded: number;
  errors: Record<PipelineErrorCode, number>;
}

export function createPipelineMetrics(): PipelineMetrics {
  return {
    framesIn: 0,
    framesDropped: 0,
    framesAnalyzed: 0,
    queueDepth: 0,
    facesDetected: 0,
    detectMs: 0,
    detectMsTotal: 0,
    embeddings: 0,
    embedMs: 0,
    embedMsTotal: 0,
    alerts: 0,
    sightings: 0,
    tracksUnembedded: 0,
    errors: {
      INVALID_CONFIG: 0,
      DETECT_FAILED: 0,
      EMBED_FAILED: 0,
      EMBED_QUEUE_FULL: 0,
      EMBEDDER_CLOSED: 0,
      GALLERY_SEARCH_FAILED: 0,
    },
  };
}
