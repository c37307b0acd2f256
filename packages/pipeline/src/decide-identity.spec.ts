import { describe, expect, it } from 'vitest';
import { Subject } from 'rxjs';
import { decideIdentity, type IdentityEvent } from './decide-identity.ts';
import type { EmbeddingAttempt, TrackEvent } from './embed-tracks.ts';
import { Tracker } from './tracker.ts';
import { FakeDirectory, FakeGallery, IDENTITIES, box, fakeFace, unit } from './fake-ports.spec-support.ts';
import type { Face } from '@argus/vision';
import type { PipelineError } from './pipeline-error.ts';

const thresholds = { match: 0.5, unknown: 0.5, margin: 0.05, k: 5 };

function attempt(trackId: string, ts: number, face: Face, embedding: Float32Array, weight: number): TrackEvent {
  const value: EmbeddingAttempt = { camera: 'cam', trackId, ts, seq: ts / 100, face, weight, embedding, embedMs: 3 };
  return { type: 'embedding', attempt: value };
}

describe('decideIdentity', () => {
  it('annotates frames with the current decision, decides per attempt and closes with the final decision and best face', () => {
    const gallery = new FakeGallery().enroll('alice', 'a1', IDENTITIES.alice as Float32Array).enroll('bob', 'b1', IDENTITIES.bob as Float32Array);
    const directory = new FakeDirectory({ alice: 'Alice', bob: 'Bob' });
    const input = new Subject<TrackEvent>();
    const out: IdentityEvent[] = [];
    input.pipe(decideIdentity(gallery, directory, thresholds)).subscribe((e) => out.push(e));

    const tracker = new Tracker({ confirmHits: 1 });
    const small = fakeFace(box(10, 10, 90), { quality: 0.5, tag: 1 });
    const big = fakeFace(box(10, 10, 112), { quality: 0.9, tag: 2 });
    input.next({ type: 'frame', update: tracker.update('cam', 0, 0, [small]) });
    input.next(attempt('cam-1', 0, small, unit([1, 0.2, 0, 0]), 0.2));
    input.next({ type: 'frame', update: tracker.update('cam', 100, 1, [big]) });
    input.next(attempt('cam-1', 100, big, unit([1, 0.1, 0, 0]), 0.9));
    const [closing] = tracker.flush();
    input.next({ type: 'closed', track: closing?.closed[0] ?? expect.fail('no track to close') });

    expect(out.map((e) => e.type)).toEqual(['frame', 'decision', 'frame', 'decision', 'closed']);
    const [firstFrame, , secondFrame, , closed] = out;
    expect(firstFrame?.type === 'frame' && firstFrame.faces.map((f) => [f.trackId, f.decision.kind])).toEqual([['cam-1', 'pending']]);
    expect(secondFrame?.type === 'frame' && secondFrame.faces.map((f) => [f.trackId, f.decision.kind])).toEqual([['cam-1', 'known']]);
    expect(closed).toMatchObject({ type: 'closed', decision: { kind: 'known', personId: 'alice', personName: 'Alice', attempts: 2 } });
    expect(closed?.type === 'closed' && closed.best?.face.aligned.data[1]).toBe(2); // the big, good face
    expect(closed?.type === 'closed' && closed.best).toMatchObject({ ts: 100, seq: 1, weight: 0.9 });
  });

  it('reports a failing search, leaves the attempt out of the vote and still keeps the face for the sighting', () => {
    const directory = new FakeDirectory({ alice: 'Alice' });
    const errors: PipelineError[] = [];
    const gallery = {
      search: () => {
        throw new Error('index not loaded');
      },
    };
    const input = new Subject<TrackEvent>();
    const out: IdentityEvent[] = [];
    input.pipe(decideIdentity(gallery, directory, { ...thresholds, onError: (e) => errors.push(e) })).subscribe((e) => out.push(e));
    const tracker = new Tracker({ confirmHits: 1 });
    const face = fakeFace(box(0, 0, 100));
    tracker.update('cam', 0, 0, [face]);
    input.next(attempt('cam-1', 0, face, IDENTITIES.alice as Float32Array, 0.8));
    input.next({ type: 'closed', track: tracker.flush()[0]?.closed[0] ?? expect.fail('no track') });
    expect(errors.map((e) => [e.code, e.message])).toEqual([
      ['GALLERY_SEARCH_FAILED', 'track cam-1: gallery search failed (index not loaded); the attempt is left out'],
    ]);
    expect(out).toMatchObject([{ type: 'closed', decision: { kind: 'pending' }, best: { weight: 0.8 } }]);
  });
});
