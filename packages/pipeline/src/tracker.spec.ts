import { describe, expect, it } from 'vitest';
import { from, lastValueFrom, toArray } from 'rxjs';
import { Tracker, iou, type TrackUpdate } from './tracker.ts';
import { trackFaces } from './track-faces.ts';
import { box, fakeFace, frame } from './fake-ports.spec-support.ts';
import { PipelineError } from './pipeline-error.ts';

const ids = (update: TrackUpdate) => update.observations.map((o) => o.track.id);

describe('iou', () => {
  it('is 1 for equal boxes, 0 for disjoint ones, and the overlap ratio otherwise', () => {
    expect(iou(box(0, 0, 10), box(0, 0, 10))).toBe(1);
    expect(iou(box(0, 0, 10), box(20, 0, 10))).toBe(0);
    expect(iou(box(0, 0, 10), box(5, 0, 10))).toBeCloseTo(50 / 150);
  });
});

describe('Tracker', () => {
  it('keeps one id for a face moving slowly across frames and confirms it after confirmHits', () => {
    const tracker = new Tracker({ confirmHits: 2 });
    const updates = [0, 1, 2, 3, 4].map((i) => tracker.update('lobby', i * 200, i, [fakeFace(box(100 + i * 8, 50, 100))]));
    expect(updates.map(ids)).toEqual([['lobby-1'], ['lobby-1'], ['lobby-1'], ['lobby-1'], ['lobby-1']]);
    expect(updates.map((u) => u.observations[0]?.track.confirmed)).toEqual([false, true, true, true, true]);
    expect(updates.at(-1)?.observations[0]?.track).toMatchObject({ hits: 5, startTs: 0, lastTs: 800, lastSeq: 4 });
    expect(updates.every((u) => u.closed.length === 0)).toBe(true);
  });

  it('closes a track unseen for more than closeAfterMs and gives the returning face a new id', () => {
    const tracker = new Tracker({ closeAfterMs: 2000 });
    const face = () => [fakeFace(box(100, 50, 100))];
    expect(ids(tracker.update('lobby', 0, 0, face()))).toEqual(['lobby-1']);
    expect(ids(tracker.update('lobby', 200, 1, face()))).toEqual(['lobby-1']);
    // A gap of exactly closeAfterMs keeps the track.
    expect(ids(tracker.update('lobby', 2200, 2, face()))).toEqual(['lobby-1']);
    const empty = tracker.update('lobby', 3000, 3, []);
    expect(empty.closed).toEqual([]);
    // 2201 ms after the last sighting: closed, and the same box starts lobby-2.
    const back = tracker.update('lobby', 4401, 4, face());
    expect(back.closed.map((t) => [t.id, t.startTs, t.lastTs, t.hits, t.confirmed])).toEqual([['lobby-1', 0, 2200, 3, true]]);
    expect(ids(back)).toEqual(['lobby-2']);
    expect(back.observations[0]?.track.confirmed).toBe(false);
  });

  it('closes tracks on an empty frame once they are stale', () => {
    const tracker = new Tracker({ closeAfterMs: 500 });
    tracker.update('lobby', 0, 0, [fakeFace(box(0, 0, 100)), fakeFace(box(300, 0, 100))]);
    tracker.update('lobby', 400, 1, [fakeFace(box(300, 0, 100))]);
    const update = tracker.update('lobby', 600, 2, []);
    expect(update.closed.map((t) => t.id)).toEqual(['lobby-1']);
    expect(tracker.openTracks).toBe(1);
  });

  it('keeps the ids of two faces that cross each other (partial overlap on the way)', () => {
    const tracker = new Tracker();
    const seen: string[][] = [];
    for (let i = 0; i <= 10; i++) {
      // A walks right, B walks left, 20 px lower; they pass each other around frame 5.
      const a = fakeFace(box(0 + i * 20, 0, 60), { identity: 'alice' });
      const b = fakeFace(box(200 - i * 20, 20, 60), { identity: 'bob' });
      const faces = i % 2 === 0 ? [a, b] : [b, a]; // detector order must not matter
      const update = tracker.update('hall', i * 100, i, faces);
      const byIdentity = new Map(update.observations.map((o) => [o.face.box.y === 0 ? 'alice' : 'bob', o.track.id]));
      seen.push([byIdentity.get('alice') ?? '', byIdentity.get('bob') ?? '']);
    }
    expect(new Set(seen.map((pair) => pair.join()))).toEqual(new Set(['hall-1,hall-2']));
  });

  it('keeps the ids of two faces that fully overlap for a frame, from their motion', () => {
    const tracker = new Tracker();
    const aliceIds = new Set<string>();
    const bobIds = new Set<string>();
    for (let i = 0; i <= 10; i++) {
      const ax = i * 20;
      const bx = 200 - i * 20;
      const bob = fakeFace(box(bx, 0, 60), { tag: 2 });
      const alice = fakeFace(box(ax, 0, 60), { tag: 1 });
      const faces = i < 5 ? [bob, alice] : [alice, bob]; // the detector's order flips after the crossing
      const update = tracker.update('hall', i * 100, i, faces);
      if (i === 5) continue; // identical boxes: either assignment is right
      for (const o of update.observations) (o.face.aligned.data[1] === 1 ? aliceIds : bobIds).add(o.track.id);
    }
    expect([...aliceIds]).toEqual(['hall-2']);
    expect([...bobIds]).toEqual(['hall-1']);
  });

  it('numbers tracks per camera', () => {
    const tracker = new Tracker();
    expect(ids(tracker.update('a', 0, 0, [fakeFace(box(0, 0, 50))]))).toEqual(['a-1']);
    expect(ids(tracker.update('b', 0, 0, [fakeFace(box(0, 0, 50)), fakeFace(box(200, 0, 50))]))).toEqual(['b-1', 'b-2']);
    expect(ids(tracker.update('a', 100, 1, [fakeFace(box(300, 0, 50))]))).toEqual(['a-2']);
  });

  it('does not continue a track with a face that overlaps too little', () => {
    const tracker = new Tracker({ iouThreshold: 0.5 });
    tracker.update('a', 0, 0, [fakeFace(box(0, 0, 100))]);
    expect(ids(tracker.update('a', 100, 1, [fakeFace(box(60, 0, 100))]))).toEqual(['a-2']);
  });

  it('flush closes every open track', () => {
    const tracker = new Tracker();
    tracker.update('a', 0, 0, [fakeFace(box(0, 0, 50))]);
    tracker.update('a', 100, 1, [fakeFace(box(0, 0, 50)), fakeFace(box(300, 0, 50))]);
    const [update, ...rest] = tracker.flush();
    expect(rest).toEqual([]);
    expect(update).toMatchObject({ camera: 'a', ts: 100, seq: 1, flush: true, observations: [] });
    expect(update?.closed.map((t) => [t.id, t.confirmed])).toEqual([
      ['a-1', true],
      ['a-2', false],
    ]);
    expect(tracker.openTracks).toBe(0);
    expect(tracker.flush()).toEqual([]);
  });

  it('rejects a bad config with a typed error', () => {
    expect(() => new Tracker({ iouThreshold: 2 })).toThrow(PipelineError);
    expect(() => new Tracker({ confirmHits: 0 })).toThrow(/confirmHits/);
    expect(() => trackFaces({ closeAfterMs: -1 })).toThrow(/closeAfterMs/);
  });
});

describe('trackFaces', () => {
  it('emits one update per frame and a flush of open tracks at completion, with fresh state per subscription', async () => {
    const input = [0, 1, 2].map((i) => ({ frame: frame('cam', i, i * 100), faces: [fakeFace(box(10, 10, 80))], detectMs: 1 }));
    const operator = trackFaces();
    for (let run = 0; run < 2; run++) {
      const updates = await lastValueFrom(from(input).pipe(operator, toArray()));
      expect(updates.map((u) => [u.flush, ids(u), u.closed.map((t) => t.id)])).toEqual([
        [false, ['cam-1'], []],
        [false, ['cam-1'], []],
        [false, ['cam-1'], []],
        [true, [], ['cam-1']],
      ]);
    }
  });
});
