// The live alert feed: newest first, only the newest FEED_RENDERED in the DOM; each row renders once.
'use client';
import Link from 'next/link';
import { memo } from 'react';
import type { Alert } from '@argus/protocol';
import { useAlertFeed } from '../hooks/use-live.ts';
import { enrolledFaceUrl } from '../lib/api-client.ts';
import { formatScore, formatTime } from '../lib/display-format.ts';
import { FaceImage } from './face-image.tsx';
import { EmptyState } from './notice.tsx';

/** Rows in the DOM; older ones are one click away on /alerts. */
export const FEED_RENDERED = 50;

export function AlertFeed({ onOpen, cameraNames }: { onOpen: (alert: Alert) => void; cameraNames: ReadonlyMap<string, string> }) {
  const feed = useAlertFeed();
  const shown = feed.alerts.slice(0, FEED_RENDERED);
  return (
    <aside className="feed" aria-label="Alerts">
      <h2 className="feed-title">
        Alerts
        <Link href="/alerts" className="feed-count">
          {feed.alerts.length > 0 ? `${shown.length} newest · history` : 'history'}
        </Link>
      </h2>
      <ol className="feed-list" data-testid="alert-feed">
        {shown.map((alert) => (
          <AlertItem key={alert.id} alert={alert} cameraName={cameraNames.get(alert.camera)} onOpen={onOpen} />
        ))}
      </ol>
      {shown.length === 0 ? (
        <EmptyState title="No alerts yet" small>
          When someone on the watchlist is seen, the alert appears here within a second.
        </EmptyState>
      ) : null}
    </aside>
  );
}

const AlertItem = memo(function AlertItem({
  alert,
  cameraName,
  onOpen,
}: {
  alert: Alert;
  cameraName: string | undefined;
  onOpen: (alert: Alert) => void;
}) {
  return (
    <li className="alert-item" data-testid="alert-item" data-alert-id={alert.id} data-person-id={alert.personId}>
      <button type="button" className="alert-button" onClick={() => onOpen(alert)} aria-label={`Alert: ${alert.personName} on ${cameraName ?? alert.camera}`}>
        <span className="alert-images">
          <FaceImage src={alert.thumbUrl} role="crop" alt={`Face seen on ${alert.camera}`} />
          <FaceImage src={alert.faceId ? enrolledFaceUrl(alert.faceId) : undefined} role="enrolled" alt={`Enrolled photo of ${alert.personName}`} />
        </span>
        <span className="alert-text">
          <span className="alert-name">{alert.personName}</span>
          <span className="alert-meta">
            <span className="alert-score" title="Match score">
              {formatScore(alert.score)}
            </span>
            <span className="alert-camera">{cameraName ?? alert.camera}</span>
          </span>
          <time className="alert-time" dateTime={new Date(alert.ts).toISOString()}>
            {formatTime(alert.ts)}
          </time>
        </span>
      </button>
    </li>
  );
});
