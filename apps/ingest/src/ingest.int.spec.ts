// Live ingest, all real: a fake RTSP camera (GStreamer on loopback) streams a clip of BBT portraits,
// ffmpeg decodes it, the ONNX models analyse it, Redis holds the watchlist and receives the alerts.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { loadConfig } from '@argus/config';
import { AlertRepository, CameraRepository, WatchlistRepository, type StoredAlert } from '@argus/store';
import { withTestRedis } from '@argus/store/testing';
import { makeFaceClip, startFakeCamera, childProcesses, type FakeCamera, type FaceClip } from '@argus/video';
import { FaceAnalyzer } from '@argus/vision';
import { IngestService } from './index.ts';

const redis = withTestRedis({ flushBeforeEach: false });
const dataDir = mkdtempSync(join(tmpdir(), 'argus-ingest-'));
const config = loadConfig({
  env: { ...process.env, ARGUS_DATA_DIR: dataDir, ARGUS_ALERTS__COOLDOWN_MS: '0', ARGUS_LOG_LEVEL: 'warn' },
});
const log = pino({ level: process.env.ARGUS_TEST_LOG ?? 'warn' });

// Clip: each person's portrait alone on screen, with empty gaps, so every appearance is one track.
// penny and sheldon get enrolled; raj is enrolled later, while the stream runs; howard never is.
const IN_CLIP = ['penny', 'sheldon', 'raj', 'howard'];
let clip: FaceClip;
let camera: FakeCamera;
let analyzer: FaceAnalyzer;
let service: IngestService;
let watchlist: WatchlistRepository;
let alerts: AlertRepository;
const ids: Record<string, string> = {};

/** Enrols a person from photos 2..5 (photo 1 is the one in the clip). */
async function enroll(name: string): Promise<string> {
  const person = await watchlist.createPerson({ name });
  let lastLogId = '0-0';
  for (let i = 2; i <= 5; i++) {
    const { faces } = await analyzer.analyzeEncoded(readFileSync(join(config.resolved.fixtures, `faces/bbt/${name}/${i}.png`)), { embed: true });
    const face = faces[0]!;
    const added = await watchlist.addFace({ personId: person.id, embedding: face.embedding!, quality: face.quality.score, imagePath: `faces/${name}-${i}.jpg` });
    lastLogId = added.logId;
  }
  await service.sync.whenApplied(lastLogId, 5000);
  ids[name] = person.id;
  return person.id;
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const alertsFor = async (name: string): Promise<StoredAlert[]> => (await alerts.list({ limit: 1000 })).filter((a) => a.personName === name).reverse();

beforeAll(async () => {
  const before = childProcesses(process.pid).length;
  expect(before).toBeGreaterThanOrEqual(0);
  clip = await makeFaceClip({
    fixturesDir: config.resolved.fixtures,
    outDir: join(tmpdir(), 'argus-test-clips'),
    people: IN_CLIP.map((name) => ({ name, photo: 1 })),
    secondsPerPerson: 3,
    gapSeconds: 2,
  });
  camera = await startFakeCamera({ clip: clip.path });
  analyzer = await FaceAnalyzer.create(config);
  watchlist = new WatchlistRepository(redis.client);
  alerts = new AlertRepository(redis.client);
  await new CameraRepository(redis.client).upsert({ id: 'lobby', url: camera.url, analysisFps: 5, record: false });
  service = new IngestService({ config, redis: redis.client, analyzer, log, reconcileIntervalMs: 500 });
  await service.start();
  await enroll('penny');
  await enroll('sheldon');
  await enroll('stuart'); // enrolled but never in the clip
});

afterAll(async () => {
  await service?.stop();
  await camera?.stop();
  await analyzer?.dispose();
});

describe('live ingest', () => {
  it('alerts once per appearance for exactly the enrolled people in the stream', async () => {
    const loopMs = clip.durationS * 1000;
    // Two appearances each: the clip loops, so wait until both have been alerted twice.
    const [penny, sheldon] = await Promise.all(
      ['penny', 'sheldon'].map((name) =>
        waitFor(`two alerts for ${name}`, 3 * loopMs + 20_000, async () => {
          const found = await alertsFor(name);
          return found.length >= 2 ? found : undefined;
        }),
      ),
    );
    for (const found of [penny!, sheldon!]) {
      // Not once per frame: consecutive alerts of a person are one clip loop apart, from different tracks.
      const gap = found[1]!.ts - found[0]!.ts;
      expect(gap).toBeGreaterThan(loopMs * 0.7);
      expect(gap).toBeLessThan(loopMs * 1.3);
      expect(found[1]!.trackId).not.toBe(found[0]!.trackId);
      expect(found[0]!.score).toBeGreaterThanOrEqual(config.recognition.match);
      expect(found[0]!.thumbUrl).toMatch(/^\/api\/images\/thumbs\/[\w-]+\.jpg$/);
      expect(found[0]!.latencyMs).toBeLessThan(1000);
    }
    const all = await alerts.list({ limit: 1000 });
    expect(new Set(all.map((a) => a.personName))).toEqual(new Set(['penny', 'sheldon']));
    const status = await new CameraRepository(redis.client).getStatus('lobby');
    expect(status?.state).toBe('live');
    expect(status?.framesIn).toBeGreaterThan(20);
  });

  it('alerts for a person enrolled while the stream runs, without restart', async () => {
    const since = Date.now();
    await enroll('raj');
    const raj = await waitFor('an alert for raj', clip.durationS * 1000 + 20_000, async () => {
      const found = (await alertsFor('raj')).filter((a) => a.ts >= since);
      return found.length ? found : undefined;
    });
    expect(raj[0]!.personId).toBe(ids['raj']);
    expect(raj[0]!.camera).toBe('lobby');
  });

  it('stops alerting for a removed person', async () => {
    const removed = await watchlist.removePerson(ids['penny']!);
    await service.sync.whenApplied(removed.logId, 5000);
    const since = Date.now();
    // Sheldon keeps alerting over more than one full loop; penny never again.
    await waitFor('a new alert for sheldon', clip.durationS * 1000 + 20_000, async () => {
      const found = (await alertsFor('sheldon')).filter((a) => a.ts >= since);
      return found.length ? found : undefined;
    });
    await new Promise((r) => setTimeout(r, clip.durationS * 1000));
    expect((await alertsFor('penny')).filter((a) => a.ts >= since)).toEqual([]);
  });
});
