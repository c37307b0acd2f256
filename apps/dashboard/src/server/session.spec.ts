import { describe, expect, it } from 'vitest';
import { clearedSessionCookie, isSecureRequest, parseCookies, safeNextPath, sessionCookie, sessionToken } from './session.ts';
import { downstreamResponseHeaders, upstreamRequestHeaders, upstreamUpgradeTarget } from './api-proxy.ts';

describe('session cookie', () => {
  it('is httpOnly, SameSite=Lax, path /, Secure only over TLS', () => {
    const plain = sessionCookie('tok en/=', false);
    expect(plain).toMatch(/^argus_token=tok%20en%2F%3D; /);
    expect(plain).toContain('HttpOnly');
    expect(plain).toContain('SameSite=Lax');
    expect(plain).toContain('Path=/');
    expect(plain).not.toContain('Secure');
    expect(sessionCookie('t', true)).toContain('Secure');
    expect(clearedSessionCookie(false)).toContain('Max-Age=0');
  });

  it('reads the token back from a Cookie header among others', () => {
    expect(parseCookies('a=1; argus_token=abc%2Fdef; b="q"')).toEqual(
      new Map([
        ['a', '1'],
        ['argus_token', 'abc/def'],
        ['b', 'q'],
      ]),
    );
    expect(sessionToken({ headers: { cookie: 'x=1; argus_token=secret-token-123' } })).toBe('secret-token-123');
    expect(sessionToken({ headers: { cookie: 'argus_token=' } })).toBeUndefined();
    expect(sessionToken({ headers: {} })).toBeUndefined();
  });

  it('knows TLS from the socket or X-Forwarded-Proto', () => {
    expect(isSecureRequest({ headers: { 'x-forwarded-proto': 'https' }, socket: {} as never })).toBe(true);
    expect(isSecureRequest({ headers: {}, socket: { encrypted: true } as never })).toBe(true);
    expect(isSecureRequest({ headers: {}, socket: {} as never })).toBe(false);
  });

  it('redirects after sign-in only to a local path', () => {
    expect(safeNextPath('/alerts?camera=lobby')).toBe('/alerts?camera=lobby');
    expect(safeNextPath('https://evil.example/')).toBe('/');
    expect(safeNextPath('//evil.example/')).toBe('/');
    expect(safeNextPath('/\\evil.example')).toBe('/');
    expect(safeNextPath('/login?next=/')).toBe('/');
    expect(safeNextPath(null)).toBe('/');
  });
});

describe('proxy headers', () => {
  const upstream = new URL('http://127.0.0.1:9999');

  it('drop the cookie, hop-by-hop headers and any client Authorization; add ours', () => {
    const out = upstreamRequestHeaders(
      {
        cookie: 'argus_token=secret',
        authorization: 'Bearer forged',
        connection: 'keep-alive, x-private',
        'x-private': '1',
        'keep-alive': 'timeout=5',
        'transfer-encoding': 'chunked',
        host: 'dashboard:3000',
        range: 'bytes=0-99',
        'content-type': 'multipart/form-data; boundary=x',
      },
      'the-token',
      upstream,
      { remoteAddress: '10.0.0.9', secure: false },
    );
    expect(out).toEqual({
      host: '127.0.0.1:9999',
      authorization: 'Bearer the-token',
      range: 'bytes=0-99',
      'content-type': 'multipart/form-data; boundary=x',
      'x-forwarded-for': '10.0.0.9',
      'x-forwarded-proto': 'http',
    });
  });

  it('pass response headers but hop-by-hop ones', () => {
    expect(
      downstreamResponseHeaders({ 'content-range': 'bytes 0-99/1000', 'accept-ranges': 'bytes', connection: 'close', 'transfer-encoding': 'chunked' }),
    ).toEqual({ 'content-range': 'bytes 0-99/1000', 'accept-ranges': 'bytes' });
  });

  it('put the token of a WebSocket in the bearer subprotocol, or the query when it cannot be one', () => {
    expect(upstreamUpgradeTarget('/ws?token=leak&x=1', 'abc_DEF-123', [])).toEqual({
      path: '/ws?x=1',
      protocols: ['bearer.abc_DEF-123'],
      tokenProtocol: 'bearer.abc_DEF-123',
    });
    expect(upstreamUpgradeTarget('/ws', 'has space', ['chat', 'bearer.forged'])).toEqual({
      path: '/ws?token=has+space',
      protocols: ['chat'],
      tokenProtocol: undefined,
    });
  });
});
