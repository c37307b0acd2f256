// The /ws gateway with a real ws client, alerts published through the store's AlertRepository on real Redis.
import { AlertRepository, CameraRepository, LatestFrameRepository } from '@argus/store';
import { wsServerMessageSchema, type NewAlert, type WsServerMessage } from '@argus/protocol';
import { encodeJpeg } from '@argus/vision';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { withTestApi, TEST_TOKEN } from './testing/api-test-server.ts';

// Heartbeat long enough that a paused client is dropped for being slow, not for missing a pong (that has its own file).
const api = withTestApi({ gateway: { heartbeatMs: 60_000, maxBufferedBytes: 256 * 1024 }, liveFeedIntervalMs: 100 });

const newAlert = (n: number, extra: Partial<NewAlert> = {}): NewAlert => ({
  camera: 'lobby',
  personId: 'p1',
  personName: 'Penny',
  score: 0.6,
  ts: Date.now(),
  trackId: `t${n}`,
  ...extra,
});

/** A connected client that records every message, checked against the protocol schema. */
async function connect(options: { autoPong?: boolean } = {}): Promise<{ ws: WebSocket; messages: WsServerMessage[]; closed: Promise<number> }> {
  const ws = new WebSocket(`${api.base.replace(/^http/, 'ws')}/ws?token=${TEST_TOKEN}`, { autoPong: options.autoPong ?? true });
  const messages: WsServerMessage[] = [];
  ws.on('message', (data) => messages.push(wsServerMessageSchema.parse(JSON.parse(data.toString()))));
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, messages, closed };
}

async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const alertIds = (messages: WsServerMessage[]) => messages.flatMap((m) => (m.type === 'alert' ? [m.alert.id] : []));

describe('WebSocket /ws', () => {
  it('refuses a connection without the right token (401 with the error body)', async () => {
    for (const url of [`${api.base.replace(/^http/, 'ws')}/ws`, `${api.base.replace(/^http/, 'ws')}/ws?token=wrong-token-wrong-token`]) {
      const ws = new WebSocket(url);
      const response = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        ws.on('unexpected-response', (_req, res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        ws.on('open', () => reject(new Error('connected without a token')));
      });
      expect(response.status).toBe(401);
      expect(JSON.parse(response.body)).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
    }
  });

  it('accepts the token as a `bearer.` subprotocol too', async () => {
    const ws = new WebSocket(`${api.base.replace(/^http/, 'ws')}/ws`, [`bearer.${TEST_TOKEN}`]);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    expect(ws.protocol).toBe(`bearer.${TEST_TOKEN}`);
    ws.close();
  });

  it('pushes every alert published to argus:alerts to every client', async () => {
    const a = await connect();
    const b = await connect();
    const repo = new AlertRepository(api.redis.client);
    const id = await repo.publish(newAlert(1, { thumbUrl: '/api/images/thumbs/x.jpg' }));
    for (const client of [a, b]) {
      const message = await until('the alert', () => client.messages.find((m) => m.type === 'alert'));
      expect(message).toEqual({ type: 'alert', alert: { id, ...newAlert(1, { thumbUrl: '/api/images/thumbs/x.jpg', ts: (message as { alert: { ts: number } }).alert.ts }) } });
      client.ws.close();
    }
  });

  it('after a disconnect, resume replays exactly the missed alerts, in order, before live ones', async () => {
    const repo = new AlertRepository(api.redis.client);
    const first = await connect();
    const seen = await repo.publish(newAlert(1));
    await until('the first alert', () => alertIds(first.messages).includes(seen));
    first.ws.close();
    await first.closed;

    const missed = [await repo.publish(newAlert(2)), await repo.publish(newAlert(3)), await repo.publish(newAlert(4))];
    const second = await connect();
    second.ws.send(JSON.stringify({ type: 'resume', after: seen }));
    // Published while the replay may be running: it must come once, after the missed ones.
    const live = await repo.publish(newAlert(5));
    await until('the live alert', () => alertIds(second.messages).includes(live));
    await new Promise((r) => setTimeout(r, 300)); // anything duplicated would arrive by now

    expect(alertIds(second.messages)).toEqual([...missed, live]);
    const resumed = second.messages.find((m) => m.type === 'resumed');
    expect(resumed).toMatchObject({ type: 'resumed', after: seen, count: expect.any(Number) });
    // `resumed` comes after the replayed alerts.
    const resumedAt = second.messages.indexOf(resumed!);
    const lastMissedAt = second.messages.findIndex((m) => m.type === 'alert' && m.alert.id === missed[2]);
    expect(resumedAt).toBeGreaterThan(lastMissedAt);

    // Resuming again from the start repeats nothing this connection already has.
    second.ws.send(JSON.stringify({ type: 'resume', after: '0' }));
    await until('the second resumed', () => second.messages.filter((m) => m.type === 'resumed').length === 2);
    expect(alertIds(second.messages)).toEqual([...missed, live, seen]);
    second.ws.close();
  });

  it('answers bad messages with an error and keeps the connection', async () => {
    const client = await connect();
    client.ws.send('not json');
    client.ws.send(JSON.stringify({ type: 'resume', after: 'yesterday' }));
    client.ws.send(JSON.stringify({ type: 'ping' }));
    await until('three answers', () => client.messages.length >= 3);
    expect(client.messages.map((m) => (m.type === 'error' ? m.code : m.type))).toEqual(['INVALID_MESSAGE', 'INVALID_MESSAGE', 'pong']);
    expect(client.ws.readyState).toBe(WebSocket.OPEN);
    client.ws.close();
  });

  it('drops a client that stops reading once its send buffer passes the bound, and keeps serving the others', async () => {
    const slow = await connect();
    const healthy = await connect();
    (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const repo = new AlertRepository(api.redis.client);
    const bigName = 'x'.repeat(200_000);
    const ids: string[] = [];
    for (let i = 0; i < 100; i++) ids.push(await repo.publish(newAlert(i, { personName: bigName })));
    await until('every alert at the healthy client', () => alertIds(healthy.messages).length === ids.length, 30_000);
    expect(alertIds(healthy.messages)).toEqual(ids);
    await until('the slow client dropped', () => api.server.gateway.clientCount === 1, 30_000);
    expect(await (await api.fetch('/metrics')).text()).toMatch(/argus_ws_clients_dropped_total\{reason="slow"\} [1-9]/);
    healthy.ws.close();
    slow.ws.terminate();
  });

  it('pushes camera status changes and live face boxes', async () => {
    const client = await connect();
    await api.fetch('/api/cameras', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'gate', url: 'rtsp://127.0.0.1:8554/gate' }) });
    const status = { camera: 'gate', state: 'live' as const, fps: 5, framesIn: 1, framesDropped: 0, updatedAt: Date.now() };
    await new CameraRepository(api.redis.client).setStatus(status);
    const jpeg = await encodeJpeg({ data: new Uint8Array(32 * 32 * 3), width: 32, height: 32 });
    await new LatestFrameRepository(api.redis.client).put('gate', { jpeg, ts: 1234, faces: [{ box: [1, 2, 30, 40], trackId: 'k1', personName: 'Amy' }] });
    const camera = await until('the camera status', () => client.messages.find((m) => m.type === 'camera' && m.status?.state === 'live'));
    expect(camera).toEqual({ type: 'camera', camera: 'gate', status });
    const faces = await until('the faces', () => client.messages.find((m) => m.type === 'faces'));
    expect(faces).toEqual({ type: 'faces', camera: 'gate', ts: 1234, faces: [{ box: [1, 2, 30, 40], trackId: 'k1', personName: 'Amy' }] });
    client.ws.close();
  });
});
