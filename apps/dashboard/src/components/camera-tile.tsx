// One camera on the live wall: its latest frame (refreshed off React), current face boxes and state.
'use client';
import { memo, useEffect, useRef, useState } from 'react';
import type { CameraView } from '@argus/protocol';
import { useCameraFaces, useCameraStatus, useLive } from '../hooks/use-live.ts';
import { useSnapshotRefresh, type FrameSize } from '../hooks/use-snapshot-refresh.ts';
import { snapshotUrl } from '../lib/api-client.ts';
import { formatFps } from '../lib/display-format.ts';
import { latestStatus, type LiveFace } from '../lib/live-store.ts';

/** Boxes not refreshed for this long are gone from the scene. */
const FACES_STALE_MS = 1_500;

/** Until the first frame tells the real size: the default analysis size of ingest. */
const DEFAULT_FRAME: FrameSize = { width: 640, height: 360 };

const STATE_TEXT: Record<string, string> = {
  live: 'Live',
  connecting: 'Connecting',
  reconnecting: 'Reconnecting',
  stopped: 'Stopped',
  offline: 'No worker',
};

export const CameraTile = memo(function CameraTile({ camera }: { camera: CameraView }) {
  const holderRef = useRef<HTMLDivElement>(null);
  const name = camera.name ?? camera.id;
  const liveStatus = useCameraStatus(camera.id);
  const status = latestStatus(camera.status, liveStatus);
  const state = status?.state ?? 'offline';
  const { frame, size } = useSnapshotRefresh(holderRef, snapshotUrl(camera.id), `Latest frame of ${name}`);
  const aspect = size ? `${size.width} / ${size.height}` : '16 / 9';

  return (
    <article className={`tile state-${state}`} data-testid="camera-tile" data-camera={camera.id} data-state={state} aria-label={`Camera ${name}`}>
      <div className="tile-media" style={{ aspectRatio: aspect }}>
        <div ref={holderRef} className="tile-frame-holder" />
        {frame !== 'ok' ? (
          <div className="tile-placeholder">{frame === 'loading' ? 'Loading frame…' : 'No recent frame'}</div>
        ) : null}
        <FaceBoxes camera={camera.id} size={size ?? DEFAULT_FRAME} />
      </div>
      <footer className="tile-bar">
        <span className="tile-name">{name}</span>
        <span className={`state-pill state-${state}`}>{STATE_TEXT[state] ?? state}</span>
        {status && state === 'live' ? <span className="tile-fps">{formatFps(status.fps)}</span> : null}
      </footer>
      {status?.lastError && state !== 'live' ? (
        <p className="tile-error" title={status.lastError}>
          {status.lastError}
        </p>
      ) : null}
    </article>
  );
});

function FaceBoxes({ camera, size }: { camera: string; size: FrameSize }) {
  const faces = useCameraFaces(camera);
  const { store } = useLive();
  const [, setTick] = useState(0);

  // Drop boxes that stopped being refreshed (the person left, or ingest stalled).
  useEffect(() => {
    if (!faces || faces.faces.length === 0) return undefined;
    const timer = setTimeout(() => {
      store.clearFaces(camera);
      setTick((n) => n + 1);
    }, FACES_STALE_MS);
    return () => clearTimeout(timer);
  }, [faces, store, camera]);

  if (!faces) return null;
  return (
    <>
      {faces.faces.map((face, i) => (
        <FaceBox key={face.trackId ?? i} face={face} size={size} />
      ))}
    </>
  );
}

function FaceBox({ face, size }: { face: LiveFace; size: FrameSize }) {
  const [x, y, w, h] = face.box;
  const known = face.personName !== undefined && face.personName !== '';
  const style = {
    left: `${(x / size.width) * 100}%`,
    top: `${(y / size.height) * 100}%`,
    width: `${(w / size.width) * 100}%`,
    height: `${(h / size.height) * 100}%`,
  };
  return (
    <div className={`face-box ${known ? 'known' : 'unknown'}`} style={style} data-testid="face-box">
      <span className="face-label">{known ? face.personName : 'unknown'}</span>
    </div>
  );
}
