import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { interval, map, take, type Subscription } from 'rxjs';
import type { Face } from '@argus/vision';
import { cameraPipeline, type CameraPipelineConfig, type PipelineEvent } from './camera-pipeline.ts';
import { MicroBatcher } from './micro-batcher.ts';
import { createPipelineMetrics, type PipelineMetrics } from './pipeline-metrics.ts';
import { FakeDirectory, FakeEmbedder, FakeGallery, ScriptedAnalyzer, box, fakeFace, frame, identityOf, unit } from './fake-ports.spec-support.ts';
import type { Frame } from './ports.ts';

const T0 = 1_700_000_000_000;
const FRAME_MS = 200;

const config: CameraPipelineConfig = {
  queueCapacity: 1,
  tracking: { iouThreshold: 0.3, confirmHits: 2, closeAfterMs: 2000 },
  embedding: { maxAttemptsPerTrack: 3, reembedIntervalMs: 1000, minWeightGain: 0.1 },
  identity: { match: 0.42, unknown: 0.42, margin: 0.05, k: 10 },
  alerts: { cooldownMs: 60_000 },
};

function world() {
  const gallery = new FakeGallery()
    .enroll('alice', 'alice-1', unit([1, 0.3, 0, 0]))
    .enroll('alice', 'alice-2', unit([1, 0, 0.5, 0]))
    .enroll('carol', 'carol-1', unit([0, 0, 1, 0]));
  const directory = new FakeDirectory({ alice: 'Alice', carol: 'Carol' });
  return { gallery, directory };
}

/**
 * The script, one frame every 200 ms from T0:
 *   seq 0-7    Alice (enrolled) walks in on the left; her face sharpens from seq 5 (quality 0.5 -> 0.9);
 *   seq 3-10   a stranger (not enrolled) on the right;
 *   seq 11-24  nobody (Alice's track closes at seq 18, the stranger's at seq 21);
 *   seq 25-29  Alice again: a new track inside the alert cooldown; closed by the flush at the end.
 */
function lobbyScene(f: Frame): Face[] {
  const faces: Face[] = [];
  const i = f.seq;
  if (i <= 7) faces.push(fakeFace(box(50 + 5 * i, 60, 120), { identity: 'alice', quality: i >= 5 ? 0.9 : 0.5, tag: i }));
  if (i >= 3 && i <= 10) faces.push(fakeFace(box(400 - 5 * i, 80, 110), { identity: 'stranger', quality: 0.7, tag: i }));
  if (i >= 25) faces.push(fakeFace(box(60, 60, 120), { identity: 'alice', quality: 0.8, tag: i }));
  return faces;
}

function frames(camera: string, count: number, everyMs: number) {
  return interval(everyMs).pipe(
    take(count),
    map((seq) => frame(camera, seq, T0 + seq * FRAME_MS)),
  );
}

describe('cameraPipeline', () => {
  let subscriptions: Subscription[] = [];
  beforeEach(() => {
    vi.useFakeTimers();
    subscriptions = [];
  });
  afterEach(() => {
    subscriptions.forEach((s) => s.unsubscribe());
    vi.useRealTimers();
  });

  it('turns two people appearing and leaving into exactly the expected alerts, sightings and live faces', async () => {
    const { gallery, directory } = world();
    const analyzer = new ScriptedAnalyzer(lobbyScene, 20);
    const embedder = new FakeEmbedder(30);
    const batcher = new MicroBatcher(embedder, { maxBatch: 8, maxWaitMs: 10 });
    const metrics = createPipelineMetrics();
    const errors: unknown[] = [];
    const events: PipelineEvent[] = [];
    let completed = false;
    subscriptions.push(
      frames('lobby', 30, FRAME_MS)
        .pipe(cameraPipeline({ analyzer, embeddings: batcher, gallery, directory, metrics, onError: (e) => errors.push(e) }, config))
        .subscribe({ next: (e) => events.push(e), complete: () => (completed = true) }),
    );
    await vi.advanceTimersByTimeAsync(30 * FRAME_MS + 1000);
    expect(completed).toBe(true);
    expect(errors).toEqual([]);

    const alerts = events.flatMap((e) => (e.type === 'alert' ? [e] : []));
    expect(alerts.map((a) => ({ ...a.alert, score: Number(a.alert.score.toFixed(4)) }))).toEqual([
      { camera: 'lobby', personId: 'alice', personName: 'Alice', score: 0.9578, ts: T0 + 200, trackId: 'lobby-1', faceId: 'alice-1' },
    ]);
    expect(alerts[0]?.crop.seq).toBe(1);
    expect(identityOf(alerts[0]?.crop.image ?? { data: new Uint8Array(1), width: 1, height: 1 })).toBe('alice');

    const sightings = events.flatMap((e) => (e.type === 'sighting' ? [e] : []));
    expect(
      sightings.map(({ sighting: s, crop }) => [s.trackId, s.start - T0, s.end - T0, s.personId, s.personName, s.quality, identityOf(crop.image), crop.seq]),
    ).toEqual([
      ['lobby-1', 0, 1400, 'alice', 'Alice', 0.9, 'alice', 6], // the sharper face, embedded at seq 6 after the 1 s interval
      ['lobby-2', 600, 2000, undefined, undefined, 0.7, 'stranger', 4],
      ['lobby-3', 5000, 5800, 'alice', 'Alice', 0.8, 'alice', 26],
    ]);
    expect(sightings[1]?.sighting.score).toBeUndefined();
    expect(Array.from(sightings[1]?.sighting.embedding ?? [])).toEqual([0, 0, 0, 1]);

    const live = events.flatMap((e) => (e.type === 'faces' ? [e] : []));
    expect(live).toHaveLength(30);
    expect(live[0]).toEqual({ type: 'faces', camera: 'lobby', ts: T0, faces: [{ box: [50, 60, 120, 120], trackId: 'lobby-1' }] });
    expect(live[2]?.faces).toMatchObject([{ trackId: 'lobby-1', personId: 'alice', personName: 'Alice' }]);
    expect(live[4]?.faces.map((f) => [f.trackId, f.personName])).toEqual([
      ['lobby-1', 'Alice'],
      ['lobby-2', undefined],
    ]);
    expect(live[15]?.faces).toEqual([]);

    expect(metrics).toMatchObject({
      framesIn: 30,
      framesDropped: 0,
      framesAnalyzed: 30,
      queueDepth: 0,
      facesDetected: 8 + 8 + 5,
      embeddings: 4, // lobby-1 twice, lobby-2 once, lobby-3 once
      alerts: 1,
      sightings: 3,
      tracksUnembedded: 0,
    });
    expect(metrics.detectMs).toBe(20);
    expect(metrics.embedMsTotal).toBeGreaterThanOrEqual(4 * 30);
    expect(analyzer.maxInFlight).toBe(1);
  });

  it('acceptance: frames faster than analysis are dropped and counted while the queue stays at its bound', async () => {
    const { gallery, directory } = world();
    const analyzer = new ScriptedAnalyzer(lobbyScene, 50); // 50 ms a frame, frames every 10 ms
    const batcher = new MicroBatcher(new FakeEmbedder(5));
    let maxQueueDepth = 0;
    const metrics = new Proxy<PipelineMetrics>(createPipelineMetrics(), {
      set(target, key, value) {
        if (key === 'queueDepth') maxQueueDepth = Math.max(maxQueueDepth, value as number);
        return Reflect.set(target, key, value);
      },
    });
    subscriptions.push(
      frames('lobby', 200, 10)
        .pipe(cameraPipeline({ analyzer, embeddings: batcher, gallery, directory, metrics }, config))
        .subscribe(),
    );
    const dropsSeen: number[] = [];
    for (let t = 0; t < 10; t++) {
      await vi.advanceTimersByTimeAsync(200);
      dropsSeen.push(metrics.framesDropped);
      expect(metrics.queueDepth).toBeLessThanOrEqual(1);
    }
    await vi.advanceTimersByTimeAsync(1000);
    expect(dropsSeen.every((d, i) => i === 0 || d > (dropsSeen[i - 1] ?? 0))).toBe(true); // rising all along
    expect(maxQueueDepth).toBe(1);
    expect(analyzer.maxInFlight).toBe(1);
    expect(metrics.framesIn).toBe(200);
    expect(metrics.framesAnalyzed).toBeGreaterThanOrEqual(35);
    expect(metrics.framesAnalyzed + metrics.framesDropped).toBe(200);
  });

  it('shares one micro-batcher between cameras: simultaneous new tracks are embedded in one call', async () => {
    const { gallery, directory } = world();
    const scene = (f: Frame) => (f.seq < 3 ? [fakeFace(box(100, 100, 120), { identity: f.camera === 'lobby' ? 'alice' : 'carol' })] : []);
    const embedder = new FakeEmbedder(30);
    const batcher = new MicroBatcher(embedder, { maxBatch: 8, maxWaitMs: 10 });
    const alerts: string[] = [];
    for (const camera of ['lobby', 'garage']) {
      subscriptions.push(
        frames(camera, 4, FRAME_MS)
          .pipe(cameraPipeline({ analyzer: new ScriptedAnalyzer(scene, 5), embeddings: batcher, gallery, directory }, config))
          .subscribe((e) => {
            if (e.type === 'alert') alerts.push(`${e.alert.camera}:${e.alert.personName}`);
          }),
      );
    }
    await vi.advanceTimersByTimeAsync(4 * FRAME_MS + 500);
    expect(embedder.calls.map((batch) => batch.map(identityOf).sort())).toEqual([['alice', 'carol']]);
    expect(alerts.sort()).toEqual(['garage:Carol', 'lobby:Alice']);
    expect(batcher.stats).toMatchObject({ batches: 1, embedded: 2, dropped: 0 });
  });

  it('skips a frame whose detection fails, reports it, and goes on', async () => {
    const { gallery, directory } = world();
    const analyzer = {
      detect: (f: Frame) => (f.seq === 1 ? Promise.reject(new Error('tensor shape mismatch')) : Promise.resolve([])),
    };
    const metrics = createPipelineMetrics();
    const errors: string[] = [];
    const events: PipelineEvent[] = [];
    subscriptions.push(
      frames('lobby', 3, FRAME_MS)
        .pipe(
          cameraPipeline(
            { analyzer, embeddings: new MicroBatcher(new FakeEmbedder()), gallery, directory, metrics, onError: (e) => errors.push(`${e.code}: ${e.message}`) },
            config,
          ),
        )
        .subscribe((e) => events.push(e)),
    );
    await vi.advanceTimersByTimeAsync(4 * FRAME_MS);
    expect(errors).toEqual(['DETECT_FAILED: camera lobby: face detection failed on frame 1 (tensor shape mismatch); the frame is skipped']);
    expect(events.map((e) => e.type === 'faces' && e.ts - T0)).toEqual([0, 400]);
    expect(metrics.errors.DETECT_FAILED).toBe(1);
  });
});
