// The dashboard's HTTP server: health, sign-in/out, the /api and /ws proxy to the api, and Next.js for pages.
// Pages other than /login need a session cookie; without one the browser is sent to /login?next=<page>.
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Duplex } from 'node:stream';
import { proxyHttp, proxyUpgrade } from './api-proxy.ts';
import { clearedSessionCookie, isSecureRequest, safeNextPath, sessionCookie, sessionToken } from './session.ts';

export type NextRequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;
export type NextUpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => Promise<void> | void;

export interface DashboardServerDeps {
  /** Base URL of the api, e.g. http://127.0.0.1:8080 */
  apiUrl: URL;
  /** Next.js' request handler (pages, assets). */
  handleNext: NextRequestHandler;
  /** Next.js' upgrade handler (dev-mode hot reload); other upgrades than /ws are refused without it. */
  upgradeNext?: NextUpgradeHandler;
  log?: (line: string) => void;
}

const MAX_LOGIN_BODY_BYTES = 16 * 1024;
const TOKEN_CHECK_TIMEOUT_MS = 5_000;

/** Paths served without a session: the sign-in page, Next's assets, health and public files. */
export function isPublicPath(pathname: string): boolean {
  return (
    pathname === '/login' ||
    pathname === '/healthz' ||
    pathname.startsWith('/_next/') ||
    pathname.startsWith('/auth/') ||
    pathname === '/favicon.ico' ||
    pathname === '/icon.svg' ||
    pathname === '/robots.txt'
  );
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export type TokenVerdict = 'valid' | 'invalid' | { unreachable: string };

/** Asks the api whether a token is the admin token: GET /api/config answers 200 for it and 401 otherwise. */
export function checkToken(apiUrl: URL, token: string): Promise<TokenVerdict> {
  return new Promise((resolve) => {
    const url = new URL('/api/config', apiUrl);
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
      method: 'GET',
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
      timeout: TOKEN_CHECK_TIMEOUT_MS,
    });
    req.on('response', (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      if (status === 200) resolve('valid');
      else if (status === 401 || status === 403) resolve('invalid');
      else resolve({ unreachable: `the api answered ${status}` });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${TOKEN_CHECK_TIMEOUT_MS / 1000} s`)));
    req.on('error', (err) => resolve({ unreachable: err.message }));
    req.end();
  });
}

/** Reads `{token, next}` from a JSON or urlencoded sign-in body. */
export function parseLoginBody(contentType: string | undefined, body: string): { token: string; next: string } {
  let token: unknown;
  let next: unknown;
  if ((contentType ?? '').includes('application/json')) {
    try {
      const parsed = JSON.parse(body) as Record<string, unknown>;
      token = parsed.token;
      next = parsed.next;
    } catch {
      token = undefined;
    }
  } else {
    const params = new URLSearchParams(body);
    token = params.get('token');
    next = params.get('next');
  }
  return { token: typeof token === 'string' ? token.trim() : '', next: safeNextPath(typeof next === 'string' ? next : '/') };
}

async function handleLogin(req: IncomingMessage, res: ServerResponse, apiUrl: URL): Promise<void> {
  if (req.method !== 'POST') return sendJson(res, 405, { error: { code: 'METHOD_NOT_ALLOWED', message: 'sign in with POST /auth/login' } }, { allow: 'POST' });
  let body: string;
  try {
    body = await readBody(req, MAX_LOGIN_BODY_BYTES);
  } catch {
    return sendJson(res, 413, { error: { code: 'PAYLOAD_TOO_LARGE', message: 'the sign-in request is too large: send only the token' } });
  }
  const { token, next } = parseLoginBody(req.headers['content-type'], body);
  if (token === '') return sendJson(res, 400, { error: { code: 'TOKEN_REQUIRED', message: 'Enter the admin token (it is in data/admin-token)' } });
  const verdict = await checkToken(apiUrl, token);
  if (verdict === 'invalid') {
    return sendJson(res, 401, {
      error: { code: 'UNAUTHORIZED', message: 'That token was not accepted: use the admin token from data/admin-token or ARGUS_ADMIN_TOKEN' },
    });
  }
  if (verdict !== 'valid') {
    return sendJson(res, 502, {
      error: { code: 'API_UNREACHABLE', message: `Could not check the token: the api did not answer (${verdict.unreachable}); is it running?` },
    });
  }
  sendJson(res, 200, { ok: true, next }, { 'set-cookie': sessionCookie(token, isSecureRequest(req)) });
}

function handleLogout(req: IncomingMessage, res: ServerResponse): void {
  const cookie = clearedSessionCookie(isSecureRequest(req));
  if (req.method === 'POST') return sendJson(res, 200, { ok: true }, { 'set-cookie': cookie });
  res.writeHead(303, { location: '/login', 'set-cookie': cookie, 'cache-control': 'no-store' });
  res.end();
}

function redirectToLogin(req: IncomingMessage, res: ServerResponse): void {
  const next = safeNextPath(req.url ?? '/');
  const location = next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`;
  res.writeHead(307, { location, 'cache-control': 'no-store' });
  res.end();
}

export function createDashboardServer(deps: DashboardServerDeps): Server {
  const log = deps.log ?? (() => undefined);
  const server = createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://dashboard.invalid').pathname;
    const secure = isSecureRequest(req);
    const route = async (): Promise<void> => {
      if (pathname === '/healthz') return sendJson(res, 200, { status: 'ok' });
      if (pathname === '/auth/login') return handleLogin(req, res, deps.apiUrl);
      if (pathname === '/auth/logout') return handleLogout(req, res);
      if (pathname === '/api' || pathname.startsWith('/api/')) {
        return proxyHttp(req, res, { upstream: deps.apiUrl, token: sessionToken(req), secure, endSession: clearedSessionCookie(secure) });
      }
      // /login is always served, even with a cookie: the api answers 401 to a cookie whose token it no longer
      // accepts (token rotated), and the page then sends the operator here to sign in again.
      const token = sessionToken(req);
      if (!isPublicPath(pathname) && token === undefined && (req.method === 'GET' || req.method === 'HEAD')) {
        return redirectToLogin(req, res);
      }
      await deps.handleNext(req, res);
    };
    route().catch((err: Error) => {
      log(`dashboard: ${req.method} ${pathname} failed: ${err.stack ?? err.message}`);
      if (!res.headersSent) sendJson(res, 500, { error: { code: 'INTERNAL', message: 'the dashboard failed to answer: see its log' } });
      else res.destroy();
    });
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const pathname = new URL(req.url ?? '/', 'http://dashboard.invalid').pathname;
    if (pathname === '/ws') {
      proxyUpgrade(req, socket, head, { upstream: deps.apiUrl, token: sessionToken(req), secure: isSecureRequest(req) });
      return;
    }
    if (deps.upgradeNext) {
      Promise.resolve(deps.upgradeNext(req, socket, head)).catch(() => socket.destroy());
      return;
    }
    socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
  });
  return server;
}
