// A WebSocket client of /ws for tests: records every server message (checked against the protocol's schema)
// and lets a test wait for the one it expects.
import WebSocket from 'ws';
import { wsServerMessageSchema, type WsClientMessage, type WsServerMessage } from '@argus/protocol';

type AlertMessage = Extract<WsServerMessage, { type: 'alert' }>;

export class AlertSocket {
  readonly messages: WsServerMessage[] = [];
  /** Messages the server sent that do not match the protocol (a test expects none). */
  readonly violations: string[] = [];
  private readonly waiters = new Set<() => void>();
  private closed = false;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const parsed = wsServerMessageSchema.safeParse(JSON.parse(String(data)));
      if (!parsed.success) {
        this.violations.push(`${String(data)}: ${parsed.error.message}`);
        return;
      }
      this.messages.push(parsed.data);
      for (const wake of this.waiters) wake();
    });
    ws.on('close', () => {
      this.closed = true;
      for (const wake of this.waiters) wake();
    });
  }

  static connect(url: string): Promise<AlertSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      const socket = new AlertSocket(ws);
      ws.once('open', () => resolve(socket));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`WebSocket upgrade refused: HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  alerts(): AlertMessage['alert'][] {
    return this.messages.filter((m): m is AlertMessage => m.type === 'alert').map((m) => m.alert);
  }

  send(message: WsClientMessage): void {
    this.ws.send(JSON.stringify(message));
  }

  /** Resolves with the first recorded message (from the start of the connection) that matches. */
  waitFor<T extends WsServerMessage>(what: string, timeoutMs: number, match: (m: WsServerMessage) => m is T): Promise<T>;
  waitFor(what: string, timeoutMs: number, match: (m: WsServerMessage) => boolean): Promise<WsServerMessage>;
  waitFor(what: string, timeoutMs: number, match: (m: WsServerMessage) => boolean): Promise<WsServerMessage> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.messages.find(match);
        if (found) finish(() => resolve(found));
        else if (this.closed) finish(() => reject(new Error(`WebSocket closed while waiting for ${what}`)));
      };
      const timer = setTimeout(() => finish(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; got ${JSON.stringify(this.messages.filter((m) => m.type !== 'faces'))}`))), timeoutMs);
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        settle();
      };
      this.waiters.add(check);
      check();
    });
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}
