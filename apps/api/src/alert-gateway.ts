// The WebSocket gateway on /ws: one tail of argus:alerts (its own Redis connection) fanned out to every
// client, a replay of missed alerts on {type:"resume", after}, camera status changes and the live view's
// face boxes. Every client is bounded: a send buffer over `maxBufferedBytes` or a missed pong drops it.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Alert, WsServerMessage } from '@argus/protocol';
import { wsClientMessageSchema } from '@argus/protocol';
import type { AlertRepository } from '@argus/store';
import type { Logger } from 'pino';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { ApiMetrics } from './metrics.ts';

export const WS_PATH = '/ws';
/** Offer this subprotocol prefix to pass the token without a query string: `bearer.<token>`. */
export const TOKEN_PROTOCOL_PREFIX = 'bearer.';

export interface GatewayOptions {
  /** A ping this often; a client that has not answered the previous one is dropped. Default 30 s. */
  heartbeatMs?: number;
  /** A client whose unsent data exceeds this is dropped rather than buffered further. Default 1 MiB. */
  maxBufferedBytes?: number;
  /** Live alerts held per client while its resume replays. Default 10,000. */
  maxQueuedAlerts?: number;
  /** Alerts read per page while replaying. Default 500. */
  replayPageSize?: number;
}

export interface GatewayDeps {
  alerts: AlertRepository;
  log: Logger;
  metrics: ApiMetrics;
  /** True when the token is the admin token. */
  authenticate: (token: string | undefined) => boolean;
  options?: GatewayOptions;
}

/** Remembers which alert ids a connection was sent, so a resume never repeats one. Bounded. */
class SentIds {
  private readonly ids = new Set<string>();
  constructor(private readonly cap = 10_000) {}
  has(id: string): boolean {
    return this.ids.has(id);
  }
  add(id: string): void {
    this.ids.add(id);
    if (this.ids.size > this.cap) this.ids.delete(this.ids.values().next().value!);
  }
}

class GatewayClient {
  alive = true;
  replaying = false;
  queued: Array<{ alert: Alert; payload: string }> = [];
  readonly sent = new SentIds();
  /** Resumes run one after another. */
  lane: Promise<void> = Promise.resolve();
  constructor(readonly ws: WebSocket) {}
}

export class AlertGateway {
  private readonly wss: WebSocketServer;
  private readonly clients = new Set<GatewayClient>();
  private readonly abort = new AbortController();
  private readonly heartbeatMs: number;
  private readonly maxBufferedBytes: number;
  private readonly maxQueuedAlerts: number;
  private readonly replayPageSize: number;
  private heartbeat: NodeJS.Timeout | undefined;
  private tailing: Promise<void> | undefined;
  private server: Server | undefined;

  constructor(private readonly deps: GatewayDeps) {
    const o = deps.options ?? {};
    this.heartbeatMs = o.heartbeatMs ?? 30_000;
    this.maxBufferedBytes = o.maxBufferedBytes ?? 1024 * 1024;
    this.maxQueuedAlerts = o.maxQueuedAlerts ?? 10_000;
    this.replayPageSize = o.replayPageSize ?? 500;
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: 16 * 1024,
      // Echo the token subprotocol the client offered, so browsers that sent one accept the handshake.
      handleProtocols: (protocols) => [...protocols].find((p) => p.startsWith(TOKEN_PROTOCOL_PREFIX)) ?? false,
    });
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /** Takes over upgrade requests on `server` (only /ws; anything else is answered 404). */
  attach(server: Server): void {
    this.server = server;
    server.on('upgrade', this.onUpgrade);
  }

  /** Starts tailing argus:alerts from its current end. Resolves once the starting point is known. */
  async start(): Promise<void> {
    const [newest] = await this.deps.alerts.list({ limit: 1 });
    const from = newest?.id ?? '0';
    this.tailing = this.deps.alerts
      .tail(from, (alert) => this.onAlert(alert), { signal: this.abort.signal, log: this.deps.log })
      .catch((err: Error) => this.deps.log.error({ err: err.message }, `alert tail stopped: ${err.message}; WebSocket clients get no new alerts until the api restarts`));
    this.heartbeat = setInterval(() => this.beat(), this.heartbeatMs);
    this.heartbeat.unref();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.server?.off('upgrade', this.onUpgrade);
    for (const client of this.clients) client.ws.terminate();
    this.clients.clear();
    this.deps.metrics.wsClients.set(0);
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await this.tailing;
  }

  /** Sends one message to every client (except those replaying, for alerts: they get it after the replay). */
  broadcast(message: Exclude<WsServerMessage, { type: 'alert' }>): void {
    if (this.clients.size === 0) return;
    const payload = JSON.stringify(message);
    for (const client of this.clients) this.send(client, payload, message.type);
  }

  private readonly onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== WS_PATH) {
      this.refuse(socket, 404, 'NOT_FOUND', `no WebSocket endpoint at ${url.pathname}: connect to ${WS_PATH}`, 'path');
      return;
    }
    const offered = String(request.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((p) => p.trim())
      .find((p) => p.startsWith(TOKEN_PROTOCOL_PREFIX));
    const token = url.searchParams.get('token') ?? offered?.slice(TOKEN_PROTOCOL_PREFIX.length);
    if (!this.deps.authenticate(token ?? undefined)) {
      this.refuse(socket, 401, 'UNAUTHORIZED', `${token ? 'wrong' : 'missing'} token: connect to ${WS_PATH}?token=<admin token>`, 'auth');
      return;
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => this.onConnection(ws));
  };

  private refuse(socket: Duplex, status: number, code: string, message: string, reason: string): void {
    this.deps.metrics.wsRejected.inc({ reason });
    const body = JSON.stringify({ error: { code, message } });
    const text = status === 401 ? 'Unauthorized' : 'Not Found';
    socket.end(`HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }

  private onConnection(ws: WebSocket): void {
    const client = new GatewayClient(ws);
    this.clients.add(client);
    this.deps.metrics.wsClients.set(this.clients.size);
    ws.on('pong', () => (client.alive = true));
    ws.on('message', (data, isBinary) => this.onMessage(client, data, isBinary));
    ws.on('close', () => this.forget(client));
    ws.on('error', () => this.forget(client));
  }

  private forget(client: GatewayClient): void {
    if (this.clients.delete(client)) this.deps.metrics.wsClients.set(this.clients.size);
  }

  private onMessage(client: GatewayClient, data: RawData, isBinary: boolean): void {
    let parsed: unknown;
    try {
      parsed = isBinary ? undefined : JSON.parse(data.toString());
    } catch {
      parsed = undefined;
    }
    const message = wsClientMessageSchema.safeParse(parsed);
    if (!message.success) {
      const hint = 'send JSON: {"type":"resume","after":"<last alert id, or 0>"} or {"type":"ping"}';
      this.sendMessage(client, { type: 'error', code: 'INVALID_MESSAGE', message: `${message.error.issues[0]?.message ?? 'unreadable message'}: ${hint}` });
      return;
    }
    if (message.data.type === 'ping') {
      this.sendMessage(client, { type: 'pong' });
      return;
    }
    const after = message.data.after;
    client.lane = client.lane.then(() => this.resume(client, after));
  }

  /** Every alert after `after` not yet sent on this connection, in order; then what arrived meanwhile. */
  private async resume(client: GatewayClient, after: string): Promise<void> {
    client.replaying = true;
    let cursor = after;
    let count = 0;
    let last: string | undefined;
    try {
      for (;;) {
        const page = await this.deps.alerts.readAfter(cursor, this.replayPageSize);
        for (const alert of page) {
          cursor = alert.id;
          if (client.sent.has(alert.id)) continue;
          if (!this.deliver(client, alert, JSON.stringify({ type: 'alert', alert }))) return;
          count++;
          last = alert.id;
        }
        if (page.length < this.replayPageSize) break;
      }
      this.sendMessage(client, { type: 'resumed', after, count, ...(last ? { last } : {}) });
    } catch (err) {
      this.deps.log.warn({ err: (err as Error).message }, `resume after ${after} failed`);
      this.sendMessage(client, { type: 'error', code: 'RESUME_FAILED', message: `could not replay alerts after ${after} (${(err as Error).message}): send the resume again` });
    } finally {
      client.replaying = false;
      const queued = client.queued;
      client.queued = [];
      for (const { alert, payload } of queued) if (!client.sent.has(alert.id) && !this.deliver(client, alert, payload)) break;
    }
  }

  private onAlert(alert: Alert): void {
    if (this.clients.size === 0) return;
    const payload = JSON.stringify({ type: 'alert', alert } satisfies WsServerMessage);
    for (const client of this.clients) {
      if (client.replaying) {
        client.queued.push({ alert, payload });
        if (client.queued.length > this.maxQueuedAlerts) this.drop(client, 'slow');
      } else if (!client.sent.has(alert.id)) {
        this.deliver(client, alert, payload);
      }
    }
  }

  private deliver(client: GatewayClient, alert: Alert, payload: string): boolean {
    if (!this.send(client, payload, 'alert')) return false;
    client.sent.add(alert.id);
    return true;
  }

  private sendMessage(client: GatewayClient, message: WsServerMessage): boolean {
    return this.send(client, JSON.stringify(message), message.type);
  }

  private send(client: GatewayClient, payload: string, type: string): boolean {
    if (client.ws.readyState !== WebSocket.OPEN) return false;
    if (client.ws.bufferedAmount > this.maxBufferedBytes) {
      this.drop(client, 'slow');
      return false;
    }
    client.ws.send(payload);
    this.deps.metrics.wsMessages.inc({ type });
    return true;
  }

  private drop(client: GatewayClient, reason: 'slow' | 'dead'): void {
    this.deps.metrics.wsDropped.inc({ reason });
    this.deps.log.info(`WebSocket client dropped (${reason === 'slow' ? `more than ${this.maxBufferedBytes} bytes unsent` : 'no pong'})`);
    client.ws.terminate();
    this.forget(client);
  }

  private beat(): void {
    for (const client of this.clients) {
      if (!client.alive) {
        this.drop(client, 'dead');
        continue;
      }
      client.alive = false;
      client.ws.ping();
    }
  }
}
