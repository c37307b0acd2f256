// Shown while the live connection is down: says so, and when the next attempt is.
'use client';
import { useEffect, useState } from 'react';
import { useConnection } from '../hooks/use-live.ts';

export function ConnectionBanner() {
  const connection = useConnection();
  const [now, setNow] = useState(() => Date.now());
  const down = connection.state === 'reconnecting';

  useEffect(() => {
    if (!down) return undefined;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, [down]);

  if (!down) return null;
  const seconds = connection.retryAt === undefined ? undefined : Math.max(0, Math.ceil((connection.retryAt - now) / 1000));
  return (
    <div className="connection-banner" data-testid="connection-banner" role="status">
      <strong>Reconnecting…</strong>{' '}
      {seconds === undefined || seconds === 0 ? 'trying now' : `next try in ${seconds} s`}. Live frames and alerts resume
      automatically; missed alerts are fetched on reconnect.
    </div>
  );
}
