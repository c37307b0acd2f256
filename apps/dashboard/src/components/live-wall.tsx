// The live wall: a tile per camera with its latest frame and face boxes, and the alert feed beside them.
'use client';
import Link from 'next/link';
import { useMemo, useState } from 'react';
import type { Alert } from '@argus/protocol';
import { useResource } from '../hooks/use-resource.ts';
import { api } from '../lib/api-client.ts';
import { AlertDetailDialog } from './alert-detail-dialog.tsx';
import { AlertFeed } from './alert-feed.tsx';
import { CameraTile } from './camera-tile.tsx';
import { ListStatus } from './notice.tsx';

const CAMERA_POLL_MS = 10_000;

export function LiveWall() {
  const cameras = useResource(api.listCameras, CAMERA_POLL_MS);
  const [selected, setSelected] = useState<Alert>();
  const list = useMemo(() => cameras.data ?? [], [cameras.data]);
  const names = useMemo(() => new Map(list.map((c) => [c.id, c.name ?? c.id])), [list]);

  return (
    <div className="live-layout">
      <section className="wall" aria-label="Cameras">
        {/* with tiles on the wall a failed refresh is not worth a notice: the tiles keep their own state */}
        <ListStatus
          what="the cameras"
          error={list.length === 0 ? cameras.error?.message : undefined}
          loading={cameras.loading}
          empty={list.length === 0}
          emptyTitle="No cameras yet"
        >
          Live frames and face boxes show up here once a camera streams. <Link href="/cameras">add one</Link> on the Cameras
          page.
        </ListStatus>
        <div className={`tiles tiles-${Math.min(list.length, 9)}`}>
          {list.map((camera) => (
            <CameraTile key={camera.id} camera={camera} />
          ))}
        </div>
      </section>
      <AlertFeed onOpen={setSelected} cameraNames={names} />
      {selected ? <AlertDetailDialog alert={selected} cameraName={names.get(selected.camera)} onClose={() => setSelected(undefined)} /> : null}
    </div>
  );
}
