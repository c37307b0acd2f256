// One camera's analysis, composed: frames -> keep-latest detection -> tracking -> batched embedding ->
// identity -> live faces, alerts and sightings. Sinks (Redis, WebSocket) subscribe outside.
import { connect, map, merge, of, tap, type OperatorFunction } from 'rxjs';
import type { NewAlert, NewSighting } from '@argus/protocol';
import { analyzeLatest } from './analyze-latest.ts';
import { detectFaces } from './detect-faces.ts';
import { trackFaces } from './track-faces.ts';
import { embedTracks, type EmbedTracksOptions } from './embed-tracks.ts';
import { decideIdentity } from './decide-identity.ts';
import { alertPolicy, type AlertPolicyOptions } from './alert-policy.ts';
import { sightings } from './sightings.ts';
import { liveFaces, type FacesEvent } from './live-faces.ts';
import { createPipelineMetrics, type PipelineMetrics } from './pipeline-metrics.ts';
import type { DecisionThresholds } from './identity-decision.ts';
import type { FaceCrop } from './face-crop.ts';
import type { TrackerOptions } from './tracker.ts';
import type { FaceAnalyzerPort, FaceEmbeddingQueue, Frame, GalleryPort, PersonDirectory } from './ports.ts';
import type { PipelineError } from './pipeline-error.ts';

export type PipelineEvent =
  | FacesEvent
  | { type: 'alert'; alert: NewAlert; crop: FaceCrop }
  | { type: 'sighting'; sighting: NewSighting; crop: FaceCrop };

export interface PipelineDeps {
  analyzer: FaceAnalyzerPort;
  /** The MicroBatcher shared by every camera of the process. */
  embeddings: FaceEmbeddingQueue;
  gallery: GalleryPort;
  directory: PersonDirectory;
  /** Updated in place; created when absent. */
  metrics?: PipelineMetrics;
  /** Per-frame and per-track failures (the stream goes on); log them. */
  onError?: (error: PipelineError) => void;
  /** Clock for detectMs and embedMs; default performance.now. */
  now?: () => number;
}

export interface CameraPipelineConfig {
  /** Frames that may wait while one is analyzed; older ones are dropped. Default 1. */
  queueCapacity?: number;
  tracking?: TrackerOptions;
  embedding?: Omit<EmbedTracksOptions, 'onError' | 'now'>;
  identity: DecisionThresholds & { k?: number };
  alerts?: AlertPolicyOptions;
}

export function cameraPipeline(deps: PipelineDeps, config: CameraPipelineConfig): OperatorFunction<Frame, PipelineEvent> {
  const metrics = deps.metrics ?? createPipelineMetrics();
  const onError = (error: PipelineError): void => {
    metrics.errors[error.code] += 1;
    deps.onError?.(error);
  };
  const now = deps.now;
  const detect = detectFaces(deps.analyzer, { onError, now });
  const track = trackFaces(config.tracking);
  const embed = embedTracks(deps.embeddings, { ...config.embedding, onError, now });
  const decide = decideIdentity(deps.gallery, deps.directory, { ...config.identity, onError });
  const alert = alertPolicy(config.alerts);

  return (frames) =>
    frames.pipe(
      tap(() => (metrics.framesIn += 1)),
      analyzeLatest((frame: Frame) => of(frame).pipe(detect), {
        capacity: config.queueCapacity ?? 1,
        onDrop: () => (metrics.framesDropped += 1),
        onQueueDepth: (depth) => (metrics.queueDepth = depth),
      }),
      tap(({ faces, detectMs }) => {
        metrics.framesAnalyzed += 1;
        metrics.facesDetected += faces.length;
        metrics.detectMs = detectMs;
        metrics.detectMsTotal += detectMs;
      }),
      track,
      embed,
      tap((event) => {
        if (event.type !== 'embedding') return;
        metrics.embeddings += 1;
        metrics.embedMs = event.attempt.embedMs;
        metrics.embedMsTotal += event.attempt.embedMs;
      }),
      decide,
    ).pipe(
      tap((event) => {
        if (event.type === 'closed' && event.track.confirmed && event.best === undefined) metrics.tracksUnembedded += 1;
      }),
      connect((events) =>
        merge(
          events.pipe(liveFaces()),
          events.pipe(
            alert,
            map(({ alert, crop }): PipelineEvent => ({ type: 'alert', alert, crop })),
          ),
          events.pipe(
            sightings(),
            map(({ sighting, crop }): PipelineEvent => ({ type: 'sighting', sighting, crop })),
          ),
        ),
      ),
      tap((event) => {
        if (event.type === 'alert') metrics.alerts += 1;
        else if (event.type === 'sighting') metrics.sightings += 1;
      }),
    );
}
