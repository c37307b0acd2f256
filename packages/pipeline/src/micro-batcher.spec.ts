import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Subject } from 'rxjs';
import type { RgbImage } from '@argus/vision';
import { MicroBatcher } from './micro-batcher.ts';
import { embedTracks, type TrackEvent } from './embed-tracks.ts';
import { Tracker } from './tracker.ts';
import { FakeEmbedder, IDENTITIES, alignedFor, box, fakeFace, identityOf } from './fake-ports.spec-support.ts';
import type { EmbedderPort } from './ports.ts';
import { PipelineError } from './pipeline-error.ts';

/** An embedder whose batches finish only when the test says so. */
class GatedEmbedder implements EmbedderPort {
  readonly calls: { faces: RgbImage[]; finish: () => void; fail: (error: Error) => void }[] = [];

  embed(faces: RgbImage[]): Promise<Float32Array[]> {
    return new Promise((resolve, reject) => {
      this.calls.push({ faces, finish: () => resolve(faces.map((f) => IDENTITIES[identityOf(f)] as Float32Array)), fail: reject });
    });
  }
}

const settle = () => vi.advanceTimersByTimeAsync(0);

describe('MicroBatcher', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('merges requests from two cameras into one embed call and resolves each with its own vector', async () => {
    const embedder = new FakeEmbedder(5);
    const batcher = new MicroBatcher(embedder, { maxBatch: 8, maxWaitMs: 10 });
    const tracker = new Tracker({ confirmHits: 1 });
    const lobby = new Subject<ReturnType<Tracker['update']>>();
    const garage = new Subject<ReturnType<Tracker['update']>>();
    const events: TrackEvent[] = [];
    const subscriptions = [lobby, garage].map((updates) => updates.pipe(embedTracks(batcher)).subscribe((e) => events.push(e)));

    lobby.next(tracker.update('lobby', 1000, 1, [fakeFace(box(0, 0), { identity: 'alice' })]));
    await vi.advanceTimersByTimeAsync(4);
    garage.next(tracker.update('garage', 1000, 1, [fakeFace(box(0, 0), { identity: 'bob' })]));
    expect(embedder.calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(6); // 10 ms after the first request
    expect(embedder.calls.map((batch) => batch.map(identityOf))).toEqual([['alice', 'bob']]);
    await vi.advanceTimersByTimeAsync(5);

    const embeddings = events.flatMap((e) => (e.type === 'embedding' ? [e.attempt] : []));
    expect(embeddings.map((a) => [a.camera, a.trackId, Array.from(a.embedding)])).toEqual([
      ['lobby', 'lobby-1', Array.from(IDENTITIES.alice as Float32Array)],
      ['garage', 'garage-1', Array.from(IDENTITIES.bob as Float32Array)],
    ]);
    expect(batcher.stats).toMatchObject({ submitted: 2, embedded: 2, batches: 1, dropped: 0, pending: 0, inFlight: 0 });
    subscriptions.forEach((s) => s.unsubscribe());
  });

  it('waits at most maxWaitMs for a batch to fill', async () => {
    const embedder = new GatedEmbedder();
    const batcher = new MicroBatcher(embedder, { maxBatch: 4, maxWaitMs: 10 });
    void batcher.submit(alignedFor('alice'));
    await vi.advanceTimersByTimeAsync(3);
    void batcher.submit(alignedFor('bob'));
    await vi.advanceTimersByTimeAsync(6);
    expect(embedder.calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(embedder.calls.map((c) => c.faces.map(identityOf))).toEqual([['alice', 'bob']]);
  });

  it('sends a full batch at once, never more than maxBatch faces, and one batch at a time', async () => {
    const embedder = new GatedEmbedder();
    const batcher = new MicroBatcher(embedder, { maxBatch: 2, maxWaitMs: 50 });
    const results = ['alice', 'bob', 'carol', 'stranger', 'alibob'].map((identity) => batcher.submit(alignedFor(identity)));
    expect(embedder.calls.map((c) => c.faces.length)).toEqual([2]); // full: no waiting
    expect(batcher.stats).toMatchObject({ pending: 3, inFlight: 2 });

    embedder.calls[0]?.finish();
    await settle();
    // The next two had waited for the embedder, not for maxWaitMs; the last one is alone.
    expect(embedder.calls.map((c) => c.faces.length)).toEqual([2, 2]);
    embedder.calls[1]?.finish();
    await settle();
    expect(embedder.calls.map((c) => c.faces.length)).toEqual([2, 2]);
    await vi.advanceTimersByTimeAsync(50);
    expect(embedder.calls.map((c) => c.faces.length)).toEqual([2, 2, 1]);
    embedder.calls[2]?.finish();
    const vectors = await Promise.all(results);
    expect(vectors.map((v) => Array.from(v))).toEqual(
      ['alice', 'bob', 'carol', 'stranger', 'alibob'].map((identity) => Array.from(IDENTITIES[identity] as Float32Array)),
    );
    expect(batcher.stats).toMatchObject({ batches: 3, embedded: 5 });
  });

  it('drops the oldest waiting request when the queue is full, and counts it', async () => {
    const embedder = new GatedEmbedder();
    const batcher = new MicroBatcher(embedder, { maxBatch: 1, maxWaitMs: 0, maxPending: 2 });
    const first = batcher.submit(alignedFor('alice')); // in flight
    const waiting = ['bob', 'carol', 'stranger'].map((identity) => batcher.submit(alignedFor(identity)));
    const outcomes = await Promise.allSettled(waiting.slice(0, 1));
    expect(outcomes[0]).toMatchObject({ status: 'rejected', reason: { code: 'EMBED_QUEUE_FULL' } });
    expect(batcher.stats).toMatchObject({ pending: 2, dropped: 1, inFlight: 1 });
    embedder.calls[0]?.finish();
    await first;
    await settle();
    embedder.calls[1]?.finish();
    await settle();
    embedder.calls[2]?.finish();
    expect((await Promise.all(waiting.slice(1))).map((v) => Array.from(v))).toEqual([
      Array.from(IDENTITIES.carol as Float32Array),
      Array.from(IDENTITIES.stranger as Float32Array),
    ]);
  });

  it('can reject the newest request instead', async () => {
    const batcher = new MicroBatcher(new GatedEmbedder(), { maxBatch: 1, maxPending: 1, overflow: 'reject-newest' });
    void batcher.submit(alignedFor('alice'));
    void batcher.submit(alignedFor('bob'));
    await expect(batcher.submit(alignedFor('carol'))).rejects.toMatchObject({ code: 'EMBED_QUEUE_FULL' });
    expect(batcher.stats).toMatchObject({ pending: 1, dropped: 1 });
  });

  it('rejects every request of a failed batch, then carries on', async () => {
    const embedder = new GatedEmbedder();
    const batcher = new MicroBatcher(embedder, { maxBatch: 2, maxWaitMs: 0 });
    const failed = Promise.allSettled([batcher.submit(alignedFor('alice')), batcher.submit(alignedFor('bob'))]);
    // maxWaitMs 0: alice goes alone at once, bob waits for the embedder.
    expect(embedder.calls.map((c) => c.faces.map(identityOf))).toEqual([['alice']]);
    embedder.calls[0]?.fail(new Error('session lost'));
    await settle();
    embedder.calls[1]?.fail(new Error('session lost'));
    for (const outcome of await failed) {
      expect(outcome).toMatchObject({ status: 'rejected', reason: { code: 'EMBED_FAILED' } });
      expect(String((outcome as PromiseRejectedResult).reason.message)).toMatch(/session lost/);
    }
    const next = batcher.submit(alignedFor('carol'));
    await settle();
    embedder.calls[2]?.finish();
    expect(Array.from(await next)).toEqual(Array.from(IDENTITIES.carol as Float32Array));
    expect(batcher.stats).toMatchObject({ failed: 2, embedded: 1 });
  });

  it('rejects a batch whose result count does not match', async () => {
    const batcher = new MicroBatcher({ embed: async () => [] }, { maxWaitMs: 0 });
    await expect(batcher.submit(alignedFor('alice'))).rejects.toThrow(/returned 0 embeddings for 1 faces/);
  });

  it('close rejects waiting requests and refuses new ones', async () => {
    const embedder = new GatedEmbedder();
    const batcher = new MicroBatcher(embedder, { maxBatch: 4, maxWaitMs: 100 });
    const waiting = batcher.submit(alignedFor('alice'));
    batcher.close();
    await expect(waiting).rejects.toMatchObject({ code: 'EMBEDDER_CLOSED' });
    await expect(batcher.submit(alignedFor('bob'))).rejects.toBeInstanceOf(PipelineError);
    await vi.advanceTimersByTimeAsync(200);
    expect(embedder.calls).toHaveLength(0);
  });

  it('rejects a bad config', () => {
    expect(() => new MicroBatcher(new GatedEmbedder(), { maxBatch: 0 })).toThrow(/maxBatch/);
    expect(() => new MicroBatcher(new GatedEmbedder(), { maxWaitMs: -1 })).toThrow(/maxWaitMs/);
  });
});
