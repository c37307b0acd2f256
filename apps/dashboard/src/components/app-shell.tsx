// The frame of every signed-in page: navigation, sound toggle, sign-out and the connection banner.
'use client';
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import type { ReactNode } from 'react';
import { useConnection, useLive } from '../hooks/use-live.ts';
import { ConnectionBanner } from './connection-banner.tsx';
import { LiveProvider } from './live-provider.tsx';

const NAV = [
  { href: '/', label: 'Live' },
  { href: '/alerts', label: 'Alerts' },
  { href: '/watchlist', label: 'Watchlist' },
  { href: '/cameras', label: 'Cameras' },
  { href: '/search', label: 'Search' },
] as const;

export function AppShell({ children }: { children: ReactNode }) {
  return (
    <LiveProvider>
      <Shell>{children}</Shell>
    </LiveProvider>
  );
}

function Shell({ children }: { children: ReactNode }) {
  const connection = useConnection();
  const pathname = usePathname();
  return (
    <div className="app-shell" data-testid="app-shell" data-ws-state={connection.state}>
      <header className="topbar">
        <Link href="/" className="brand" aria-label="Argus home">
          <span className="brand-mark" aria-hidden="true">◉</span> Argus
        </Link>
        <nav className="nav" aria-label="Main">
          {NAV.map((item) => {
            const current = item.href === '/' ? pathname === '/' : pathname.startsWith(item.href);
            return (
              <Link key={item.href} href={item.href} className="nav-link" aria-current={current ? 'page' : undefined}>
                {item.label}
              </Link>
            );
          })}
        <div className="topbar-actions">
          <ConnectionDot state={connection.state} />
          <SoundToggle />
          <form action="/auth/logout" method="post" onSubmit={signOut}>
            <button type="submit" className="button ghost">
              Sign out
            </button>
          </form>
        </div>
        </nav>
      </header>
      <ConnectionBanner />
      <main className="main">{children}</main>
    </div>
  );
}

function signOut(event: React.FormEvent<HTMLFormElement>): void {
  event.preventDefault();
  void fetch('/auth/logout', { method: 'POST', credentials: 'same-origin' }).finally(() => window.location.assign('/login'));
}

function ConnectionDot({ state }: { state: string }) {
  const label = state === 'open' ? 'Live' : state === 'connecting' ? 'Connecting' : 'Offline';
  return (
    <span className={`conn-dot conn-${state}`} title={`Live updates: ${label}`}>
      <span aria-hidden="true" className="dot" /> {label}
    </span>
  );
}

function SoundToggle() {
  const { soundOn, setSoundOn } = useLive();
  return (
    <button type="button" className="button ghost" aria-pressed={soundOn} onClick={() => setSoundOn(!soundOn)}>
      {soundOn ? 'Sound on' : 'Sound off'}
    </button>
  );
}
