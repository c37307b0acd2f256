import type { CameraStatus } from '@argus/protocol';
import { describe, expect, it } from 'vitest';
import { CameraRepository } from './camera.repository.ts';
import { keys } from './keys.ts';
import { LatestFrameRepository } from './latest-frame.repository.ts';
import { withTestRedis } from './test-redis.ts';

const redis = withTestRedis();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const status = (camera: string, over: Partial<CameraStatus> = {}): CameraStatus => ({ camera, state: 'live', fps: 4.8, framesIn: 120, framesDropped: 3, updatedAt: Date.now(), ...over });

describe('CameraRepository', () => {
  it('upserts, gets, lists and removes cameras', async () => {
    const cameras = new CameraRepository(redis.client);
    await cameras.upsert({ id: 'lobby', url: 'rtsp://10.0.0.5:554/s', name: 'Lobby', analysisFps: 5, record: true });
    await cameras.upsert({ id: 'door', url: 'rtsp://10.0.0.6:554/s', analysisFps: 2, record: false });
    expect(await cameras.get('lobby')).toEqual({ id: 'lobby', url: 'rtsp://10.0.0.5:554/s', name: 'Lobby', analysisFps: 5, record: true });
    expect((await cameras.list()).map((c) => c.id)).toEqual(['door', 'lobby']);

    // An update replaces the record: a dropped name does not linger.
    await cameras.upsert({ id: 'lobby', url: 'rtsp://10.0.0.9:554/s', analysisFps: 3, record: false });
    expect(await cameras.get('lobby')).toEqual({ id: 'lobby', url: 'rtsp://10.0.0.9:554/s', analysisFps: 3, record: false });

    await cameras.setStatus(status('lobby'));
    expect(await cameras.remove('lobby')).toBe(true);
    expect(await cameras.remove('lobby')).toBe(false);
    expect(await cameras.get('lobby')).toBeNull();
    expect(await redis.client.exists([keys.camera('lobby'), keys.cameraStatus('lobby')])).toBe(0);
    expect((await cameras.list()).map((c) => c.id)).toEqual(['door']);
  });

  it('keeps live status only for its TTL, so a silent ingest shows as stale', async () => {
    const cameras = new CameraRepository(redis.client, { statusTtlMs: 250 });
    await cameras.upsert({ id: 'lobby', url: 'rtsp://h/s', analysisFps: 5, record: true });
    await cameras.upsert({ id: 'door', url: 'rtsp://h/d', analysisFps: 5, record: true });
    const live = status('lobby');
    await cameras.setStatus(live);
    expect(await cameras.getStatus('lobby')).toEqual(live);
    expect(await cameras.listStatuses()).toEqual([
      { camera: 'door', status: null },
      { camera: 'lobby', status: live },
    ]);
    expect(await cameras.listStatuses(['lobby', 'from-config'])).toEqual([
      { camera: 'lobby', status: live },
      { camera: 'from-config', status: null },
    ]);
    const pttl = await redis.client.pTTL(keys.cameraStatus('lobby'));
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(250);
    await sleep(350);
    expect(await cameras.getStatus('lobby')).toBeNull();
  });

  it('rejects a malformed status with a typed error', async () => {
    const cameras = new CameraRepository(redis.client);
    await expect(cameras.setStatus({ ...status('lobby'), state: 'exploded' } as unknown as CameraStatus)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(cameras.setStatus(status('bad:id'))).rejects.toMatchObject({ code: 'INVALID_ID' });
  });
});

describe('LatestFrameRepository', () => {
  const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from(Array.from({ length: 2000 }, (_, i) => i % 256)), Buffer.from([0xff, 0xd9])]);

  it('stores the latest JPEG byte for byte with its faces, under a TTL', async () => {
    const frames = new LatestFrameRepository(redis.client, { ttlMs: 300 });
    const faces = [{ box: [10, 20, 64, 64] as [number, number, number, number], trackId: 't1', personId: 'p1', personName: 'Ada', score: 0.71 }, { box: [200, 40, 30, 30] as [number, number, number, number] }];
    await frames.put('lobby', { jpeg, ts: 1732540000123, faces });
    expect((await frames.getFrame('lobby'))!.equals(jpeg)).toBe(true);
    expect(await frames.getFaces('lobby')).toEqual({ ts: 1732540000123, faces });

    const next = Buffer.concat([jpeg.subarray(0, 100), Buffer.from([0xff, 0xd9])]);
    await frames.put('lobby', { jpeg: next, ts: 1732540000323, faces: [] });
    expect((await frames.getFrame('lobby'))!.equals(next)).toBe(true);
    expect(await frames.getFaces('lobby')).toEqual({ ts: 1732540000323, faces: [] });

    await sleep(400);
    expect(await frames.getFrame('lobby')).toBeNull();
    expect(await frames.getFaces('lobby')).toBeNull();
  });

  it('refuses bytes that are not a JPEG', async () => {
    const frames = new LatestFrameRepository(redis.client);
    await expect(frames.put('lobby', { jpeg: Buffer.from('not a jpeg'), ts: 1, faces: [] })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});
