// The dashboard's WebSocket client, as Frigate's WsProvider: reconnects with backoff min(1000 * 2^n, 30000) ms and,
// after every (re)connect, asks for the alerts it missed with {type:"resume", after: <last alert id>}.
import { wsServerMessageSchema, type WsClientMessage, type WsServerMessage } from '@argus/protocol';
import { newestId } from './stream-id.ts';

export type SocketState = 'connecting' | 'open' | 'reconnecting';

export const RECONNECT_MIN_MS = 1_000;
export const RECONNECT_MAX_MS = 30_000;
/** Without any message (a pong at least) for this long, the connection is taken for dead and replaced. */
export const SILENCE_LIMIT_MS = 45_000;
export const PING_INTERVAL_MS = 15_000;

/** Delay before reconnect attempt n (0-based): 1 s, 2 s, 4 s ... capped at 30 s. */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(RECONNECT_MIN_MS * 2 ** Math.max(0, attempt), RECONNECT_MAX_MS);
}

/** The part of the browser's WebSocket this client uses (so tests can hand it a fake). */
export interface SocketLike {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export interface LiveSocketDeps {
  createSocket: () => SocketLike;
  setTimer: (fn: () => void, ms: number) => unknown;
  clearTimer: (handle: unknown) => void;
  now: () => number;
}

export interface LiveSocketEvents {
  onMessage: (message: WsServerMessage) => void;
  onState: (state: SocketState, info: { retryAt?: number; attempt: number }) => void;
}

const OPEN = 1;

export class LiveSocket {
  private socket: SocketLike | undefined;
  private stateValue: SocketState = 'connecting';
  private attempt = 0;
  private retryTimer: unknown;
  private pingTimer: unknown;
  private lastHeard = 0;
  private stopped = true;
  private lastAlert: string | undefined;

  constructor(
    private readonly deps: LiveSocketDeps,
    private readonly events: LiveSocketEvents,
  ) {}

  get state(): SocketState {
    return this.stateValue;
  }

  /** The id of the newest alert received (or set as the starting point): the resume cursor. */
  get lastAlertId(): string | undefined {
    return this.lastAlert;
  }

  /** Alerts up to this id are already shown (e.g. loaded over REST): resume after it. */
  noteAlertSeen(id: string): void {
    this.lastAlert = newestId(this.lastAlert, id);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.deps.clearTimer(this.retryTimer);
    this.deps.clearTimer(this.pingTimer);
    this.retryTimer = undefined;
    this.pingTimer = undefined;
    const socket = this.socket;
    this.socket = undefined;
    if (socket) {
      this.detach(socket);
      socket.close(1000, 'dashboard closed');
    }
  }

  private setState(state: SocketState, retryAt?: number): void {
    this.stateValue = state;
    this.events.onState(state, retryAt === undefined ? { attempt: this.attempt } : { retryAt, attempt: this.attempt });
  }

  private connect(): void {
    if (this.stopped) return;
    this.setState(this.attempt === 0 ? 'connecting' : 'reconnecting');
    let socket: SocketLike;
    try {
      socket = this.deps.createSocket();
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.onopen = () => this.onOpen(socket);
    socket.onmessage = (ev) => this.onData(ev.data);
    socket.onerror = () => undefined; // a close always follows; reconnect is handled there
    socket.onclose = () => this.onClose(socket);
  }

  private onOpen(socket: SocketLike): void {
    if (socket !== this.socket) return;
    this.attempt = 0;
    this.lastHeard = this.deps.now();
    this.send({ type: 'resume', after: this.lastAlert ?? '0' });
    this.setState('open');
    this.schedulePing();
  }

  private onData(data: unknown): void {
    this.lastHeard = this.deps.now();
    if (typeof data !== 'string') return;
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      return;
    }
    const parsed = wsServerMessageSchema.safeParse(json);
    if (!parsed.success) return;
    const message = parsed.data;
    if (message.type === 'alert') this.lastAlert = newestId(this.lastAlert, message.alert.id);
    else if (message.type === 'resumed' && message.last !== undefined) this.lastAlert = newestId(this.lastAlert, message.last);
    this.events.onMessage(message);
  }

  private onClose(socket: SocketLike): void {
    if (socket !== this.socket) return;
    this.detach(socket);
    this.socket = undefined;
    this.deps.clearTimer(this.pingTimer);
    this.pingTimer = undefined;
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    const delay = reconnectDelayMs(this.attempt);
    this.attempt += 1;
    this.setState('reconnecting', this.deps.now() + delay);
    this.retryTimer = this.deps.setTimer(() => this.connect(), delay);
  }

  private schedulePing(): void {
    this.pingTimer = this.deps.setTimer(() => {
      const socket = this.socket;
      if (!socket || socket.readyState !== OPEN) return;
      if (this.deps.now() - this.lastHeard > SILENCE_LIMIT_MS) {
        // Half-open connection (laptop slept, proxy dropped it): replace it rather than wait for TCP to notice.
        this.detach(socket);
        this.socket = undefined;
        socket.close(4000, 'silent');
        this.scheduleReconnect();
        return;
      }
      this.send({ type: 'ping' });
      this.schedulePing();
    }, PING_INTERVAL_MS);
  }

  private send(message: WsClientMessage): void {
    if (this.socket && this.socket.readyState === OPEN) this.socket.send(JSON.stringify(message));
  }

  private detach(socket: SocketLike): void {
    socket.onopen = null;
    socket.onmessage = null;
    socket.onclose = null;
    socket.onerror = null;
  }
}

/** The dashboard's own /ws (proxied to the api with the session cookie), on the page's origin. */
export function dashboardSocketUrl(location: { protocol: string; host: string }): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
}
