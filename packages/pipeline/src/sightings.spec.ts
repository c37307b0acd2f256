import { describe, expect, it } from 'vitest';
import { from, lastValueFrom, toArray } from 'rxjs';
import { sightings } from './sightings.ts';
import type { BestFace, IdentityEvent } from './decide-identity.ts';
import type { IdentityDecision } from './identity-decision.ts';
import type { TrackSnapshot } from './tracker.ts';
import { IDENTITIES, box, fakeFace } from './fake-ports.spec-support.ts';

const track = (id: string, confirmed = true): TrackSnapshot => ({
  id,
  camera: 'lobby',
  hits: confirmed ? 5 : 1,
  confirmed,
  startTs: 1000,
  lastTs: 4000,
  lastSeq: 40,
  box: box(0, 0, 100),
});
const best = (tag: number): BestFace => ({
  face: fakeFace(box(30, 40, 110), { quality: 0.77, tag }),
  embedding: IDENTITIES.alice as Float32Array,
  weight: 0.75,
  ts: 2500,
  seq: 25,
});
const aliceKnown: IdentityDecision = {
  kind: 'known',
  personId: 'alice',
  personName: 'Alice',
  score: 0.8,
  faceId: 'a1',
  runnerUp: undefined,
  attempts: 2,
};

describe('sightings', () => {
  it('makes one sighting per closed confirmed track, with its best face, known or not', async () => {
    const events: IdentityEvent[] = [
      { type: 'frame', camera: 'lobby', ts: 1000, seq: 10, faces: [] },
      { type: 'closed', track: track('lobby-1'), decision: aliceKnown, best: best(7) },
      { type: 'closed', track: track('lobby-2'), decision: { kind: 'unknown', best: undefined, attempts: 1 }, best: best(9) },
    ];
    const out = await lastValueFrom(from(events).pipe(sightings(), toArray()));
    expect(out.map((s) => s.sighting)).toEqual([
      {
        camera: 'lobby',
        trackId: 'lobby-1',
        start: 1000,
        end: 4000,
        personId: 'alice',
        personName: 'Alice',
        score: 0.8,
        quality: 0.77,
        embedding: IDENTITIES.alice,
      },
      { camera: 'lobby', trackId: 'lobby-2', start: 1000, end: 4000, quality: 0.77, embedding: IDENTITIES.alice },
    ]);
    expect(out.map((s) => [s.crop.image.data[1], s.crop.seq, s.crop.ts, s.crop.box])).toEqual([
      [7, 25, 2500, { x: 30, y: 40, width: 110, height: 110 }],
      [9, 25, 2500, { x: 30, y: 40, width: 110, height: 110 }],
    ]);
  });

  it('makes none for unconfirmed tracks or tracks that never got an embedding', async () => {
    const events: IdentityEvent[] = [
      { type: 'closed', track: track('lobby-1', false), decision: { kind: 'pending' }, best: best(1) },
      { type: 'closed', track: track('lobby-2'), decision: { kind: 'pending' }, best: undefined },
    ];
    expect(await lastValueFrom(from(events).pipe(sightings(), toArray()))).toEqual([]);
  });
});
