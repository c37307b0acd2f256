import { describe, expect, it } from 'vitest';
import { Subject } from 'rxjs';
import type { RgbImage } from '@argus/vision';
import { embedTracks, faceWeight, type EmbedTracksOptions, type TrackEvent } from './embed-tracks.ts';
import { Tracker, type TrackUpdate } from './tracker.ts';
import { IDENTITIES, box, fakeFace, identityOf } from './fake-ports.spec-support.ts';
import type { FaceEmbeddingQueue } from './ports.ts';
import { PipelineError } from './pipeline-error.ts';

/** Requests resolve only when the test says so. */
class ManualQueue implements FaceEmbeddingQueue {
  readonly requests: { face: RgbImage; resolve: () => void; reject: (e: Error) => void }[] = [];

  submit(face: RgbImage): Promise<Float32Array> {
    return new Promise((resolve, reject) => {
      this.requests.push({ face, resolve: () => resolve(IDENTITIES[identityOf(face)] as Float32Array), reject });
    });
  }
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

function harness(options: EmbedTracksOptions = {}) {
  const queue = new ManualQueue();
  const updates = new Subject<TrackUpdate>();
  const events: TrackEvent[] = [];
  const errors: PipelineError[] = [];
  let completed = false;
  const subscription = updates
    .pipe(embedTracks(queue, { ...options, onError: (e) => errors.push(e) }))
    .subscribe({ next: (e) => events.push(e), complete: () => (completed = true) });
  const tracker = new Tracker({ confirmHits: 2 });
  let seq = 0;
  const step = (ts: number, quality: number | null) => {
    const faces = quality === null ? [] : [fakeFace(box(100, 100, 120), { quality, tag: seq })];
    updates.next(tracker.update('cam', ts, seq++, faces));
  };
  const types = () => events.map((e) => e.type);
  return { queue, updates, events, errors, subscription, tracker, step, types, completed: () => completed };
}

describe('faceWeight', () => {
  it('is quality times a size factor that saturates at fullWeightFacePx, never below 0.01', () => {
    expect(faceWeight(fakeFace(box(0, 0, 112), { quality: 0.8 }))).toBeCloseTo(0.8);
    expect(faceWeight(fakeFace(box(0, 0, 224), { quality: 0.8 }))).toBeCloseTo(0.8);
    expect(faceWeight(fakeFace(box(0, 0, 56), { quality: 0.8 }))).toBeCloseTo(0.4);
    expect(faceWeight(fakeFace(box(0, 0, 56), { quality: 0 }))).toBe(0.01);
  });
});

describe('embedTracks', () => {
  it('embeds a track once it is confirmed, then only for a clearly better face after the interval, capped per track', async () => {
    const h = harness({ reembedIntervalMs: 1000, minWeightGain: 0.1, maxAttemptsPerTrack: 3 });
    h.step(0, 0.5); // tentative
    expect(h.queue.requests).toHaveLength(0);
    h.step(200, 0.5); // confirmed: first request
    expect(h.queue.requests.map((r) => r.face.data[1])).toEqual([1]);
    h.step(400, 0.9); // better, but one request is in flight
    h.queue.requests[0]?.resolve();
    await flush();
    h.step(600, 0.9); // better, but within the interval
    h.step(1200, 0.55); // after the interval, but not clearly better (0.55 < 0.5 + 0.1)
    expect(h.queue.requests).toHaveLength(1);
    h.step(1300, 0.65); // clearly better: second request
    expect(h.queue.requests.map((r) => r.face.data[1])).toEqual([1, 5]);
    h.queue.requests[1]?.resolve();
    await flush();
    h.step(2400, 0.8); // third and last
    h.queue.requests[2]?.resolve();
    await flush();
    h.step(3500, 1); // cap reached
    expect(h.queue.requests.map((r) => r.face.data[1])).toEqual([1, 5, 6]);
    const attempts = h.events.flatMap((e) => (e.type === 'embedding' ? [e.attempt] : []));
    expect(attempts.map((a) => [a.trackId, a.ts, a.seq, a.weight])).toEqual([
      ['cam-1', 200, 1, 0.5],
      ['cam-1', 1300, 5, 0.65],
      ['cam-1', 2400, 6, 0.8],
    ]);
    expect(attempts[0]?.embedding).toEqual(IDENTITIES.alice);
    h.subscription.unsubscribe();
  });

  it('passes every frame on at once, without waiting for embeddings', () => {
    const h = harness();
    h.step(0, 0.5);
    h.step(100, 0.5);
    h.step(200, 0.5);
    expect(h.types()).toEqual(['frame', 'frame', 'frame']);
    expect(h.queue.requests).toHaveLength(1);
    h.subscription.unsubscribe();
  });

  it('passes a track close on only after its embedding settles, and completes after that', async () => {
    const h = harness();
    h.step(0, 0.5);
    h.step(100, 0.5);
    for (const update of h.tracker.flush()) h.updates.next(update); // closes cam-1 while its embedding is in flight
    h.updates.complete();
    expect(h.types()).toEqual(['frame', 'frame']);
    expect(h.completed()).toBe(false);
    h.queue.requests[0]?.resolve();
    await flush();
    expect(h.types()).toEqual(['frame', 'frame', 'embedding', 'closed']);
    expect(h.completed()).toBe(true);
  });

  it('closes unconfirmed tracks without embedding them', () => {
    const h = harness();
    h.step(0, 0.9);
    h.step(5000, null);
    expect(h.types()).toEqual(['frame', 'closed', 'frame']);
    expect(h.queue.requests).toHaveLength(0);
    h.subscription.unsubscribe();
  });

  it('reports a failed request and lets the track try again without using up its budget', async () => {
    const h = harness({ maxAttemptsPerTrack: 1 });
    h.step(0, 0.5);
    h.step(100, 0.5);
    h.queue.requests[0]?.reject(new PipelineError('EMBED_QUEUE_FULL', 'full'));
    await flush();
    expect(h.errors.map((e) => e.code)).toEqual(['EMBED_QUEUE_FULL']);
    h.step(200, 0.5);
    expect(h.queue.requests).toHaveLength(2);
    h.queue.requests[1]?.reject(new Error('onnx exploded'));
    await flush();
    expect(h.errors.map((e) => e.code)).toEqual(['EMBED_QUEUE_FULL', 'EMBED_FAILED']);
    expect(h.errors[1]?.message).toMatch(/track cam-1: embedding failed \(onnx exploded\)/);
    h.subscription.unsubscribe();
  });

  it('emits nothing after unsubscribe', async () => {
    const h = harness();
    h.step(0, 0.5);
    h.step(100, 0.5);
    h.subscription.unsubscribe();
    h.queue.requests[0]?.resolve();
    await flush();
    expect(h.types()).toEqual(['frame', 'frame']);
  });

  it('rejects a bad config', () => {
    expect(() => embedTracks(new ManualQueue(), { maxAttemptsPerTrack: 0 })).toThrow(/maxAttemptsPerTrack/);
    expect(() => embedTracks(new ManualQueue(), { minWeightGain: 2 })).toThrow(PipelineError);
  });
});
