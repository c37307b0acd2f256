// Alert step: turns identity decisions into alerts, once per track and person, and at most one per
// camera and person within the cooldown. Time is frame time, so replays and tests behave alike.
import { Observable, type OperatorFunction } from 'rxjs';
import type { NewAlert } from '@argus/protocol';
import type { IdentityEvent } from './decide-identity.ts';
import { cropOf, type FaceCrop } from './face-crop.ts';
import { requireNumber } from './pipeline-error.ts';

export interface AlertPolicyOptions {
  /** After an alert for a person on a camera, no other alert for them there until this much frame time passed. Default 60000. */
  cooldownMs?: number;
}

export interface AlertEvent {
  alert: NewAlert;
  /** The deciding face, for the alert thumbnail. */
  crop: FaceCrop;
}

/** Beyond this many remembered camera+person pairs, expired ones are forgotten. */
const PRUNE_ABOVE = 1024;

/**
 * A track whose decision becomes known(P) alerts for P unless (a) this track already alerted or was
 * silenced for P, or (b) P alerted on this camera less than cooldownMs ago (frame time). A silenced
 * (track, P) stays silenced for the track's life: someone who stays in view is not re-alerted when the
 * cooldown runs out. The cooldown runs from the last alert sent, and a new track of P inside it is silent.
 */
export function alertPolicy(options: AlertPolicyOptions = {}): OperatorFunction<IdentityEvent, AlertEvent> {
  const cooldownMs = requireNumber('alertPolicy', 'cooldownMs', options.cooldownMs ?? 60_000, 0);
  return (source) =>
    new Observable<AlertEvent>((subscriber) => {
      const handled = new Map<string, Set<string>>();
      const lastAlertTs = new Map<string, number>();

      const prune = (now: number): void => {
        if (lastAlertTs.size <= PRUNE_ABOVE) return;
        for (const [key, ts] of lastAlertTs) if (now - ts >= cooldownMs) lastAlertTs.delete(key);
      };

      const upstream = source.subscribe({
        next: (event) => {
          if (event.type === 'closed') {
            handled.delete(event.track.id);
            return;
          }
          if (event.type !== 'decision' || event.decision.kind !== 'known') return;
          const { decision, camera, trackId, ts } = event;
          const persons = handled.get(trackId) ?? new Set<string>();
          handled.set(trackId, persons);
          if (persons.has(decision.personId)) return;
          persons.add(decision.personId);
          const key = `${camera}\u0000${decision.personId}`;
          const last = lastAlertTs.get(key);
          if (last !== undefined && ts - last < cooldownMs) return;
          lastAlertTs.set(key, ts);
          prune(ts);
          subscriber.next({
            alert: {
              camera,
              personId: decision.personId,
              personName: decision.personName,
              score: decision.score,
              ts,
              trackId,
              faceId: decision.faceId,
            },
            crop: cropOf(event.face, ts, event.seq),
          });
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
      return () => {
        upstream.unsubscribe();
        handled.clear();
        lastAlertTs.clear();
      };
    });
}
