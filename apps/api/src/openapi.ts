// /api/openapi.json, generated from the same route specs and zod schemas that validate requests, so the
// document cannot drift from what the server accepts. OpenAPI 3.1 (its schemas are JSON Schema 2020-12).
import { errorBodySchema } from '@argus/protocol';
import { z } from 'zod';
import type { RouteSpec } from './route-spec.ts';

type Json = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Json {
  const out = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Json;
  delete out.$schema;
  return out;
}

function parameters(schema: z.ZodType | undefined, where: 'path' | 'query'): Json[] {
  if (!schema) return [];
  if (!(schema instanceof z.ZodObject)) throw new Error(`openapi: ${where} schema must be a z.object`);
  return Object.entries(schema.shape as Record<string, z.ZodType>).map(([name, field]) => {
    const required = where === 'path' || !field.safeParse(undefined).success;
    const description = field.description;
    return { name, in: where, required, schema: jsonSchema(field, 'input'), ...(description ? { description } : {}) };
  });
}

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request (bad parameters, body or JSON)',
  401: 'Missing or wrong token',
  404: 'Not found',
  409: 'Conflict',
  413: 'Upload too large',
  415: 'Wrong Content-Type',
  422: 'Well-formed, but nothing usable in it',
  500: 'Unexpected server error (with a correlation id)',
  503: 'Redis or the models unavailable',
};

export interface OpenApiExtras {
  version: string;
  /** Documented separately: the WebSocket upgrade is not a Fastify route. */
  extraPaths?: Record<string, Json>;
}

export function buildOpenApiDocument(routes: readonly RouteSpec[], extras: OpenApiExtras): Json {
  const paths: Record<string, Json> = {};
  const errorContent = { 'application/json': { schema: jsonSchema(errorBodySchema, 'output') } };
  for (const route of routes) {
    const auth = route.auth ?? 'token';
    const responses: Json = {};
    for (const [status, doc] of Object.entries(route.responses)) {
      const content = doc.schema
        ? { [doc.contentType ?? 'application/json']: { schema: jsonSchema(doc.schema, 'output') } }
        : doc.contentType
          ? { [doc.contentType]: { schema: { type: 'string', contentMediaType: doc.contentType } } }
          : undefined;
      responses[status] = { description: doc.description, ...(content ? { content } : {}) };
    }
    const errorStatuses = new Set<number>([500, ...Object.keys(route.responses).map(Number).filter((s) => s >= 400)]);
    if (auth !== 'open') errorStatuses.add(401);
    if (route.params || route.query || route.body || route.multipart) errorStatuses.add(400);
    if (route.body || route.multipart) errorStatuses.add(415);
    for (const status of [...errorStatuses].sort()) {
      responses[String(status)] = { description: route.responses[status]?.description ?? ERROR_DESCRIPTIONS[status] ?? 'Error', content: errorContent };
    }

    let requestBody: Json | undefined;
    if (route.body) {
      requestBody = { required: !route.bodyOptional, content: { 'application/json': { schema: jsonSchema(route.body, 'input') } } };
    } else if (route.multipart) {
      const properties: Json = {};
      for (const [name, p] of Object.entries(route.multipart.properties)) {
        properties[name] =
          p.type === 'array'
            ? { type: 'array', description: p.description, items: { type: 'string', contentMediaType: 'application/octet-stream' } }
            : p.binary
              ? { type: 'string', description: p.description, contentMediaType: 'application/octet-stream' }
              : { type: 'string', description: p.description };
      }
      const content: Json = { 'multipart/form-data': { schema: { type: 'object', properties, required: route.multipart.required } } };
      if (route.rawImage) for (const t of ['image/jpeg', 'image/png', 'image/webp']) content[t] = { schema: { type: 'string', contentMediaType: t } };
      requestBody = { required: true, content };
    }

    const operation: Json = {
      operationId: operationId(route),
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      tags: [route.tag],
      security: auth === 'open' ? [] : auth === 'token-or-query' ? [{ bearer: [] }, { tokenQuery: [] }] : [{ bearer: [] }],
      parameters: [...parameters(route.params, 'path'), ...parameters(route.query, 'query')],
      ...(requestBody ? { requestBody } : {}),
      responses,
    };
    paths[route.path] = { ...(paths[route.path] ?? {}), [route.method.toLowerCase()]: operation };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Argus API',
      version: extras.version,
      description:
        'REST and WebSocket API of Argus, real-time face re-identification for RTSP cameras. Errors are always `{"error": {"code", "message"}}`. See docs/API.md.',
    },
    servers: [{ url: '/' }],
    tags: [...new Set(routes.map((r) => r.tag))].map((name) => ({ name })),
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'The admin token (auth.admin_token, ARGUS_ADMIN_TOKEN, or data/admin-token)' },
        tokenQuery: { type: 'apiKey', in: 'query', name: 'token', description: 'The same token as a query parameter, for image URLs and the WebSocket' },
      },
    },
    security: [{ bearer: [] }],
    paths: { ...paths, ...(extras.extraPaths ?? {}) },
  };
}

function operationId(route: RouteSpec): string {
  const words = route.path
    .replace(/^\/api\//, '')
    .split(/[/.]/)
    .filter(Boolean)
    .map((w) => (w.startsWith('{') ? `by-${w.slice(1, -1)}` : w));
  return [route.method.toLowerCase(), ...words]
    .join('-')
    .replace(/[-_]([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}
