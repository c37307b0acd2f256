// Health, Prometheus metrics and the thresholds of the running config (secrets left out).
import { configResponseSchema, healthResponseSchema, type ConfigResponse } from '@argus/protocol';
import { defineRoute, type RouteSpec } from '../route-spec.ts';
import type { ServerContext } from '../server-context.ts';

const PING_TIMEOUT_MS = 1000;

export function systemRoutes(ctx: ServerContext): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/health',
      summary: 'Liveness and Redis reachability (no token needed)',
      tag: 'system',
      auth: 'open',
      responses: {
        200: { description: 'Up, Redis reachable', schema: healthResponseSchema },
        503: { description: 'Up, but Redis unreachable', schema: healthResponseSchema },
      },
      handler: async ({ reply }) => {
        const redisUp = await Promise.race([
          ctx.redis.ping().then(() => true, () => false),
          new Promise<boolean>((resolve) => setTimeout(resolve, PING_TIMEOUT_MS, false).unref()),
        ]);
        reply.status(redisUp ? 200 : 503);
        return { status: redisUp ? 'ok' : 'degraded', redis: redisUp ? 'up' : 'down', uptimeS: Math.round((Date.now() - ctx.startedAt) / 1000), version: ctx.version };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/metrics',
      summary: 'Prometheus metrics of the api process',
      tag: 'system',
      responses: { 200: { description: 'Prometheus text exposition format', contentType: 'text/plain' } },
      handler: async ({ reply }) => {
        const text = await ctx.metrics.registry.metrics();
        return reply.type(ctx.metrics.registry.contentType).send(text);
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/config',
      summary: 'Thresholds and limits of the running configuration (secrets omitted)',
      tag: 'system',
      responses: { 200: { description: 'The thresholds', schema: configResponseSchema } },
      handler: async (): Promise<ConfigResponse> => {
        const c = ctx.config;
        return {
          recognition: { ...c.recognition },
          quality: { ...c.quality },
          detection: { model: c.detection.model, scoreThreshold: c.detection.scoreThreshold, minFacePx: c.detection.minFacePx, maxImagePx: c.detection.maxImagePx },
          alerts: { cooldownMs: c.alerts.cooldownMs },
          ingest: { liveViewFps: c.ingest.liveViewFps },
          api: { maxUploadBytes: c.api.maxUploadBytes },
          retention: { recordingsHours: c.retention.recordingsHours, sightingsDays: c.retention.sightingsDays },
        };
      },
    }),
  ];
}
