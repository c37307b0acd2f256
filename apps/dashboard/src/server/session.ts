// The dashboard's session: the admin token lives only in the httpOnly cookie `argus_token`; the server reads it
// to authorise proxied calls, so page JavaScript never sees it.
import type { IncomingMessage } from 'node:http';

export const TOKEN_COOKIE = 'argus_token';
/** The api's tokens are 16+ characters; anything absurdly long is not one. */
const MAX_TOKEN_LENGTH = 4096;
const SESSION_MAX_AGE_S = 30 * 24 * 3600;

/** Parses a Cookie header into name -> value (first occurrence wins, values URI-decoded when possible). */
export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  if (!header) return cookies;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (cookies.has(name)) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    try {
      value = decodeURIComponent(value);
    } catch {
      // not percent-encoded: keep it as sent
    }
    cookies.set(name, value);
  }
  return cookies;
}

/** The token of a request's session cookie, or undefined when there is none (or it cannot be a token). */
export function sessionToken(req: Pick<IncomingMessage, 'headers'>): string | undefined {
  const token = parseCookies(req.headers.cookie).get(TOKEN_COOKIE);
  if (token === undefined || token === '' || token.length > MAX_TOKEN_LENGTH || /[\s]/.test(token)) return undefined;
  return token;
}

/** Whether the browser reached us over TLS (directly or through a proxy that says so). */
export function isSecureRequest(req: Pick<IncomingMessage, 'headers' | 'socket'>): boolean {
  const forwarded = req.headers['x-forwarded-proto'];
  const proto = Array.isArray(forwarded) ? forwarded[0] : forwarded;
  if (proto) return proto.split(',')[0]!.trim() === 'https';
  return Boolean((req.socket as { encrypted?: boolean }).encrypted);
}

export function sessionCookie(token: string, secure: boolean): string {
  const attrs = [`${TOKEN_COOKIE}=${encodeURIComponent(token)}`, 'Path=/', 'HttpOnly', 'SameSite=Lax', `Max-Age=${SESSION_MAX_AGE_S}`];
  if (secure) attrs.push('Secure');
  return attrs.join('; ');
}

export function clearedSessionCookie(secure: boolean): string {
  const attrs = [`${TOKEN_COOKIE}=`, 'Path=/', 'HttpOnly', 'SameSite=Lax', 'Max-Age=0'];
  if (secure) attrs.push('Secure');
  return attrs.join('; ');
}

/**
 * Where to send the browser after signing in: only a path on this site (an open redirect to another
 * origin would let a link hand the session to someone else), never back to /login.
 */
export function safeNextPath(next: string | null | undefined): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  if (next === '/login' || next.startsWith('/login?') || next.startsWith('/login/')) return '/';
  return next;
}
