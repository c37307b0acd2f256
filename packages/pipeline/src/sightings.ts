// Sighting step: every confirmed track, known or not, becomes one sighting with its best face, so
// "has this unknown face been here before?" is a search over sightings.
import { concatMap, EMPTY, of, type OperatorFunction } from 'rxjs';
import type { NewSighting } from '@argus/protocol';
import type { IdentityEvent } from './decide-identity.ts';
import { cropOf, type FaceCrop } from './face-crop.ts';

export interface SightingEvent {
  sighting: NewSighting;
  /** The track's best embedded face, for the thumbnail. */
  crop: FaceCrop;
}

/**
 * Unconfirmed tracks (fewer than confirmHits detections) are detector noise and make no sighting. A
 * confirmed track that never got an embedding (the embedder was overloaded for its whole life) has no
 * vector to search by and makes none either; cameraPipeline counts those as tracksUnembedded.
 */
export function sightings(): OperatorFunction<IdentityEvent, SightingEvent> {
  return concatMap((event) => {
    if (event.type !== 'closed' || !event.track.confirmed || event.best === undefined) return EMPTY;
    const { track, decision, best } = event;
    const sighting: NewSighting = {
      camera: track.camera,
      trackId: track.id,
      start: track.startTs,
      end: track.lastTs,
      quality: best.face.quality.score,
      embedding: best.embedding,
    };
    if (decision.kind === 'known') {
      sighting.personId = decision.personId;
      sighting.personName = decision.personName;
      sighting.score = decision.score;
    }
    return of({ sighting, crop: cropOf(best.face, best.ts, best.seq) });
  });
}
