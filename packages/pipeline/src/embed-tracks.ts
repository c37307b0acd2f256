// Embedding step: decides which tracks need an embedding and asks the shared micro-batcher for it,
// without holding up the frame stream. A track's close is passed on only after its embedding settles.
import { Observable, type OperatorFunction } from 'rxjs';
import type { Face } from '@argus/vision';
import type { FaceEmbeddingQueue } from './ports.ts';
import type { TrackSnapshot, TrackUpdate } from './tracker.ts';
import { PipelineError, describeError, requireNumber } from './pipeline-error.ts';

export interface EmbedTracksOptions {
  /** Embeddings asked for one track at most (successful or in flight). Default 4. */
  maxAttemptsPerTrack?: number;
  /** Least frame time between two requests for one track. Default 1000. */
  reembedIntervalMs?: number;
  /** A later face is embedded only when its weight beats the best embedded one by this much (weights are 0..1). Default 0.1. */
  minWeightGain?: number;
  /** Face width (px) from which size no longer raises a face's weight. Default 112, the aligned crop size. */
  fullWeightFacePx?: number;
  /** A failed request is reported here; the track may try again on a later frame. */
  onError?: (error: PipelineError, track: TrackSnapshot) => void;
  /** Clock for embedMs; default performance.now. */
  now?: () => number;
}

export interface EmbeddingAttempt {
  camera: string;
  trackId: string;
  /** Frame ts and seq of the embedded face. */
  ts: number;
  seq: number;
  face: Face;
  /** How much this face counts in votes: see faceWeight. */
  weight: number;
  embedding: Float32Array;
  /** From request to result, queueing in the batcher included. */
  embedMs: number;
}

export type TrackEvent =
  | { type: 'frame'; update: TrackUpdate }
  | { type: 'embedding'; attempt: EmbeddingAttempt }
  | { type: 'closed'; track: TrackSnapshot };

/** Weights never reach 0, so a track of poor faces still has evidence that can be normalised. */
export const MIN_FACE_WEIGHT = 0.01;

/** quality.score (0..1) times a size factor that is linear up to fullWeightFacePx, floored at MIN_FACE_WEIGHT. */
export function faceWeight(face: Face, fullWeightFacePx = 112): number {
  const size = Math.min(1, Math.max(0, face.quality.sizePx) / fullWeightFacePx);
  const quality = Math.min(1, Math.max(0, face.quality.score));
  return Math.max(MIN_FACE_WEIGHT, quality * size);
}

interface TrackEmbedState {
  /** Successful or in-flight requests. */
  attempts: number;
  lastRequestTs: number;
  bestEmbeddedWeight: number;
  inFlight: boolean;
  /** Set when the track closed while a request was in flight. */
  closedAs: TrackSnapshot | undefined;
}

export function embedTracks(embedder: FaceEmbeddingQueue, options: EmbedTracksOptions = {}): OperatorFunction<TrackUpdate, TrackEvent> {
  const maxAttempts = Math.floor(requireNumber('embedTracks', 'maxAttemptsPerTrack', options.maxAttemptsPerTrack ?? 4, 1));
  const reembedIntervalMs = requireNumber('embedTracks', 'reembedIntervalMs', options.reembedIntervalMs ?? 1000, 0);
  const minWeightGain = requireNumber('embedTracks', 'minWeightGain', options.minWeightGain ?? 0.1, 0, 1);
  const fullWeightFacePx = requireNumber('embedTracks', 'fullWeightFacePx', options.fullWeightFacePx ?? 112, 1);
  const now = options.now ?? (() => performance.now());

  return (source) =>
    new Observable<TrackEvent>((subscriber) => {
      const tracks = new Map<string, TrackEmbedState>();
      let inFlight = 0;
      let sourceDone = false;

      const completeWhenIdle = (): void => {
        if (sourceDone && inFlight === 0) subscriber.complete();
      };

      const wants = (state: TrackEmbedState, weight: number, ts: number): boolean => {
        if (state.inFlight || state.attempts >= maxAttempts) return false;
        if (state.bestEmbeddedWeight < 0) return true; // nothing embedded yet: ask on every frame until one succeeds
        return ts - state.lastRequestTs >= reembedIntervalMs && weight >= state.bestEmbeddedWeight + minWeightGain;
      };

      const request = (track: TrackSnapshot, face: Face, weight: number, ts: number, seq: number, state: TrackEmbedState): void => {
        state.inFlight = true;
        state.attempts += 1;
        state.lastRequestTs = ts;
        inFlight += 1;
        const started = now();
        embedder
          .submit(face.aligned)
          .then(
            (embedding) => {
              state.bestEmbeddedWeight = Math.max(state.bestEmbeddedWeight, weight);
              if (subscriber.closed) return;
              const attempt = { camera: track.camera, trackId: track.id, ts, seq, face, weight, embedding, embedMs: now() - started };
              subscriber.next({ type: 'embedding', attempt });
            },
            (cause: unknown) => {
              state.attempts -= 1; // a failure does not use up the track's budget
              const error =
                cause instanceof PipelineError
                  ? cause
                  : new PipelineError('EMBED_FAILED', `track ${track.id}: embedding failed (${describeError(cause)})`, { cause });
              options.onError?.(error, track);
            },
          )
          .finally(() => {
            state.inFlight = false;
            inFlight -= 1;
            if (subscriber.closed) return;
            if (state.closedAs !== undefined) {
              tracks.delete(track.id);
              subscriber.next({ type: 'closed', track: state.closedAs });
            }
            completeWhenIdle();
          });
      };

      const upstream = source.subscribe({
        next: (update) => {
          for (const track of update.closed) {
            const state = tracks.get(track.id);
            if (state?.inFlight) {
              state.closedAs = track;
              continue;
            }
            tracks.delete(track.id);
            subscriber.next({ type: 'closed', track });
          }
          if (update.flush) return;
          subscriber.next({ type: 'frame', update });
          for (const { track, face } of update.observations) {
            if (!track.confirmed) continue;
            let state = tracks.get(track.id);
            if (state === undefined) {
              state = { attempts: 0, lastRequestTs: -Infinity, bestEmbeddedWeight: -1, inFlight: false, closedAs: undefined };
              tracks.set(track.id, state);
            }
            const weight = faceWeight(face, fullWeightFacePx);
            if (wants(state, weight, update.ts)) request(track, face, weight, update.ts, update.seq, state);
          }
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          sourceDone = true;
          completeWhenIdle();
        },
      });

      return () => {
        upstream.unsubscribe();
        tracks.clear();
      };
    });
}
