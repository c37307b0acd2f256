// The REST API over real HTTP, on real Redis, the real models and real photos.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AlertRepository, CameraRepository, LatestFrameRepository } from '@argus/store';
import {
  alertListResponseSchema,
  cameraListResponseSchema,
  configResponseSchema,
  detectResponseSchema,
  enrollResponseSchema,
  errorBodySchema,
  watchlistResponseSchema,
} from '@argus/protocol';
import { encodeJpeg } from '@argus/vision';
import { describe, expect, it } from 'vitest';
import { withTestApi, TEST_TOKEN } from './testing/api-test-server.ts';

const api = withTestApi();

async function form(fields: Record<string, string>, files: Array<{ name: string; bytes: Uint8Array; type?: string }>): Promise<FormData> {
  const body = new FormData();
  for (const [k, v] of Object.entries(fields)) body.append(k, v);
  for (const f of files) body.append('image', new Blob([Buffer.from(f.bytes)], { type: f.type ?? 'application/octet-stream' }), f.name);
  return body;
}

const photo = async (relative: string) => ({ name: relative.split('/').pop()!, bytes: await readFile(api.fixture(relative)) });

/** The error body, checked against the protocol schema. */
async function expectError(res: Response, status: number, code: string): Promise<string> {
  expect(res.status).toBe(status);
  const body = errorBodySchema.parse(await res.json());
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(10);
  return body.error.message;
}

async function faceFiles(): Promise<string[]> {
  return readdir(join(api.dataDir, 'faces')).catch(() => []);
}

describe('health, auth, config, metrics', () => {
  it('answers /api/health without a token', async () => {
    const res = await api.fetch('/api/health', { auth: false });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', redis: 'up' });
  });

  it('refuses every other route without the right token, with the error body', async () => {
    await expectError(await api.fetch('/api/cameras', { auth: false }), 401, 'UNAUTHORIZED');
    await expectError(await api.fetch('/api/watchlist', { headers: { authorization: 'Bearer wrong-token-wrong-token' } }), 401, 'UNAUTHORIZED');
    await expectError(await api.fetch('/api/alerts', { headers: { authorization: `Basic ${TEST_TOKEN}` } }), 401, 'UNAUTHORIZED');
    await expectError(await api.fetch('/metrics', { auth: false }), 401, 'UNAUTHORIZED');
    // The token in the query string is accepted only where an <img> needs it.
    await expectError(await api.fetch(`/api/cameras?token=${TEST_TOKEN}`, { auth: false }), 401, 'UNAUTHORIZED');
  });

  it('shows the thresholds but no secret', async () => {
    const res = await api.fetch('/api/config');
    const text = await res.text();
    const body = configResponseSchema.parse(JSON.parse(text));
    expect(body.recognition.match).toBe(api.config.recognition.match);
    expect(body.quality.minEnroll).toBe(api.config.quality.minEnroll);
    expect(text).not.toContain(TEST_TOKEN);
    expect(text).not.toContain(api.redis.url);
  });

  it('serves Prometheus metrics that count requests', async () => {
    await api.fetch('/api/health');
    const res = await api.fetch('/metrics');
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(await res.text()).toMatch(/argus_api_requests_total\{method="GET",route="\/api\/health",status="200"\} \d+/);
  });
});

describe('watchlist enrolment', () => {
  it('gives feedback per photo: a portrait accepted; a group, a blank image, a truncated JPEG and a text file rejected', async () => {
    const bbt2 = await readFile(api.fixture('groups/bbt2.jpg'));
    const body = await form({ name: 'Penny' }, [
      await photo('faces/bbt/penny/2.png'),
      await photo('groups/bbt1.jpg'),
      await photo('groups/no_face_white.png'),
      { name: 'truncated.jpg', bytes: bbt2.subarray(0, Math.floor(bbt2.length / 2)), type: 'image/jpeg' },
      { name: 'notes.txt', bytes: Buffer.from('not a photo'), type: 'text/plain' },
    ]);
    const res = await api.fetch('/api/watchlist', { method: 'POST', body });
    expect(res.status).toBe(201);
    const result = enrollResponseSchema.parse(await res.json());
    expect(result.name).toBe('Penny');
    expect(res.headers.get('location')).toBe(`/api/watchlist/${result.id}`);
    expect(result.faces).toHaveLength(1);
    expect(result.faces[0]!.quality).toBeGreaterThanOrEqual(api.config.quality.minEnroll);
    expect(result.rejected.map((r) => [r.file, r.code])).toEqual([
      ['bbt1.jpg', 'SEVERAL_FACES'],
      ['no_face_white.png', 'NO_FACE'],
      ['truncated.jpg', 'NOT_AN_IMAGE'],
      ['notes.txt', 'NOT_AN_IMAGE'],
    ]);
    expect(result.rejected[0]!.reason).toMatch(/^4 faces of similar size/);

    // The aligned crop is stored as a JPEG and served with the token (header or query).
    const image = await api.fetch(result.faces[0]!.imageUrl!);
    expect(image.headers.get('content-type')).toBe('image/jpeg');
    expect([...new Uint8Array(await image.arrayBuffer()).subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
    expect((await api.fetch(`${result.faces[0]!.imageUrl!}?token=${TEST_TOKEN}`, { auth: false })).status).toBe(200);
    expect((await api.fetch(result.faces[0]!.imageUrl!, { auth: false })).status).toBe(401);

    const list = watchlistResponseSchema.parse(await (await api.fetch('/api/watchlist')).json());
    expect(list.persons).toHaveLength(1);
    expect(list.persons[0]).toMatchObject({ id: result.id, name: 'Penny', faceCount: 1, faces: [{ id: result.faces[0]!.id }] });
    // One `add` event for ingest replicas.
    expect(await api.redis.client.xLen('argus:gallery:log')).toBe(1);
  });

  it('creates no person when no photo is usable (422 naming each reason)', async () => {
    const res = await api.fetch('/api/watchlist', { method: 'POST', body: await form({ name: 'Nobody' }, [await photo('groups/bbt1.jpg'), await photo('groups/no_face_white.png')]) });
    const message = await expectError(res, 422, 'NO_USABLE_PHOTO');
    expect(message).toContain('bbt1.jpg');
    expect(message).toContain('no_face_white.png');
    const list = watchlistResponseSchema.parse(await (await api.fetch('/api/watchlist')).json());
    expect(list.persons).toEqual([]);
    expect(await api.redis.client.exists('argus:gallery:log')).toBe(0);
  });

  it('rejects a form without a name or without photos, and unknown fields', async () => {
    await expectError(await api.fetch('/api/watchlist', { method: 'POST', body: await form({}, [await photo('faces/bbt/penny/2.png')]) }), 400, 'INVALID_REQUEST');
    await expectError(await api.fetch('/api/watchlist', { method: 'POST', body: await form({ name: 'Amy' }, []) }), 400, 'INVALID_REQUEST');
    await expectError(await api.fetch('/api/watchlist', { method: 'POST', body: await form({ name: 'Amy', colour: 'red' }, []) }), 400, 'INVALID_REQUEST');
    expect(watchlistResponseSchema.parse(await (await api.fetch('/api/watchlist')).json()).persons).toEqual([]);
  });

  it('adds faces to a person and removes the person with faces, gallery entries and images', async () => {
    const filesBefore = (await faceFiles()).length;
    const created = enrollResponseSchema.parse(
      await (await api.fetch('/api/watchlist', { method: 'POST', body: await form({ name: 'Sheldon' }, [await photo('faces/bbt/sheldon/1.png')]) })).json(),
    );
    const added = await api.fetch(`/api/watchlist/${created.id}/faces`, { method: 'POST', body: await form({}, [await photo('faces/bbt/sheldon/2.png'), await photo('groups/no_face_white.png')]) });
    expect(added.status).toBe(200);
    const addResult = enrollResponseSchema.parse(await added.json());
    expect(addResult.faces).toHaveLength(1);
    expect(addResult.rejected).toEqual([expect.objectContaining({ file: 'no_face_white.png', code: 'NO_FACE' })]);
    expect(await faceFiles()).toHaveLength(filesBefore + 2);

    await expectError(await api.fetch('/api/watchlist/no-such-person/faces', { method: 'POST', body: await form({}, [await photo('faces/bbt/sheldon/3.png')]) }), 404, 'NOT_FOUND');

    const removed = await api.fetch(`/api/watchlist/${created.id}`, { method: 'DELETE' });
    expect(await removed.json()).toEqual({ id: created.id, facesRemoved: 2, imagesDeleted: 2, sightingsUnlinked: 0 });
    expect(await faceFiles()).toHaveLength(filesBefore);
    expect((await api.fetch(created.faces[0]!.imageUrl!)).status).toBe(404);
    expect(await api.redis.client.sCard('argus:faces')).toBe(0);
    const log = await api.redis.client.xRange('argus:gallery:log', '-', '+');
    expect(log.map((e) => e.message.op)).toEqual(['add', 'add', 'remove']);
    await expectError(await api.fetch(`/api/watchlist/${created.id}`, { method: 'DELETE' }), 404, 'NOT_FOUND');
  });
});

describe('bad requests get the error body and the server keeps serving', () => {
  it('401, 415, 413, 404 and 400', async () => {
    await expectError(await api.fetch('/api/watchlist', { auth: false }), 401, 'UNAUTHORIZED');
    await expectError(await api.fetch('/api/cameras', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'lobby rtsp://x' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    await expectError(
      await api.fetch('/api/watchlist', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Ada' }) }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    const big = Buffer.alloc(30 * 1024 * 1024, 0xab);
    const message = await expectError(await api.fetch('/api/watchlist', { method: 'POST', body: await form({ name: 'Huge' }, [{ name: 'huge.jpg', bytes: big, type: 'image/jpeg' }]) }), 413, 'PAYLOAD_TOO_LARGE');
    expect(message).toContain('10 MiB');
    await expectError(await api.fetch('/api/faces/detect', { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: big }), 413, 'PAYLOAD_TOO_LARGE');
    await expectError(await api.fetch('/api/cameras/nope', { method: 'DELETE' }), 404, 'NOT_FOUND');
    await expectError(await api.fetch('/api/cameras/nope/snapshot.jpg'), 404, 'NOT_FOUND');
    await expectError(await api.fetch('/api/no/such/route'), 404, 'NOT_FOUND');
    await expectError(await api.fetch('/api/cameras', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"id": "lobby", "url": ' }), 400, 'INVALID_JSON');
    const invalid = await expectError(
      await api.fetch('/api/cameras', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'Lobby!', url: 'ftp://x' }) }),
      400,
      'INVALID_REQUEST',
    );
    expect(invalid).toMatch(/body\.id: camera ids use lowercase/);
    expect(invalid).toMatch(/body\.url: must be a camera URL/);
    await expectError(await api.fetch('/api/alerts?limit=5000'), 400, 'INVALID_REQUEST');
    await expectError(await api.fetch('/api/alerts/not-an-id/ack', { method: 'POST' }), 400, 'INVALID_REQUEST');

    const health = await api.fetch('/api/health', { auth: false });
    expect(health.status).toBe(200);
    expect((await api.fetch('/api/cameras')).status).toBe(200);
  });
});

describe('cameras', () => {
  it('adds, lists with status, serves the latest frame and removes a camera', async () => {
    const input = { id: 'lobby', url: 'rtsp://127.0.0.1:8554/lobby', name: 'Lobby' };
    const created = await api.fetch('/api/cameras', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(input) });
    expect(created.status).toBe(201);
    expect(await created.json()).toEqual({ ...input, analysisFps: 5, record: true, source: 'api', status: null });
    await expectError(await api.fetch('/api/cameras', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(input) }), 409, 'CONFLICT');
    // What ingest reads.
    expect(await new CameraRepository(api.redis.client).get('lobby')).toMatchObject({ url: input.url, analysisFps: 5 });

    const status = { camera: 'lobby', state: 'live' as const, fps: 5, framesIn: 10, framesDropped: 0, updatedAt: Date.now() };
    await new CameraRepository(api.redis.client).setStatus(status);
    const list = cameraListResponseSchema.parse(await (await api.fetch('/api/cameras')).json());
    expect(list.cameras).toEqual([{ ...input, analysisFps: 5, record: true, source: 'api', status }]);

    await expectError(await api.fetch('/api/cameras/lobby/snapshot.jpg'), 404, 'NO_FRAME');
    const jpeg = await encodeJpeg({ data: new Uint8Array(64 * 48 * 3).fill(90), width: 64, height: 48 });
    await new LatestFrameRepository(api.redis.client).put('lobby', { jpeg, ts: Date.now(), faces: [] });
    const snapshot = await api.fetch(`/api/cameras/lobby/snapshot.jpg?token=${TEST_TOKEN}`, { auth: false });
    expect(snapshot.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await snapshot.arrayBuffer()).equals(jpeg)).toBe(true);

    expect((await api.fetch('/api/cameras/lobby', { method: 'DELETE' })).status).toBe(204);
    expect(cameraListResponseSchema.parse(await (await api.fetch('/api/cameras')).json()).cameras).toEqual([]);
  });
});

describe('faces/detect', () => {
  it('finds the four faces of bbt1.jpg, with embeddings on ?embed=1, multipart or raw', async () => {
    const bytes = await readFile(api.fixture('groups/bbt1.jpg'));
    const plain = detectResponseSchema.parse(await (await api.fetch('/api/faces/detect', { method: 'POST', body: await form({}, [{ name: 'bbt1.jpg', bytes }]) })).json());
    expect(plain.faces).toHaveLength(4);
    expect(plain.faces.every((f) => f.embedding === undefined && f.landmarks.length === 5)).toBe(true);

    const raw = await api.fetch('/api/faces/detect?embed=1', { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: bytes });
    const embedded = detectResponseSchema.parse(await raw.json());
    expect(embedded.faces.map((f) => f.box)).toEqual(plain.faces.map((f) => f.box));
    for (const f of embedded.faces) {
      expect(f.embedding).toHaveLength(512);
      expect(Math.hypot(...f.embedding!)).toBeCloseTo(1, 3);
    }
    await expectError(await api.fetch('/api/faces/detect', { method: 'POST', body: await form({}, [{ name: 'x.txt', bytes: Buffer.from('hello') }]) }), 400, 'IMAGE_UNREADABLE');
  });
});

describe('alerts', () => {
  it('lists with filters and acknowledges', async () => {
    const repo = new AlertRepository(api.redis.client);
    const base = { personName: 'Penny', score: 0.5, ts: Date.now(), trackId: 't1' };
    const a1 = await repo.publish({ ...base, camera: 'lobby', personId: 'p1' });
    const a2 = await repo.publish({ ...base, camera: 'gate', personId: 'p1' });
    const a3 = await repo.publish({ ...base, camera: 'lobby', personId: 'p2' });

    const all = alertListResponseSchema.parse(await (await api.fetch('/api/alerts')).json());
    expect(all.alerts.map((a) => a.id)).toEqual([a3, a2, a1]);
    const lobby = alertListResponseSchema.parse(await (await api.fetch('/api/alerts?camera=lobby&limit=1')).json());
    expect(lobby.alerts.map((a) => a.id)).toEqual([a3]);
    const p1 = alertListResponseSchema.parse(await (await api.fetch(`/api/alerts?person=p1&before=${a2}`)).json());
    expect(p1.alerts.map((a) => a.id)).toEqual([a1]);
    const future = alertListResponseSchema.parse(await (await api.fetch(`/api/alerts?since=${new Date(Date.now() + 60_000).toISOString()}`)).json());
    expect(future.alerts).toEqual([]);

    const ack = await api.fetch(`/api/alerts/${a1}/ack`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ by: 'operator' }) });
    expect(await ack.json()).toMatchObject({ id: a1, ack: { by: 'operator' } });
    const again = await (await api.fetch(`/api/alerts/${a1}/ack`, { method: 'POST' })).json();
    expect(again).toMatchObject({ ack: { by: 'operator' } });
    const listed = alertListResponseSchema.parse(await (await api.fetch('/api/alerts?person=p1')).json());
    expect(listed.alerts.find((a) => a.id === a1)?.ack?.by).toBe('operator');
    await expectError(await api.fetch('/api/alerts/1-0/ack', { method: 'POST' }), 404, 'NOT_FOUND');
  });
});
