// `argus alerts [--follow]`: the recent alerts of GET /api/alerts, oldest first; with --follow, then every new
// alert from the /ws gateway as it happens, reconnecting with {type:"resume"} so none is lost or repeated.
import WebSocket from 'ws';
import { alertListResponseSchema, wsServerMessageSchema, type WsServerMessage } from '@argus/protocol';
import { CliError, type ApiClient } from './api-client.ts';

type Alert = Extract<WsServerMessage, { type: 'alert' }>['alert'];

export interface AlertsOptions {
  client: ApiClient;
  camera?: string;
  person?: string;
  limit: number;
  follow: boolean;
  json: boolean;
  out: (line: string) => void;
  err: (line: string) => void;
  /** Ends --follow (Ctrl-C). */
  signal?: AbortSignal;
}

/** Reconnect delay after n failed attempts in a row: min(1000 * 2^n, 30000) ms, as docs/API.md asks. */
export const reconnectDelayMs = (attempt: number): number => Math.min(1000 * 2 ** attempt, 30_000);

const pad = (n: number, width = 2) => String(n).padStart(width, '0');
function localTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function formatAlert(alert: Alert & { ack?: { by: string; at: number } }): string {
  return [
    localTime(alert.ts),
    alert.camera,
    alert.personName,
    `score ${alert.score.toFixed(2)}`,
    `track ${alert.trackId}`,
    `id ${alert.id}`,
    ...(alert.ack ? [`ack by ${alert.ack.by}`] : []),
  ].join('  ');
}

/** Stream ids compare as (ms, seq). */
function newer(id: string, than: string): boolean {
  const [a = 0, b = 0] = id.split('-').map(Number);
  const [c = 0, d = 0] = than.split('-').map(Number);
  return a > c || (a === c && b > d);
}

export async function runAlerts(opts: AlertsOptions): Promise<number> {
  const query = new URLSearchParams({ limit: String(opts.limit) });
  if (opts.camera) query.set('camera', opts.camera);
  if (opts.person) query.set('person', opts.person);
  const { alerts } = await opts.client.request('GET', `/api/alerts?${query}`, { schema: alertListResponseSchema });
  const print = (alert: Alert) => opts.out(opts.json ? JSON.stringify(alert) : formatAlert(alert));
  const oldestFirst = [...alerts].reverse();
  for (const alert of oldestFirst) print(alert);
  if (!opts.follow) {
    if (alerts.length === 0 && !opts.json) opts.err('no alerts yet');
    return 0;
  }
  // Resume after the newest alert listed; with none listed, from the start of what is kept ("0"), which also
  // covers alerts written between the list and the connection.
  const cursor = oldestFirst.at(-1)?.id ?? '0';
  await follow(opts, cursor, (alert) => {
    if (opts.camera && alert.camera !== opts.camera) return;
    if (opts.person && alert.personId !== opts.person) return;
    print(alert);
  });
  return 0;
}

/** Resolves when opts.signal aborts; rejects on a refused token. Reconnects (with resume) on every other loss. */
function follow(opts: AlertsOptions, start: string, onAlert: (alert: Alert) => void): Promise<void> {
  let lastId = start;
  let attempt = 0;
  let socket: WebSocket | undefined;
  let timer: NodeJS.Timeout | undefined;
  return new Promise<void>((resolve, reject) => {
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket?.removeAllListeners();
      socket?.on('error', () => undefined);
      socket?.terminate();
      if (err) reject(err);
      else resolve();
    };
    if (opts.signal?.aborted) return finish();
    opts.signal?.addEventListener('abort', () => finish(), { once: true });

    const connect = () => {
      if (done) return;
      const ws = new WebSocket(opts.client.wsUrl);
      socket = ws;
      let opened = false;
      ws.on('open', () => {
        opened = true;
        attempt = 0;
        ws.send(JSON.stringify({ type: 'resume', after: lastId }));
        opts.err(`following alerts at ${opts.client.base.replace(/^http/, 'ws')}/ws (Ctrl-C to stop)`);
      });
      ws.on('message', (data) => {
        let message: WsServerMessage;
        try {
          message = wsServerMessageSchema.parse(JSON.parse(String(data)));
        } catch {
          return; // a message type this CLI does not know yet
        }
        if (message.type === 'alert') {
          if (!newer(message.alert.id, lastId)) return;
          lastId = message.alert.id;
          onAlert(message.alert);
        } else if (message.type === 'error') {
          opts.err(`server: ${message.code}: ${message.message}`);
          if (message.code === 'RESUME_FAILED') ws.send(JSON.stringify({ type: 'resume', after: lastId }));
        }
      });
      ws.on('unexpected-response', (_req, res) => {
        if (res.statusCode === 401) return finish(opts.client.unauthorized());
        opts.err(`the api refused the WebSocket upgrade (HTTP ${res.statusCode})`);
        ws.terminate();
      });
      ws.on('error', () => undefined); // 'close' follows and reconnects
      ws.on('close', () => {
        if (done) return;
        const delay = reconnectDelayMs(attempt++);
        opts.err(`${opened ? 'connection lost' : `cannot reach ${opts.client.base}`}; reconnecting in ${(delay / 1000).toFixed(0)} s`);
        timer = setTimeout(connect, delay);
      });
    };
    connect();
  });
}

export function parseLimit(raw: string | undefined): number {
  if (raw === undefined) return 20;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new CliError('INVALID_ARGUMENT', `--limit must be a whole number from 1 to 1000, got "${raw}"`);
  return n;
}
