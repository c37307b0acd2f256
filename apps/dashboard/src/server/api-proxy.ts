// Streams /api/* requests and /ws upgrades from the browser to the api, adding the admin token from the session
// cookie. Bodies flow both ways unbuffered, so multipart uploads, images and video Range requests work as-is.
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Duplex } from 'node:stream';
import type { ErrorBody } from '@argus/protocol';

/** Hop-by-hop headers (RFC 9110 7.6.1) belong to one connection and are never forwarded. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** The api accepts `bearer.<token>` as a WebSocket subprotocol when the token is a valid protocol token. */
export const WS_TOKEN_PROTOCOL_PREFIX = 'bearer.';
const PROTOCOL_TOKEN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;


export const unauthorizedBody = (): ErrorBody => ({
  error: { code: 'UNAUTHORIZED', message: 'not signed in: sign in at /login with the admin token' },
});

/** Headers of the browser's request as the api should see them: no cookies, no hop-by-hop, our bearer token. */
export function upstreamRequestHeaders(
  incoming: IncomingHttpHeaders,
  token: string,
  upstream: URL,
  client: { remoteAddress?: string | undefined; secure: boolean },
): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  const connectionListed = new Set(
    String(incoming.connection ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean),
  );
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || connectionListed.has(lower)) continue;
    // The session cookie is for the dashboard only; the api authenticates by the header we add.
    if (lower === 'cookie' || lower === 'authorization' || lower === 'host') continue;
    out[lower] = value;
  }
  out.host = upstream.host;
  out.authorization = `Bearer ${token}`;
  const priorFor = incoming['x-forwarded-for'];
  const chain = [priorFor, client.remoteAddress].flat().filter((v): v is string => typeof v === 'string' && v !== '');
  if (chain.length > 0) out['x-forwarded-for'] = chain.join(', ');
  out['x-forwarded-proto'] = client.secure ? 'https' : 'http';
  return out;
}

/** Headers of the api's response as the browser should see them: everything but hop-by-hop ones. */
export function downstreamResponseHeaders(incoming: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined || HOP_BY_HOP.has(name.toLowerCase())) continue;
    out[name] = value;
  }
  return out;
}

function sendJson(res: ServerResponse, status: number, body: ErrorBody): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

const requestFn = (upstream: URL) => (upstream.protocol === 'https:' ? httpsRequest : httpRequest);

export interface ProxyOptions {
  /** Base URL of the api, e.g. http://127.0.0.1:8080 */
  upstream: URL;
  /** The session's admin token; undefined answers 401 without asking the api. */
  token: string | undefined;
  secure: boolean;
  /** Set-Cookie value that ends the session, sent along when the api refuses the session's token (401). */
  endSession?: string;
}

/** Forwards one HTTP request to the api and streams the answer back (status, headers and body untouched). */
export function proxyHttp(req: IncomingMessage, res: ServerResponse, options: ProxyOptions): void {
  const { upstream, token } = options;
  if (token === undefined) {
    sendJson(res, 401, unauthorizedBody());
    req.resume();
    return;
  }
  const upstreamReq = requestFn(upstream)({
    protocol: upstream.protocol,
    hostname: upstream.hostname,
    port: upstream.port,
    method: req.method,
    path: req.url,
    headers: upstreamRequestHeaders(req.headers, token, upstream, { remoteAddress: req.socket.remoteAddress, secure: options.secure }),
  });
  upstreamReq.on('response', (upstreamRes) => {
    const headers = downstreamResponseHeaders(upstreamRes.headers);
    // The api no longer takes this token (rotated, or the cookie was forged): drop the session so the next page
    // load goes to /login instead of failing call after call.
    if (upstreamRes.statusCode === 401 && options.endSession !== undefined) headers['set-cookie'] = options.endSession;
    res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.statusMessage, headers);
    upstreamRes.pipe(res);
    upstreamRes.on('error', () => res.destroy());
  });
  upstreamReq.on('error', (err) => {
    if (res.headersSent) {
      res.destroy(err);
      return;
    }
    sendJson(res, 502, {
      error: { code: 'API_UNREACHABLE', message: `the api at ${upstream.origin} did not answer (${err.message}): check that it is running` },
    });
  });
  // The browser went away (closed tab, seeked a video): stop the upstream transfer too.
  res.on('close', () => {
    if (!res.writableFinished) upstreamReq.destroy();
  });
  req.pipe(upstreamReq);
}

function writeRawResponse(socket: Duplex, status: number, statusText: string, body: ErrorBody): void {
  const text = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status} ${statusText}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
  );
}

/** Sec-WebSocket-Protocol values the browser offered, in order. */
const offeredProtocols = (header: string | string[] | undefined): string[] =>
  [header ?? '']
    .flat()
    .join(',')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);

/**
 * Where and how to open the upstream WebSocket: the token goes in the `bearer.<token>` subprotocol when it
 * can (it stays out of URLs and logs), else in `?token=`. Any token the browser put in the URL is dropped.
 */
export function upstreamUpgradeTarget(
  url: string,
  token: string,
  browserProtocols: string[],
): { path: string; protocols: string[]; tokenProtocol: string | undefined } {
  const parsed = new URL(url, 'http://dashboard.invalid');
  parsed.searchParams.delete('token');
  const own = browserProtocols.filter((p) => !p.startsWith(WS_TOKEN_PROTOCOL_PREFIX));
  if (PROTOCOL_TOKEN.test(token)) {
    const tokenProtocol = `${WS_TOKEN_PROTOCOL_PREFIX}${token}`;
    return { path: parsed.pathname + parsed.search, protocols: [...own, tokenProtocol], tokenProtocol };
  }
  parsed.searchParams.set('token', token);
  return { path: parsed.pathname + parsed.search, protocols: own, tokenProtocol: undefined };
}

/** The api's 101 response re-serialised for the browser, without the token subprotocol the browser never offered. */
export function upgradeResponseHead(upstreamRes: IncomingMessage, tokenProtocol: string | undefined): string {
  const lines = [`HTTP/1.1 101 ${upstreamRes.statusMessage || 'Switching Protocols'}`];
  const raw = upstreamRes.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    if (name.toLowerCase() === 'sec-websocket-protocol' && value.trim() === tokenProtocol) continue;
    lines.push(`${name}: ${value}`);
  }
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** Bridges a browser WebSocket upgrade to the api's /ws byte for byte (frames, pings and closes pass through). */
export function proxyUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, options: ProxyOptions): void {
  const { upstream, token } = options;
  socket.on('error', () => socket.destroy());
  if (token === undefined) {
    writeRawResponse(socket, 401, 'Unauthorized', unauthorizedBody());
    return;
  }
  const target = upstreamUpgradeTarget(req.url ?? '/ws', token, offeredProtocols(req.headers['sec-websocket-protocol']));
  const headers = upstreamRequestHeaders(req.headers, token, upstream, { remoteAddress: req.socket.remoteAddress, secure: options.secure });
  headers.connection = 'Upgrade';
  headers.upgrade = req.headers.upgrade ?? 'websocket';
  if (target.protocols.length > 0) headers['sec-websocket-protocol'] = target.protocols.join(', ');
  else delete headers['sec-websocket-protocol'];
  if (target.tokenProtocol !== undefined) delete headers.authorization; // the subprotocol carries it

  const upstreamReq = requestFn(upstream)({
    protocol: upstream.protocol,
    hostname: upstream.hostname,
    port: upstream.port,
    method: 'GET',
    path: target.path,
    headers,
  });
  upstreamReq.on('upgrade', (upstreamRes, upstreamSocket, upstreamHead) => {
    upstreamSocket.on('error', () => socket.destroy());
    socket.on('error', () => upstreamSocket.destroy());
    socket.on('close', () => upstreamSocket.destroy());
    upstreamSocket.on('close', () => socket.destroy());
    socket.write(upgradeResponseHead(upstreamRes, target.tokenProtocol));
    if (upstreamHead.length > 0) socket.write(upstreamHead);
    if (head.length > 0) upstreamSocket.write(head);
    upstreamSocket.setNoDelay(true);
    upstreamSocket.pipe(socket);
    socket.pipe(upstreamSocket);
  });
  // Refused (401, 404...): pass the api's answer on and close.
  upstreamReq.on('response', (upstreamRes) => {
    const lines = [`HTTP/1.1 ${upstreamRes.statusCode ?? 502} ${upstreamRes.statusMessage ?? ''}`];
    for (const [name, value] of Object.entries(downstreamResponseHeaders(upstreamRes.headers))) {
      for (const v of [value].flat()) lines.push(`${name}: ${String(v)}`);
    }
    lines.push('Connection: close');
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    upstreamRes.pipe(socket);
  });
  upstreamReq.on('error', (err) => {
    if (socket.destroyed) return;
    writeRawResponse(socket, 502, 'Bad Gateway', {
      error: { code: 'API_UNREACHABLE', message: `the api at ${upstream.origin} did not answer (${err.message}): check that it is running` },
    });
  });
  socket.on('close', () => upstreamReq.destroy());
  upstreamReq.end();
}
