// Alert history (argus:alerts, newest first) and acknowledgements.
import { ackBodySchema, ackResponseSchema, alertListResponseSchema, alertParamsSchema, alertsQuerySchema } from '@argus/protocol';
import { defineRoute, type RouteSpec } from '../route-spec.ts';
import type { ServerContext } from '../server-context.ts';

export function alertRoutes(ctx: ServerContext): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/alerts',
      summary: 'Alerts, newest first, filtered by camera, person and time; page with `before`',
      tag: 'alerts',
      query: alertsQuerySchema,
      responses: { 200: { description: 'Alerts with their acknowledgement', schema: alertListResponseSchema } },
      handler: async ({ query }) => ({ alerts: await ctx.alerts.list(query) }),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/alerts/{id}/ack',
      summary: 'Acknowledge an alert (the first acknowledgement wins and is returned)',
      tag: 'alerts',
      params: alertParamsSchema,
      body: ackBodySchema,
      bodyOptional: true,
      responses: { 200: { description: 'The acknowledgement', schema: ackResponseSchema }, 404: { description: 'No such alert (or trimmed)' } },
      handler: async ({ params, body }) => ({ id: params.id, ack: await ctx.alerts.ack(params.id, body.by ?? 'admin') }),
    }),
  ];
}
