// Owns the one WebSocket of the page (through the dashboard's /ws proxy) and the LiveStore it feeds. Loads the
// newest alerts over REST first, then resumes the socket after the newest of them, so nothing is missed or doubled.
'use client';
import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { LiveContext, type LiveContextValue } from '../hooks/use-live.ts';
import { AlertSound } from '../lib/alert-sound.ts';
import { api, enrolledFaceUrl } from '../lib/api-client.ts';
import { preloadImages } from '../lib/image-preload.ts';
import { dashboardSocketUrl, LiveSocket, type SocketLike } from '../lib/live-socket.ts';
import { liveFrames } from '../lib/frame-batcher.ts';
import { LiveStore } from '../lib/live-store.ts';

const SOUND_KEY = 'argus.sound';
const INITIAL_ALERTS = 50;

export function LiveProvider({ children }: { children: ReactNode }) {
  // Socket updates join the page's shared animation-frame batch (frame swaps, boxes, alerts together).
  const store = useMemo(() => new LiveStore((flush) => liveFrames().run(flush)), []);
  const [soundOn, setSoundOnState] = useState(false);
  const soundOnRef = useRef(false);
  const sound = useMemo(() => new AlertSound(), []);

  useEffect(() => {
    if (window.localStorage.getItem(SOUND_KEY) === 'on') {
      soundOnRef.current = true;
      setSoundOnState(true);
      // Audio stays locked until the first gesture on the page; unlock on it.
      const unlock = () => sound.unlock();
      window.addEventListener('pointerdown', unlock, { once: true });
      window.addEventListener('keydown', unlock, { once: true });
      return () => {
        window.removeEventListener('pointerdown', unlock);
        window.removeEventListener('keydown', unlock);
      };
    }
    return undefined;
  }, [sound]);

  useEffect(() => store.onNewAlerts(() => soundOnRef.current && sound.beep()), [store, sound]);

  useEffect(() => {
    const socket = new LiveSocket(
      {
        // A browser WebSocket is a SocketLike; only its handlers' `this`/event types are narrower than the interface says.
        createSocket: () => new WebSocket(dashboardSocketUrl(window.location)) as unknown as SocketLike,
        setTimer: (fn, ms) => setTimeout(fn, ms),
        clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
        now: () => Date.now(),
      },
      {
        onMessage: (message) => {
          if (message.type !== 'alert') return store.receive(message);
          // The alert's images first, so its row appears complete in one frame (order is restored by id).
          const { thumbUrl, faceId } = message.alert;
          void preloadImages([thumbUrl, faceId ? enrolledFaceUrl(faceId) : undefined].filter((u): u is string => u !== undefined)).then(() =>
            store.receive(message),
          );
        },
        onState: (state, info) => store.setConnection({ state, retryAt: info.retryAt }),
      },
    );
    let cancelled = false;
    api
      .listAlerts({ limit: INITIAL_ALERTS })
      .then((alerts) => {
        if (cancelled) return;
        store.seedAlerts(alerts);
        for (const alert of alerts.slice(0, 1)) socket.noteAlertSeen(alert.id);
      })
      .catch(() => {
        // No history (api down or 401 on its way to /login): start from now rather than replaying everything kept.
        if (!cancelled) socket.noteAlertSeen(`${Date.now()}-0`);
      })
      .finally(() => {
        if (!cancelled) socket.start();
      });
    return () => {
      cancelled = true;
      socket.stop();
    };
  }, [store]);

  const value = useMemo<LiveContextValue>(
    () => ({
      store,
      soundOn,
      setSoundOn: (on) => {
        if (on) sound.unlock();
        soundOnRef.current = on;
        setSoundOnState(on);
        window.localStorage.setItem(SOUND_KEY, on ? 'on' : 'off');
        if (on) sound.beep();
      },
    }),
    [store, soundOn, sound],
  );

  return <LiveContext.Provider value={value}>{children}</LiveContext.Provider>;
}
