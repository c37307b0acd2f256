// The dashboard server against a small real upstream (node:http + ws on a free port): sign-in, the cookie,
// proxied HTTP (JSON, multipart, Range) and the /ws bridge.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { createDashboardServer } from './dashboard-server.ts';

const TOKEN = 'integration-token-0123456789';
const VIDEO = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 256));

interface Seen {
  method: string | undefined;
  url: string | undefined;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

let upstream: Server;
let dashboard: Server;
let base: string;
const seen: Seen[] = [];

const listen = (server: Server): Promise<number> =>
  new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));

beforeAll(async () => {
  upstream = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks) });
      const authorised = req.headers.authorization === `Bearer ${TOKEN}`;
      if (!authorised) {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'UNAUTHORIZED', message: 'wrong token' } }));
        return;
      }
      if (req.url === '/api/config') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"ok":true}');
      } else if (req.url === '/api/clip.mp4') {
        const match = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
        if (match) {
          const start = Number(match[1]);
          const end = Number(match[2]);
          res.writeHead(206, { 'content-type': 'video/mp4', 'accept-ranges': 'bytes', 'content-range': `bytes ${start}-${end}/${VIDEO.length}`, 'content-length': end - start + 1 });
          res.end(VIDEO.subarray(start, end + 1));
        } else {
          res.writeHead(200, { 'content-type': 'video/mp4', 'accept-ranges': 'bytes', 'content-length': VIDEO.length });
          res.end(VIDEO);
        }
      } else {
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ echoed: chunks.reduce((n, c) => n + c.length, 0) }));
      }
    });
  });
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (protocols) => [...protocols].find((p) => p.startsWith('bearer.')) ?? false });
  upstream.on('upgrade', (req, socket, head) => {
    const offered = String(req.headers['sec-websocket-protocol'] ?? '');
    if (!offered.split(',').map((p) => p.trim()).includes(`bearer.${TOKEN}`)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('message', (data) => ws.send(JSON.stringify({ type: 'echo', data: String(data) })));
      ws.send(JSON.stringify({ type: 'pong' }));
    });
  });
  const upstreamPort = await listen(upstream);
  dashboard = createDashboardServer({
    apiUrl: new URL(`http://127.0.0.1:${upstreamPort}`),
    handleNext: (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>next page</html>');
    },
  });
  base = `http://127.0.0.1:${await listen(dashboard)}`;
});

afterAll(async () => {
  dashboard.closeAllConnections();
  upstream.closeAllConnections();
  await new Promise((r) => dashboard.close(r));
  await new Promise((r) => upstream.close(r));
});

const cookie = `argus_token=${TOKEN}`;

describe('dashboard server', () => {
  it('answers /healthz without a session', async () => {
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('sends pages without a session to /login?next=..., and serves them with one', async () => {
    const res = await fetch(`${base}/alerts?camera=lobby`, { redirect: 'manual' });
    expect(res.status).toBe(307);
    expect(res.headers.get('location')).toBe('/login?next=%2Falerts%3Fcamera%3Dlobby');
    const login = await fetch(`${base}/login`, { redirect: 'manual' });
    expect(login.status).toBe(200);
    const page = await fetch(`${base}/alerts`, { headers: { cookie }, redirect: 'manual' });
    expect(await page.text()).toBe('<html>next page</html>');
  });

  it('refuses a wrong token at sign-in with a message about the token', async () => {
    const res = await fetch(`${base}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: 'nope' }) });
    expect(res.status).toBe(401);
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/token was not accepted/);
  });

  it('signs in with the right token: httpOnly cookie, SameSite=Lax, and a safe next', async () => {
    const res = await fetch(`${base}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: TOKEN, next: 'https://evil.example/' }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, next: '/' });
    const setCookie = res.headers.get('set-cookie') ?? '';
    expect(setCookie).toContain(`argus_token=${TOKEN}`);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Lax');
    const checked = seen.find((s) => s.url === '/api/config' && s.headers.authorization === `Bearer ${TOKEN}`);
    expect(checked).toBeDefined();
  });

  it('signs out by clearing the cookie', async () => {
    const res = await fetch(`${base}/auth/logout`, { method: 'POST', headers: { cookie } });
    expect(res.headers.get('set-cookie')).toMatch(/argus_token=;.*Max-Age=0/);
  });

  it('answers proxied calls without a session 401 JSON, without asking the api', async () => {
    const before = seen.length;
    const res = await fetch(`${base}/api/cameras`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED');
    expect(seen.length).toBe(before);
  });

  it('ends the session when the api refuses the cookie\'s token', async () => {
    const res = await fetch(`${base}/api/cameras`, { headers: { cookie: 'argus_token=rotated-away-token' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('set-cookie')).toMatch(/^argus_token=;.*Max-Age=0/);
    const ok = await fetch(`${base}/api/config`, { headers: { cookie } });
    expect(ok.headers.get('set-cookie')).toBeNull();
  });

  it('serves /login even with a cookie (its token may have been rotated)', async () => {
    const res = await fetch(`${base}/login`, { headers: { cookie }, redirect: 'manual' });
    expect(res.status).toBe(200);
  });

  it('streams a multipart upload to the api with the bearer token and without the cookie', async () => {
    const form = new FormData();
    form.append('name', 'Penny');
    form.append('image', new Blob([Buffer.alloc(300_000, 7)], { type: 'image/jpeg' }), 'penny.jpg');
    const res = await fetch(`${base}/api/watchlist`, { method: 'POST', body: form, headers: { cookie } });
    expect(res.status).toBe(201);
    const got = seen.at(-1)!;
    expect(got.url).toBe('/api/watchlist');
    expect(got.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(got.headers.cookie).toBeUndefined();
    expect(got.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(got.body.includes(Buffer.alloc(300_000, 7))).toBe(true);
    expect(((await res.json()) as { echoed: number }).echoed).toBe(got.body.length);
  });

  it('passes Range requests through: 206 with Content-Range and the right bytes', async () => {
    const res = await fetch(`${base}/api/clip.mp4`, { headers: { cookie, range: 'bytes=100-199' } });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe('bytes 100-199/1000');
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(Buffer.from(await res.arrayBuffer()).equals(VIDEO.subarray(100, 200))).toBe(true);
  });

  it('answers 502 with a clear message when the api is down', async () => {
    const down = createDashboardServer({ apiUrl: new URL('http://127.0.0.1:1'), handleNext: () => undefined });
    const port = await listen(down);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/cameras`, { headers: { cookie } });
      expect(res.status).toBe(502);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/did not answer/);
    } finally {
      await new Promise((r) => down.close(r));
    }
  });

  it('bridges /ws to the api with the token as subprotocol, never echoing it to the browser', async () => {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/ws`, { headers: { cookie } });
    const messages: string[] = [];
    await new Promise<void>((resolve, reject) => {
      ws.on('open', () => ws.send('hello'));
      ws.on('message', (data) => {
        messages.push(String(data));
        if (messages.length === 2) resolve();
      });
      ws.on('error', reject);
    });
    expect(ws.protocol).toBe('');
    expect(messages).toEqual([JSON.stringify({ type: 'pong' }), JSON.stringify({ type: 'echo', data: 'hello' })]);
    ws.close();
  });

  it('refuses /ws without a session with 401', async () => {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/ws`);
    const status = await new Promise<number>((resolve) => {
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => resolve(-1));
    });
    expect(status).toBe(401);
  });
});
