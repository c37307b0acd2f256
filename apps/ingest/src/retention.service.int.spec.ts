// RetentionService against real recordings (ffmpeg), a real export and real Redis: the disk budget deletes the
// oldest segments first and never those an exported clip came from; age trims sightings with their thumbnails.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@argus/config';
import { ImageStore, SightingRepository } from '@argus/store';
import { withTestRedis } from '@argus/store/testing';
import { ClipCutter, ExportStore, probeDuration, readSegments } from '@argus/video';
import pino from 'pino';
import { IngestMetrics } from './metrics.ts';
import { RetentionService } from './retention.service.ts';

const run = promisify(execFile);
const redis = withTestRedis();
const CAMERA = 'yard';
const SEGMENTS = 4;
const DAY_MS = 86_400_000;

let dataDir: string;
let t0: number;

/** "20261125T101500+0000.mp4", as CameraSource names a segment that opened at `ms`. */
const segmentName = (ms: number): string => `${new Date(ms).toISOString().slice(0, 19).replace(/[-:]/g, '')}+0000.mp4`;

/** Four real 2 s MP4 segments of one camera, named as if recorded an hour ago, with their CSV list. */
async function recordSegments(): Promise<void> {
  const dir = join(dataDir, 'recordings', CAMERA);
  await mkdir(dir, { recursive: true });
  await run('ffmpeg', [
    '-hide_banner', '-nostdin', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc2=size=320x180:rate=25:duration=${SEGMENTS * 2}`,
    '-c:v', 'libx264', '-preset', 'veryfast', '-g', '25', '-bf', '0', '-pix_fmt', 'yuv420p',
    '-f', 'segment', '-segment_time', '2', '-segment_format', 'mp4', '-reset_timestamps', '1', join(dir, 'part%d.mp4'),
  ]);
  t0 = Math.floor((Date.now() - 3_600_000) / 1000) * 1000;
  const lines: string[] = [];
  for (let i = 0; i < SEGMENTS; i++) {
    const name = segmentName(t0 + i * 2000);
    await rename(join(dir, `part${i}.mp4`), join(dir, name));
    const old = new Date(t0 + i * 2000 + 2000);
    await utimes(join(dir, name), old, old);
    lines.push(`${name},${i * 2}.000000,${i * 2 + 2}.000000`);
  }
  const list = join(dir, `segments-${segmentName(t0).replace('.mp4', '')}.csv`);
  await writeFile(list, `${lines.join('\n')}\n`);
  const old = new Date(t0 + SEGMENTS * 2000);
  await utimes(list, old, old);
}

function service(retention: { diskBudgetGb: number }) {
  const config = loadConfig({ env: { ARGUS_DATA_DIR: dataDir }, overrides: { retention: { ...retention, recordingsHours: 72, sightingsDays: 30, sweepIntervalS: 60 } } });
  return new RetentionService({ config, sightings: new SightingRepository(redis.client), images: new ImageStore(dataDir), log: pino({ level: 'silent' }), metrics: new IngestMetrics() });
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'argus-retention-'));
  await recordSegments();
});

afterAll(async () => {
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('RetentionService', () => {
  it('over the disk budget, deletes the oldest segments first and keeps the ones an export came from', async () => {
    const cutter = new ClipCutter({ recordingsDir: join(dataDir, 'recordings'), cacheDir: join(dataDir, 'clip-cache'), preRollS: 0, postRollS: 0, maxWindowS: 60 });
    const exports = new ExportStore({ dataDir });
    const exported = await exports.create({ camera: CAMERA, fromMs: t0 + 2500, toMs: t0 + 3500, name: 'kept' }, cutter);
    expect(exported.segments).toEqual([segmentName(t0 + 2000)]);

    const summary = await service({ diskBudgetGb: 1e-9 }).sweep();
    expect(summary?.segmentsDeleted).toBe(SEGMENTS - 1);
    const left = await readSegments(join(dataDir, 'recordings', CAMERA));
    expect(left.map((s) => s.name)).toEqual([segmentName(t0 + 2000)]);
    // The export itself is a file of its own under data/exports and still plays.
    expect((await stat(exported.path)).size).toBe(exported.bytes);
    expect(await probeDuration(exported.path)).toBeGreaterThan(0.9);

    // Removed, the export no longer pins its segment: the next sweep takes it.
    await exports.remove(exported.id);
    expect((await service({ diskBudgetGb: 1e-9 }).sweep())?.segmentsDeleted).toBe(1);
    expect(await readSegments(join(dataDir, 'recordings', CAMERA))).toEqual([]);
  });

  it('trims sightings past retention.sightings_days together with their thumbnails', async () => {
    const images = new ImageStore(dataDir);
    const sightings = new SightingRepository(redis.client);
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]);
    for (const id of ['t1', 't2']) {
      const thumbPath = await images.save('thumbs', id, jpeg);
      await sightings.publish({ camera: CAMERA, trackId: id, start: Date.now(), end: Date.now(), quality: 0.5, thumbPath, embedding: new Float32Array(512).fill(1 / Math.sqrt(512)) });
    }
    const retention = service({ diskBudgetGb: 50 });
    expect((await retention.sweep())?.sightingsTrimmed).toBe(0);
    const later = await retention.sweep(Date.now() + 31 * DAY_MS);
    expect(later).toMatchObject({ sightingsTrimmed: 2, thumbsDeleted: 2 });
    expect(await readdir(join(dataDir, 'thumbs'))).toEqual([]);
    expect(await sightings.readRange()).toEqual([]);
  });
});
