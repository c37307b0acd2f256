// SightingSearchService against real Redis and real worker threads: it indexes what argus:sightings holds,
// follows new entries, saves a snapshot at stop (also when there is nothing yet) and resumes from it.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@argus/config';
import type { NewSighting } from '@argus/protocol';
import { ImageStore, SightingRepository, WatchlistRepository } from '@argus/store';
import { withTestRedis } from '@argus/store/testing';
import pino from 'pino';
import { SightingSearchService } from './sighting-search.service.ts';

const redis = withTestRedis({ flushBeforeEach: false });
let dataDir: string;

/** A unit vector pointing mostly along axis `axis`, so each "person" is its own direction. */
function face(axis: number, noise: number): Float32Array {
  const v = new Float32Array(512).fill(noise);
  v[axis] = 1;
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

let made = 0;
/** Each sighting of a "person" is their direction plus a little noise of its own (cosine > 0.98 to it). */
const sighting = (axis: number, at: number, extra: Partial<NewSighting> = {}): NewSighting => ({
  camera: 'hall',
  trackId: `t${axis}-${at}`,
  start: at,
  end: at + 2000,
  quality: 0.8,
  embedding: face(axis, 0.002 * (1 + (made++ % 4))),
  ...extra,
});

function service(): SightingSearchService {
  const config = loadConfig({ env: { ARGUS_DATA_DIR: dataDir }, overrides: { search: { threads: 2, snapshotIntervalS: 0 } } });
  return new SightingSearchService({
    config,
    sightings: new SightingRepository(redis.client),
    watchlist: new WatchlistRepository(redis.client),
    images: new ImageStore(dataDir),
    log: pino({ level: 'silent' }),
  });
}

const eventually = async (probe: () => Promise<boolean>): Promise<void> => {
  const deadline = Date.now() + 5000;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the index to follow the stream');
    await new Promise((r) => setTimeout(r, 50));
  }
};

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'argus-sighting-search-'));
});

afterAll(async () => {
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('SightingSearchService', () => {
  it('starts and stops on an empty stream and still leaves a snapshot', async () => {
    const empty = service();
    await empty.ready();
    expect(await empty.search({ embeddings: [face(1, 0)] })).toEqual([]);
    await empty.stop();
    expect(existsSync(join(empty.snapshotDir, 'shard-0'))).toBe(true);
  });

  it('indexes the stream, follows it, and resumes from its snapshot after a restart', async () => {
    const repo = new SightingRepository(redis.client);
    const now = Date.now();
    const ids = [await repo.publish(sighting(1, now - 60_000)), await repo.publish(sighting(2, now - 50_000)), await repo.publish(sighting(1, now - 40_000))];

    const first = service();
    await first.ready();
    const found = await first.search({ embeddings: [face(1, 0)], limit: 2 });
    expect(found.map((f) => f.sighting.id).sort()).toEqual([ids[0], ids[2]].sort());
    expect(found[0]!.score).toBeGreaterThan(0.9);

    // Written while it runs: followed through the tail.
    const live = await repo.publish(sighting(3, now - 30_000));
    await eventually(async () => (await first.search({ embeddings: [face(3, 0)], limit: 1 }))[0]?.sighting.id === live);
    await first.stop();

    // Written while no api runs: caught up after the snapshot.
    const late = await repo.publish(sighting(3, now - 20_000));
    const second = service();
    await second.ready();
    expect(second.size).toBe(5);
    const threes = await second.search({ embeddings: [face(3, 0)], limit: 2 });
    expect(threes.map((f) => f.sighting.id).sort()).toEqual([live, late].sort());
    // Time filters reach the index: only the late one overlaps the last 25 s.
    expect((await second.search({ embeddings: [face(3, 0)], from: now - 25_000 })).map((f) => f.sighting.id)).toEqual([late]);
    await second.stop();
  });
});
