// One call to the api behind a button (remove, acknowledge, export): busy while it runs, then the error to show.
'use client';
import { useState } from 'react';
import { errorMessage } from '../lib/api-client.ts';

export interface ApiAction {
  run: () => Promise<void>;
  busy: boolean;
  error: string | undefined;
}

export function useApiAction(action: () => Promise<void>): ApiAction {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const run = async (): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return { run, busy, error };
}
