// Live-view step: each analyzed frame becomes the boxes to draw, named once a track is known.
import { filter, map, pipe, type OperatorFunction } from 'rxjs';
import type { BoxTuple } from '@argus/protocol';
import type { IdentityEvent } from './decide-identity.ts';

export interface LiveFace {
  /** [x, y, width, height] in frame pixels, as protocol's boxSchema. */
  box: BoxTuple;
  trackId: string;
  personId?: string;
  personName?: string;
  score?: number;
}

export interface FacesEvent {
  type: 'faces';
  camera: string;
  ts: number;
  /** Every face of the frame, tentative tracks included; empty when the frame had none (clears the view). */
  faces: LiveFace[];
}

export function liveFaces(): OperatorFunction<IdentityEvent, FacesEvent> {
  return pipe(
    filter((event): event is Extract<IdentityEvent, { type: 'frame' }> => event.type === 'frame'),
    map(({ camera, ts, faces }) => ({
      type: 'faces' as const,
      camera,
      ts,
      faces: faces.map(({ trackId, box, decision }) => {
        const live: LiveFace = { box: [box.x, box.y, box.width, box.height], trackId };
        if (decision.kind === 'known') {
          live.personId = decision.personId;
          live.personName = decision.personName;
          live.score = decision.score;
        }
        return live;
      }),
    })),
  );
}
