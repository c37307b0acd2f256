// React access to the LiveStore: each hook subscribes to one key, so a message re-renders only its readers.
'use client';
import { createContext, useCallback, useContext, useSyncExternalStore } from 'react';
import type { CameraStatus } from '@argus/protocol';
import type { AlertFeedState } from '../lib/alert-feed.ts';
import {
  alertsKey,
  connectionKey,
  facesKey,
  statusesKey,
  statusKey,
  type CameraFaces,
  type ConnectionView,
  type LiveStore,
} from '../lib/live-store.ts';

export interface LiveContextValue {
  store: LiveStore;
  soundOn: boolean;
  setSoundOn: (on: boolean) => void;
}

export const LiveContext = createContext<LiveContextValue | null>(null);

export function useLive(): LiveContextValue {
  const value = useContext(LiveContext);
  if (!value) throw new Error('useLive needs <LiveProvider> above it');
  return value;
}

function useKey<T>(key: string, read: () => T, serverValue: T): T {
  const { store } = useLive();
  const subscribe = useCallback((listener: () => void) => store.subscribe(key, listener), [store, key]);
  return useSyncExternalStore(subscribe, read, () => serverValue);
}

const initialConnection: ConnectionView = { state: 'connecting' };
const emptyFeedState: AlertFeedState = { alerts: [], ids: new Set() };

export function useConnection(): ConnectionView {
  const { store } = useLive();
  return useKey(connectionKey, store.getConnection, initialConnection);
}

export function useAlertFeed(): AlertFeedState {
  const { store } = useLive();
  return useKey(alertsKey, store.getFeed, emptyFeedState);
}

export function useCameraFaces(camera: string): CameraFaces | undefined {
  const { store } = useLive();
  const read = useCallback(() => store.getFaces(camera), [store, camera]);
  return useKey(facesKey(camera), read, undefined);
}

/** The socket's latest status for a camera; undefined when the socket has said nothing yet (use the REST one). */
export function useCameraStatus(camera: string): CameraStatus | null | undefined {
  const { store } = useLive();
  const read = useCallback(() => store.getStatus(camera), [store, camera]);
  return useKey(statusKey(camera), read, undefined);
}

/** Re-renders when any camera's status changes. */
export function useStatusVersion(): number {
  const { store } = useLive();
  return useKey(statusesKey, store.getStatusVersion, 0);
}
