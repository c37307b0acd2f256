// First-version auth: one admin token, as `Authorization: Bearer <token>` (REST) or `?token=` (WebSocket,
// image URLs). Compared in constant time over SHA-256 digests, so neither content nor length leaks.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ApiError } from './api-error.ts';
import type { AuthMode } from './route-spec.ts';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

export function tokenChecker(adminToken: string): (candidate: string | undefined) => boolean {
  const expected = digest(adminToken);
  return (candidate) => candidate !== undefined && candidate !== '' && timingSafeEqual(digest(candidate), expected);
}

/** The token a request carries: the Bearer header, or (where allowed) the `token` query parameter. */
export function requestToken(request: FastifyRequest, mode: AuthMode): string | undefined {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw new ApiError(401, 'UNAUTHORIZED', 'the Authorization header must be "Bearer <token>"');
    return match[1];
  }
  if (mode === 'token-or-query') {
    const q = (request.query as Record<string, unknown> | undefined)?.token;
    if (typeof q === 'string') return q;
  }
  return undefined;
}

export function authenticate(request: FastifyRequest, mode: AuthMode, check: (token: string | undefined) => boolean): void {
  if (mode === 'open') return;
  const token = requestToken(request, mode);
  if (token === undefined) {
    throw new ApiError(401, 'UNAUTHORIZED', 'missing token: send "Authorization: Bearer <admin token>" (the token is in data/admin-token unless ARGUS_ADMIN_TOKEN is set)');
  }
  if (!check(token)) throw new ApiError(401, 'UNAUTHORIZED', 'wrong token: use the admin token (data/admin-token, or ARGUS_ADMIN_TOKEN)');
}

/** "…?token=abc&x=1" -> "…?token=***&x=1", for logs. */
export const redactToken = (url: string): string => url.replace(/([?&]token=)[^&]*/g, '$1***');
