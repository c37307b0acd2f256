// Page-level messages: a notice (an error, or that something worked), a form's outcome, the empty state of a list,
// and a fetched list's load error and empty state together.
'use client';
import type { ReactNode } from 'react';

export function Notice({ tone, testId, children }: { tone: 'error' | 'ok'; testId?: string; children: ReactNode }) {
  return (
    <p className={`notice ${tone}`} role={tone === 'error' ? 'alert' : 'status'} data-testid={testId}>
      {children}
    </p>
  );
}

/** How a form's last submit went: the error (`form-error`) or what it did. */
export function FormOutcome({ error, done }: { error: string | undefined; done: string | undefined }) {
  return (
    <>
      {error ? (
        <Notice tone="error" testId="form-error">
          {error}
        </Notice>
      ) : null}
      {done ? <Notice tone="ok">{done}</Notice> : null}
    </>
  );
}

export function EmptyState({ title, small, children }: { title: string; small?: boolean; children: ReactNode }) {
  return (
    <div className={small ? 'empty small' : 'empty'}>
      <p className="empty-title">{title}</p>
      <p>{children}</p>
    </div>
  );
}

/** Why a list could not be loaded, or its empty state once it loaded with nothing in it. */
export function ListStatus({
  what,
  error,
  loading,
  empty,
  emptyTitle,
  children,
}: {
  /** Names the list in "Could not load <what>: <error>". */
  what: string;
  error: string | undefined;
  loading: boolean;
  empty: boolean;
  emptyTitle: string;
  children: ReactNode;
}) {
  return (
    <>
      {error ? <Notice tone="error">{`Could not load ${what}: ${error}`}</Notice> : null}
      {!loading && !error && empty ? <EmptyState title={emptyTitle}>{children}</EmptyState> : null}
    </>
  );
}
