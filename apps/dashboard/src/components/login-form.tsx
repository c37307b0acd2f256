// The sign-in form: the token goes to the dashboard server once, which checks it with the api and keeps it in an
// httpOnly cookie; page JavaScript never holds it afterwards.
'use client';
import { useSearchParams } from 'next/navigation';
import { useState } from 'react';
import { InputField } from './form-field.tsx';
import { Notice } from './notice.tsx';

export function LoginForm() {
  const params = useSearchParams();
  const next = params.get('next') ?? '/';
  const [token, setToken] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: React.FormEvent): Promise<void> => {
    event.preventDefault();
    if (token.trim() === '') {
      setError('Enter the admin token: it is in data/admin-token, or ARGUS_ADMIN_TOKEN');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const res = await fetch('/auth/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token, next }),
        credentials: 'same-origin',
      });
      const body = (await res.json().catch(() => ({}))) as { next?: string; error?: { message?: string } };
      if (!res.ok) {
        setError(body.error?.message ?? `Sign-in failed (${res.status}): try again`);
        setBusy(false);
        return;
      }
      setToken('');
      window.location.assign(body.next ?? '/');
    } catch (err) {
      setError(`Could not reach the dashboard server (${(err as Error).message}): check that it is running`);
      setBusy(false);
    }
  };

  return (
    <form className="card login-card" onSubmit={(e) => void submit(e)} noValidate>
      <h1 className="login-title">
        <span className="brand-mark" aria-hidden="true">◉</span> Argus
      </h1>
      <p className="muted">Sign in with the admin token to watch the cameras and alerts.</p>
      <InputField
        label="Admin token"
        type="password"
        value={token}
        onChange={(e) => setToken(e.target.value)}
        autoComplete="current-password"
        autoFocus
        spellCheck={false}
      />
      {error ? <Notice tone="error">{error}</Notice> : null}
      <button type="submit" className="button primary wide" disabled={busy}>
        {busy ? 'Checking…' : 'Sign in'}
      </button>
      <p className="muted small-print">
        The token is printed by the api on first start and kept in <code>data/admin-token</code>.
      </p>
    </form>
  );
}
