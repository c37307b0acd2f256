// Routes as data: method, path, auth, zod schemas of params/query/body and documented responses. The same
// spec registers the Fastify route (with zod validation in front of the handler) and feeds /api/openapi.json.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { ApiError } from './api-error.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/**
 * token: `Authorization: Bearer <token>`; token-or-query: also `?token=` (for <img src> and downloads);
 * open: no token.
 */
export type AuthMode = 'token' | 'token-or-query' | 'open';

export interface ResponseDoc {
  description: string;
  /** JSON body schema; leave out for bodiless or binary responses. */
  schema?: z.ZodType;
  /** Default application/json when `schema` is set. */
  contentType?: string;
}

/** A multipart/form-data body, documented as a JSON schema (files are `format: binary` strings). */
export interface MultipartDoc {
  properties: Record<string, { type: 'string' | 'array'; description: string; binary?: boolean; items?: 'binary' }>;
  required: string[];
}

interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  request: FastifyRequest;
  reply: FastifyReply;
}

type Out<T> = T extends z.ZodType ? z.output<T> : undefined;

export interface RouteDefinition<P extends z.ZodType | undefined, Q extends z.ZodType | undefined, B extends z.ZodType | undefined> {
  method: HttpMethod;
  /** OpenAPI form: /api/cameras/{id} */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  /** Default 'token'. */
  auth?: AuthMode;
  params?: P;
  query?: Q;
  /** JSON body. */
  body?: B;
  /** True when `body` may be left out entirely (no Content-Type, no bytes). */
  bodyOptional?: boolean;
  multipart?: MultipartDoc;
  /** Accepts a raw image body (Content-Type image/jpeg, image/png, image/webp) instead of multipart. */
  rawImage?: boolean;
  responses: Record<number, ResponseDoc>;
  handler(input: RouteInput<Out<P>, Out<Q>, Out<B>>): Promise<unknown>;
}

export type RouteSpec = RouteDefinition<z.ZodType | undefined, z.ZodType | undefined, z.ZodType | undefined>;

export function defineRoute<P extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined, B extends z.ZodType | undefined = undefined>(
  spec: RouteDefinition<P, Q, B>,
): RouteSpec {
  return spec as unknown as RouteSpec;
}

export const fastifyPath = (openApiPath: string): string => openApiPath.replace(/\{(\w+)\}/g, ':$1');

/** zod issues -> one line a client can act on: "query.limit: Too big: expected number to be <=1000". */
export function describeIssues(where: string, error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${[where, ...i.path.map(String)].join('.')}: ${i.message}`)
    .join('; ');
}

/** `value` checked by `schema`, or a 400 INVALID_REQUEST naming each bad field under `where` (path, query, body, form). */
export function parsePart<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new ApiError(400, 'INVALID_REQUEST', describeIssues(where, result.error));
  return result.data;
}

const hasBody = (request: FastifyRequest): boolean =>
  request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length'] ?? 0) > 0;

const contentType = (request: FastifyRequest): string => String(request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();

export function registerRoute(app: FastifyInstance, spec: RouteSpec): void {
  app.route({
    method: spec.method,
    url: fastifyPath(spec.path),
    config: { auth: spec.auth ?? 'token' },
    handler: async (request, reply) => {
      const type = contentType(request);
      const json = type === 'application/json';
      // A route with both a multipart form and a JSON body (POST /api/search) takes either.
      if (spec.multipart && !(spec.body && json)) {
        const raw = spec.rawImage && /^image\/(jpeg|png|webp)$/.test(type);
        if (!raw && !request.isMultipart()) {
          throw new ApiError(
            415,
            'UNSUPPORTED_MEDIA_TYPE',
            `${spec.method} ${spec.path} takes multipart/form-data${spec.rawImage ? ' (or a raw image/jpeg, image/png or image/webp body)' : ''}, got ${type || 'no Content-Type'}`,
          );
        }
      } else if (hasBody(request) && !json) {
        throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', `${spec.method} ${spec.path} takes application/json, got ${type || 'no Content-Type'}`);
      } else if (!spec.body && hasBody(request)) {
        throw new ApiError(400, 'INVALID_REQUEST', `${spec.method} ${spec.path} takes no body`);
      }
      const params = spec.params ? parsePart(spec.params, request.params, 'path') : undefined;
      const query = spec.query ? parsePart(spec.query, request.query ?? {}, 'query') : undefined;
      let body: unknown;
      if (spec.body && !request.isMultipart()) {
        if (request.body === undefined && !spec.bodyOptional) throw new ApiError(400, 'INVALID_REQUEST', `${spec.method} ${spec.path} needs a JSON body`);
        body = parsePart(spec.body, request.body ?? {}, 'body');
      }
      return spec.handler({ params, query, body, request, reply } as Parameters<RouteSpec['handler']>[0]);
    },
  });
}
