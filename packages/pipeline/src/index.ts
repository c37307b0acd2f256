export type { Frame, FaceAnalyzerPort, EmbedderPort, GalleryPort, GalleryMatch, PersonDirectory, FaceEmbeddingQueue } from './ports.ts';
export { PipelineError, type PipelineErrorCode } from './pipeline-error.ts';
export { LatestQueue, DropCounter } from './latest-queue.ts';
export { analyzeLatest, type KeepLatestOptions } from './analyze-latest.ts';
export { detectFaces, type FrameFaces, type DetectFacesOptions } from './detect-faces.ts';
export { Tracker, iou, type TrackerOptions, type TrackSnapshot, type TrackObservation, type TrackUpdate } from './tracker.ts';
export { trackFaces } from './track-faces.ts';
export { MicroBatcher, type MicroBatcherOptions, type MicroBatcherStats } from './micro-batcher.ts';
export { embedTracks, faceWeight, MIN_FACE_WEIGHT, type EmbedTracksOptions, type EmbeddingAttempt, type TrackEvent } from './embed-tracks.ts';
export {
  TrackEvidence,
  validateThresholds,
  PENDING,
  type DecisionThresholds,
  type IdentityDecision,
  type PersonEvidence,
} from './identity-decision.ts';
export { decideIdentity, type DecideIdentityOptions, type IdentityEvent, type TrackedFace, type BestFace } from './decide-identity.ts';
export type { FaceCrop } from './face-crop.ts';
export { alertPolicy, type AlertPolicyOptions, type AlertEvent } from './alert-policy.ts';
export { sightings, type SightingEvent } from './sightings.ts';
export { liveFaces, type LiveFace, type FacesEvent } from './live-faces.ts';
export { createPipelineMetrics, type PipelineMetrics } from './pipeline-metrics.ts';
export { cameraPipeline, type CameraPipelineConfig, type PipelineDeps, type PipelineEvent } from './camera-pipeline.ts';
