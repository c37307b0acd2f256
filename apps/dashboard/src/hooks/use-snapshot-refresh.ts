// Keeps a tile on its camera's latest frame without React renders: the shared SnapshotClock loads the next frame
// and the loaded <img> replaces the shown one in a single DOM swap. A tile off screen (IntersectionObserver) or
// in a hidden tab (document.visibilityState) is not refreshed.
'use client';
import { useEffect, useRef, useState, type RefObject } from 'react';
import { SnapshotClock } from '../lib/snapshot-clock.ts';

export type FrameState = 'loading' | 'ok' | 'missing';

export interface FrameSize {
  width: number;
  height: number;
}

/** Frames are written at ingest.live_view_fps (2 by default); ask a little faster than that (2.5/s). */
export const FRAME_INTERVAL_MS = 400;

let sharedClock: SnapshotClock | undefined;
const clock = (): SnapshotClock => (sharedClock ??= new SnapshotClock(FRAME_INTERVAL_MS));

export function useSnapshotRefresh(holderRef: RefObject<HTMLElement | null>, url: string, alt: string): { frame: FrameState; size: FrameSize | undefined } {
  const [frame, setFrame] = useState<FrameState>('loading');
  const [size, setSize] = useState<FrameSize>();
  const altRef = useRef(alt);
  altRef.current = alt;

  useEffect(() => {
    const holder = holderRef.current;
    if (!holder) return undefined;
    let visible = true;
    let frameState: FrameState = 'loading';
    let shownSize: FrameSize | undefined;
    const setFrameState = (next: FrameState): void => {
      if (frameState === next) return;
      frameState = next;
      setFrame(next);
    };
    const remove = clock().add({
      url,
      active: () => visible,
      show: (img) => {
        img.className = 'tile-frame';
        img.alt = altRef.current;
        holder.replaceChildren(img);
        if (shownSize?.width !== img.naturalWidth || shownSize?.height !== img.naturalHeight) {
          shownSize = { width: img.naturalWidth, height: img.naturalHeight };
          setSize(shownSize);
        }
        setFrameState('ok');
      },
      fail: () => {
        holder.replaceChildren();
        setFrameState('missing');
      },
    });
    const observer =
      typeof IntersectionObserver === 'undefined'
        ? undefined
        : new IntersectionObserver((entries) => {
            for (const entry of entries) visible = entry.isIntersecting;
            if (visible) clock().wake();
          });
    observer?.observe(holder);
    const onVisibility = (): void => {
      if (document.visibilityState === 'visible') clock().wake();
    };
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      remove();
      observer?.disconnect();
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [url, holderRef]);

  return { frame, size };
}
