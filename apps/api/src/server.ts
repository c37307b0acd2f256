// createServer(deps): the Fastify app with every route, the one error handler, auth, metrics and the
// WebSocket gateway on /ws. The caller owns Redis and the analyzer; the server owns what it builds.
import { randomUUID } from 'node:crypto';
import type { LoadedConfig } from '@argus/config';
import { join } from 'node:path';
import { AlertRepository, CameraRepository, ImageStore, LatestFrameRepository, SightingRepository, WatchlistRepository, type RedisClient } from '@argus/store';
import { ClipCutter, ExportStore, recordingsDirOf } from '@argus/video';
import type { FaceAnalyzer } from '@argus/vision';
import multipart from '@fastify/multipart';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { AlertGateway, WS_PATH, type GatewayOptions } from './alert-gateway.ts';
import { toHttpError } from './api-error.ts';
import { authenticate, redactToken, tokenChecker } from './auth.ts';
import { LiveFeed } from './live-feed.ts';
import { ApiMetrics } from './metrics.ts';
import { buildOpenApiDocument } from './openapi.ts';
import { registerRoute, type AuthMode, type RouteSpec } from './route-spec.ts';
import { alertRoutes } from './routes/alerts.routes.ts';
import { clipRoutes } from './routes/clips.routes.ts';
import { cameraRoutes } from './routes/cameras.routes.ts';
import { faceRoutes } from './routes/faces.routes.ts';
import { imageRoutes } from './routes/images.routes.ts';
import { searchRoutes } from './routes/search.routes.ts';
import { systemRoutes } from './routes/system.routes.ts';
import { watchlistRoutes } from './routes/watchlist.routes.ts';
import type { ServerContext } from './server-context.ts';
import { EnrollmentService } from './services/enrollment.service.ts';
import { SightingSearchService } from './services/sighting-search.service.ts';

export const API_VERSION = '0.1.0';

export interface ServerDeps {
  config: LoadedConfig;
  /** Connected; the server never closes it. */
  redis: RedisClient;
  analyzer: FaceAnalyzer;
  /** The admin token (see resolveAdminToken). */
  adminToken: string;
  log?: Logger;
  gateway?: GatewayOptions;
  /** Camera status and face boxes are pushed this often at most (ms). Default from ingest.live_view_fps. */
  liveFeedIntervalMs?: number;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: AuthMode;
  }
}

export interface ApiServer {
  app: FastifyInstance;
  gateway: AlertGateway;
  /** Every documented route (the WebSocket aside). */
  routes: readonly RouteSpec[];
}

export async function createServer(deps: ServerDeps): Promise<ApiServer> {
  const { config, redis, analyzer } = deps;
  const log = deps.log ?? pino({ name: 'api', level: config.log.level });
  const metrics = new ApiMetrics();
  const images = new ImageStore(config.resolved.data);
  const watchlist = new WatchlistRepository(redis, { log });
  const data = config.resolved.data;
  const search = new SightingSearchService({ config, sightings: new SightingRepository(redis), watchlist, images, log });
  const clips = new ClipCutter({
    recordingsDir: recordingsDirOf(data),
    cacheDir: join(data, 'clip-cache'),
    preRollS: config.clips.preRollS,
    postRollS: config.clips.postRollS,
    maxWindowS: config.clips.maxWindowS,
    log,
  });
  const ctx: ServerContext = {
    config,
    redis,
    analyzer,
    watchlist,
    cameras: new CameraRepository(redis),
    alerts: new AlertRepository(redis),
    frames: new LatestFrameRepository(redis),
    images,
    enrollment: new EnrollmentService({
      analyzer,
      watchlist,
      images,
      quality: config.quality,
      log,
      onVerdict: (v) => metrics.enrollPhotos.inc({ outcome: v.ok ? 'accepted' : v.code }),
    }),
    search,
    clips,
    exports: new ExportStore({ dataDir: data, log }),
    metrics,
    log,
    version: API_VERSION,
    startedAt: Date.now(),
  };
  const checkToken = tokenChecker(deps.adminToken);

  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    // One debug line per request from our onResponse hook instead (with the token redacted from URLs).
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => randomUUID(),
    bodyLimit: 1024 * 1024,
    // Proxies and dashboards reuse connections; keep-alive sockets must not stall close().
    forceCloseConnections: true,
  });
  // JSON only: a text/plain body is a 415, not a string handed to a route.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser(/^image\/(jpeg|png|webp)$/, { parseAs: 'buffer', bodyLimit: config.api.maxUploadBytes }, (_req, body, done) => done(null, body));
  await app.register(multipart, {
    limits: { fileSize: config.api.maxUploadBytes, files: 21, fields: 10, fieldSize: 10_000, parts: 40, headerPairs: 100 },
  });

  app.addHook('onRequest', async (request) => {
    authenticate(request, request.routeOptions.config.auth ?? 'token', checkToken);
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics.requestMs.observe({ method: request.method, route }, reply.elapsedTime);
    log.debug({ method: request.method, url: redactToken(request.url), status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
  });
  app.setErrorHandler((err, request, reply) => {
    const http = toHttpError(err, config.api.maxUploadBytes);
    if (http.internal) {
      const correlationId = request.id;
      log.error({ correlationId, method: request.method, url: redactToken(request.url), err }, `request failed: ${(err as Error).message}`);
      const message = http.status === 500 ? `unexpected server error: quote correlation id ${correlationId} when reporting it` : `${http.message} (correlation id ${correlationId})`;
      return reply.status(http.status).send({ error: { code: http.code, message, correlationId } });
    }
    return reply.status(http.status).send({ error: { code: http.code, message: http.message, ...(http.details !== undefined ? { details: http.details } : {}) } });
  });
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send({ error: { code: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}: see GET /api/openapi.json` } });
  });

  const routes: RouteSpec[] = [
    ...systemRoutes(ctx),
    ...cameraRoutes(ctx),
    ...watchlistRoutes(ctx),
    ...faceRoutes(ctx),
    ...alertRoutes(ctx),
    ...imageRoutes(ctx),
    ...searchRoutes(ctx),
    ...clipRoutes(ctx),
  ];
  const document = buildOpenApiDocument(routes, { version: API_VERSION, extraPaths: { [WS_PATH]: WS_DOC } });
  routes.push({
    method: 'GET',
    path: '/api/openapi.json',
    summary: 'This OpenAPI 3.1 document (no token needed)',
    tag: 'system',
    auth: 'open',
    responses: { 200: { description: 'OpenAPI 3.1 document', contentType: 'application/json' } },
    handler: async () => document,
  });
  // The document lists itself too.
  (document.paths as Record<string, unknown>)['/api/openapi.json'] = {
    get: { operationId: 'getOpenapiJson', summary: 'This OpenAPI 3.1 document (no token needed)', tags: ['system'], security: [], responses: { 200: { description: 'OpenAPI 3.1 document', content: { 'application/json': { schema: { type: 'object' } } } } } },
  };
  for (const route of routes) registerRoute(app, route);

  const gateway = new AlertGateway({ alerts: ctx.alerts, log, metrics, authenticate: checkToken, ...(deps.gateway ? { options: deps.gateway } : {}) });
  gateway.attach(app.server);
  const feed = new LiveFeed({ ctx, gateway, intervalMs: deps.liveFeedIntervalMs ?? Math.round(1000 / config.ingest.liveViewFps) });
  app.addHook('onReady', async () => {
    await gateway.start();
    feed.start();
    search.start();
  });
  app.addHook('preClose', async () => {
    feed.stop();
    await gateway.stop();
    await search.stop();
  });
  app.addHook('onClose', async () => {
    await watchlist.close();
  });
  return { app, gateway, routes };
}

const WS_DOC = {
  get: {
    operationId: 'getWs',
    summary: 'WebSocket: live alerts, camera status and face boxes',
    description:
      'Upgrade to a WebSocket with `?token=<admin token>` (or the subprotocol `bearer.<token>`). The server sends JSON messages: `{type:"alert", alert}`, `{type:"camera", camera, status}`, `{type:"faces", camera, ts, faces}`, `{type:"resumed", after, count, last?}`, `{type:"pong"}`, `{type:"error", code, message}`. The client may send `{type:"resume", after:"<last alert id>"}` to receive every alert it missed, in order, exactly once, before live ones; and `{type:"ping"}`. The server pings every 30 s and drops clients that do not answer or fall too far behind.',
    tags: ['websocket'],
    security: [{ tokenQuery: [] }],
    parameters: [{ name: 'token', in: 'query', required: false, schema: { type: 'string' }, description: 'The admin token' }],
    responses: {
      '101': { description: 'Switching protocols' },
      '401': { description: 'Missing or wrong token', content: { 'application/json': { schema: { type: 'object' } } } },
    },
  },
};
