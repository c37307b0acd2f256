// The detail of one alert: larger images, acknowledge, and a jump to the person's other appearances.
'use client';
import Link from 'next/link';
import { useState } from 'react';
import type { Alert } from '@argus/protocol';
import { useApiAction } from '../hooks/use-api-action.ts';
import { api, enrolledFaceUrl } from '../lib/api-client.ts';
import { formatScore, formatTime } from '../lib/display-format.ts';
import { FaceImage } from './face-image.tsx';
import { Dialog, DialogActions } from './dialog.tsx';

export function AlertDetailDialog({ alert, cameraName, onClose }: { alert: Alert; cameraName: string | undefined; onClose: () => void }) {
  const [acked, setAcked] = useState(false);
  const acknowledge = useApiAction(async () => {
    await api.ackAlert(alert.id);
    setAcked(true);
  });

  const searchHref = `/search?personId=${encodeURIComponent(alert.personId)}&alert=${encodeURIComponent(alert.id)}`;
  return (
    <Dialog title={`${alert.personName} on ${cameraName ?? alert.camera}`} onClose={onClose}>
      <div className="detail-images">
        <figure>
          <FaceImage src={alert.thumbUrl} role="crop" alt={`Face seen on ${alert.camera}`} large />
          <figcaption>Seen</figcaption>
        </figure>
        <figure>
          <FaceImage src={alert.faceId ? enrolledFaceUrl(alert.faceId) : undefined} role="enrolled" alt={`Enrolled photo of ${alert.personName}`} large />
          <figcaption>Enrolled</figcaption>
        </figure>
      </div>
      <dl className="detail-facts">
        <dt>Person</dt>
        <dd>{alert.personName}</dd>
        <dt>Score</dt>
        <dd>{formatScore(alert.score)}</dd>
        <dt>Camera</dt>
        <dd>{cameraName ?? alert.camera}</dd>
        <dt>Time</dt>
        <dd>{formatTime(alert.ts)}</dd>
        {alert.latencyMs !== undefined ? (
          <>
            <dt>Latency</dt>
            <dd>{alert.latencyMs} ms</dd>
          </>
        ) : null}
      </dl>
      <DialogActions error={acknowledge.error}>
        <Link className="button ghost" href={searchHref}>
          Find other appearances
        </Link>
        <button type="button" className="button primary" onClick={() => void acknowledge.run()} disabled={acknowledge.busy || acked}>
          {acked ? 'Acknowledged' : 'Acknowledge'}
        </button>
        <button type="button" className="button ghost" onClick={onClose}>
          Close
        </button>
      </DialogActions>
    </Dialog>
  );
}
