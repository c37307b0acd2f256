// Identity step: every embedding attempt is searched in the gallery and folded into its track's
// evidence; frames are annotated with each track's current decision; closes carry the final one.
import { Observable, type OperatorFunction } from 'rxjs';
import type { Box, Face } from '@argus/vision';
import type { GalleryMatch, GalleryPort, PersonDirectory } from './ports.ts';
import type { TrackEvent } from './embed-tracks.ts';
import type { TrackSnapshot } from './tracker.ts';
import { PENDING, TrackEvidence, validateThresholds, type DecisionThresholds, type IdentityDecision } from './identity-decision.ts';
import { PipelineError, describeError, requireNumber } from './pipeline-error.ts';

export interface DecideIdentityOptions extends DecisionThresholds {
  /** Gallery neighbours per search, before grouping by person. Default 10. */
  k?: number;
  /** A failed search is reported here and the attempt is left out. */
  onError?: (error: PipelineError, trackId: string) => void;
}

export interface TrackedFace {
  trackId: string;
  box: Box;
  confirmed: boolean;
  decision: IdentityDecision;
}

/** The embedded face of a track with the highest weight: the track's thumbnail and sighting vector. */
export interface BestFace {
  face: Face;
  embedding: Float32Array;
  weight: number;
  ts: number;
  seq: number;
}

export type IdentityEvent =
  | { type: 'frame'; camera: string; ts: number; seq: number; faces: TrackedFace[] }
  | { type: 'decision'; camera: string; trackId: string; ts: number; seq: number; face: Face; decision: IdentityDecision }
  | { type: 'closed'; track: TrackSnapshot; decision: IdentityDecision; best: BestFace | undefined };

interface TrackIdentity {
  evidence: TrackEvidence;
  decision: IdentityDecision;
  best: BestFace | undefined;
}

export function decideIdentity(
  gallery: GalleryPort,
  directory: PersonDirectory,
  options: DecideIdentityOptions,
): OperatorFunction<TrackEvent, IdentityEvent> {
  const thresholds = validateThresholds(options);
  const k = Math.floor(requireNumber('decideIdentity', 'k', options.k ?? 10, 1));

  return (source) =>
    new Observable<IdentityEvent>((subscriber) => {
      const tracks = new Map<string, TrackIdentity>();
      const identityOf = (trackId: string): TrackIdentity => {
        let identity = tracks.get(trackId);
        if (identity === undefined) {
          identity = { evidence: new TrackEvidence(thresholds), decision: PENDING, best: undefined };
          tracks.set(trackId, identity);
        }
        return identity;
      };

      const upstream = source.subscribe({
        next: (event) => {
          switch (event.type) {
            case 'frame': {
              const { camera, ts, seq, observations } = event.update;
              const faces = observations.map(({ track, face }) => ({
                trackId: track.id,
                box: face.box,
                confirmed: track.confirmed,
                decision: tracks.get(track.id)?.decision ?? PENDING,
              }));
              subscriber.next({ type: 'frame', camera, ts, seq, faces });
              return;
            }
            case 'embedding': {
              const { attempt } = event;
              const identity = identityOf(attempt.trackId);
              // The best face is kept even when the search fails: the sighting still needs its vector.
              if (identity.best === undefined || attempt.weight > identity.best.weight) {
                const { face, embedding, weight, ts, seq } = attempt;
                identity.best = { face, embedding, weight, ts, seq };
              }
              let matches: GalleryMatch[];
              try {
                matches = gallery.search(attempt.embedding, k);
              } catch (cause) {
                const error = new PipelineError(
                  'GALLERY_SEARCH_FAILED',
                  `track ${attempt.trackId}: gallery search failed (${describeError(cause)}); the attempt is left out`,
                  { cause, camera: attempt.camera },
                );
                options.onError?.(error, attempt.trackId);
                return;
              }
              identity.decision = identity.evidence.add(attempt.weight, matches, directory);
              subscriber.next({
                type: 'decision',
                camera: attempt.camera,
                trackId: attempt.trackId,
                ts: attempt.ts,
                seq: attempt.seq,
                face: attempt.face,
                decision: identity.decision,
              });
              return;
            }
            case 'closed': {
              const identity = tracks.get(event.track.id);
              tracks.delete(event.track.id);
              subscriber.next({ type: 'closed', track: event.track, decision: identity?.decision ?? PENDING, best: identity?.best });
              return;
            }
          }
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });

      return () => {
        upstream.unsubscribe();
        tracks.clear();
      };
    });
}
