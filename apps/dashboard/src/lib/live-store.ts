// What the live WebSocket says, held outside React: components subscribe to one key (one camera's boxes, the
// alert feed, the connection) so a message re-renders only what it concerns. Updates are applied in batches,
// once per animation frame, however many messages arrived in between.
import type { Alert, CameraStatus, WsServerMessage } from '@argus/protocol';
import { emptyFeed, mergeAlerts, type AlertFeedState } from './alert-feed.ts';
import type { SocketState } from './live-socket.ts';

export interface LiveFace {
  box: [number, number, number, number];
  trackId?: string | undefined;
  personId?: string | undefined;
  personName?: string | undefined;
}

export interface CameraFaces {
  ts: number;
  faces: readonly LiveFace[];
}

export interface ConnectionView {
  state: SocketState;
  /** ms since epoch of the next reconnect attempt, while reconnecting. */
  retryAt?: number | undefined;
}

/** Alerts kept in memory; the feed renders fewer. */
export const FEED_CAPACITY = 100;

type Listener = () => void;
export type Scheduler = (flush: () => void) => void;

export const connectionKey = 'connection';
export const alertsKey = 'alerts';
export const facesKey = (camera: string): string => `faces:${camera}`;
export const statusKey = (camera: string): string => `status:${camera}`;
export const statusesKey = 'statuses';

export class LiveStore {
  private readonly listeners = new Map<string, Set<Listener>>();
  private feed: AlertFeedState = emptyFeed();
  private readonly faces = new Map<string, CameraFaces>();
  /** undefined: nothing heard over the socket (use the REST status); null: the api says no worker reports. */
  private readonly statuses = new Map<string, CameraStatus | null>();
  private statusVersion = 0;
  private connection: ConnectionView = { state: 'connecting' };

  private pendingAlerts: Alert[] = [];
  private readonly pendingFaces = new Map<string, CameraFaces>();
  private readonly pendingStatuses = new Map<string, CameraStatus | null>();
  private flushQueued = false;
  private readonly alertListeners = new Set<(added: Alert[]) => void>();

  constructor(private readonly schedule: Scheduler) {}

  subscribe(key: string, listener: Listener): () => void {
    let set = this.listeners.get(key);
    if (!set) {
      set = new Set();
      this.listeners.set(key, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(key);
    };
  }

  /** Called once per batch with the alerts that were really new (not replays of ones shown). */
  onNewAlerts(listener: (added: Alert[]) => void): () => void {
    this.alertListeners.add(listener);
    return () => this.alertListeners.delete(listener);
  }

  getFeed = (): AlertFeedState => this.feed;
  getConnection = (): ConnectionView => this.connection;
  getFaces = (camera: string): CameraFaces | undefined => this.faces.get(camera);
  getStatus = (camera: string): CameraStatus | null | undefined => this.statuses.get(camera);
  /** Changes whenever any camera's status changes (for lists that show them all). */
  getStatusVersion = (): number => this.statusVersion;

  setConnection(view: ConnectionView): void {
    this.connection = view;
    this.emit(connectionKey);
  }

  /** Alerts loaded over REST: shown at once, without the "new alert" signal. */
  seedAlerts(alerts: readonly Alert[]): void {
    this.feed = mergeAlerts(this.feed, alerts, FEED_CAPACITY).state;
    this.emit(alertsKey);
  }

  receive(message: WsServerMessage): void {
    switch (message.type) {
      case 'alert':
        this.pendingAlerts.push(message.alert);
        break;
      case 'faces':
        this.pendingFaces.set(message.camera, { ts: message.ts, faces: message.faces });
        break;
      case 'camera':
        this.pendingStatuses.set(message.camera, message.status);
        break;
      default:
        return;
    }
    this.queueFlush();
  }

  private queueFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    this.schedule(() => this.flush());
  }

  /** Applies everything received since the last flush and notifies each affected key once. */
  flush(): void {
    this.flushQueued = false;
    if (this.pendingAlerts.length > 0) {
      const { state, added } = mergeAlerts(this.feed, this.pendingAlerts, FEED_CAPACITY);
      this.pendingAlerts = [];
      if (state !== this.feed) {
        this.feed = state;
        this.emit(alertsKey);
      }
      if (added.length > 0) for (const listener of this.alertListeners) listener(added);
    }
    for (const [camera, faces] of this.pendingFaces) {
      this.faces.set(camera, faces);
      this.emit(facesKey(camera));
    }
    this.pendingFaces.clear();
    if (this.pendingStatuses.size > 0) {
      for (const [camera, status] of this.pendingStatuses) {
        this.statuses.set(camera, status);
        this.emit(statusKey(camera));
      }
      this.pendingStatuses.clear();
      this.statusVersion += 1;
      this.emit(statusesKey);
    }
  }

  /** Forgets a camera's boxes (they went stale). */
  clearFaces(camera: string): void {
    if (!this.faces.has(camera)) return;
    this.faces.delete(camera);
    this.emit(facesKey(camera));
  }

  private emit(key: string): void {
    const set = this.listeners.get(key);
    if (set) for (const listener of [...set]) listener();
  }
}

/**
 * The status to show: the socket's (changes only) or the REST list's (polled), whichever is newer. The socket
 * may have missed changes while it was down, so its value must not outrank a fresher poll.
 */
export function latestStatus(rest: CameraStatus | null, live: CameraStatus | null | undefined): CameraStatus | null {
  if (live === undefined) return rest;
  if (live === null || rest === null) return live;
  return rest.updatedAt > live.updatedAt ? rest : live;
}
