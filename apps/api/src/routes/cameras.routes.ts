// Cameras: those of the config file plus those added here (argus:camera:*, which ingest picks up within
// about two seconds), each with the live status its ingest worker reports.
import { cameraInputSchema, cameraListResponseSchema, cameraParamsSchema, cameraViewSchema, type CameraView } from '@argus/protocol';
import type { Camera } from '@argus/store';
import { ApiError } from '../api-error.ts';
import { defineRoute, type RouteSpec } from '../route-spec.ts';
import type { ServerContext } from '../server-context.ts';

/** Config cameras and stored ones, by id (a stored camera with a config id is shadowed by the config). */
export async function allCameras(ctx: ServerContext): Promise<Array<Camera & { source: 'config' | 'api' }>> {
  const byId = new Map<string, Camera & { source: 'config' | 'api' }>();
  for (const c of await ctx.cameras.list()) byId.set(c.id, { ...c, source: 'api' });
  for (const [id, c] of Object.entries(ctx.config.cameras)) byId.set(id, { id, url: c.url, ...(c.name ? { name: c.name } : {}), analysisFps: c.analysisFps, record: c.record, source: 'config' });
  return [...byId.values()].sort((a, b) => a.id.localeCompare(b.id));
}

async function requireCamera(ctx: ServerContext, id: string): Promise<void> {
  if (ctx.config.cameras[id] || (await ctx.cameras.get(id))) return;
  throw new ApiError(404, 'NOT_FOUND', `camera ${id} does not exist: list cameras with GET /api/cameras`);
}

export function cameraRoutes(ctx: ServerContext): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/cameras',
      summary: 'Every camera with its live status',
      tag: 'cameras',
      responses: { 200: { description: 'Cameras by id', schema: cameraListResponseSchema } },
      handler: async () => {
        const cameras = await allCameras(ctx);
        const statuses = await ctx.cameras.listStatuses(cameras.map((c) => c.id));
        return { cameras: cameras.map((c, i): CameraView => ({ ...c, status: statuses[i]?.status ?? null })) };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/cameras',
      summary: 'Add a camera (ingest starts it within about 2 s)',
      tag: 'cameras',
      body: cameraInputSchema,
      responses: {
        201: { description: 'Added', schema: cameraViewSchema },
        409: { description: 'A camera with this id exists (in the config file or added before)' },
      },
      handler: async ({ body, reply }) => {
        if (ctx.config.cameras[body.id]) throw new ApiError(409, 'CONFLICT', `camera ${body.id} is defined in the config file: change it there, or use another id`);
        if (await ctx.cameras.get(body.id)) throw new ApiError(409, 'CONFLICT', `camera ${body.id} exists: remove it first (DELETE /api/cameras/${body.id}) or use another id`);
        const camera = await ctx.cameras.upsert(body);
        reply.status(201).header('location', `/api/cameras/${camera.id}`);
        return { ...camera, source: 'api', status: null } satisfies CameraView;
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/api/cameras/{id}',
      summary: 'Remove a camera added through the API (ingest stops it within about 2 s)',
      tag: 'cameras',
      params: cameraParamsSchema,
      responses: {
        204: { description: 'Removed' },
        404: { description: 'No such camera' },
        409: { description: 'The camera is defined in the config file' },
      },
      handler: async ({ params, reply }) => {
        if (ctx.config.cameras[params.id]) throw new ApiError(409, 'CONFLICT', `camera ${params.id} is defined in the config file: remove it there`);
        if (!(await ctx.cameras.remove(params.id))) throw new ApiError(404, 'NOT_FOUND', `camera ${params.id} does not exist: list cameras with GET /api/cameras`);
        return reply.status(204).send();
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/cameras/{id}/snapshot.jpg',
      summary: 'The latest analysed frame of a live camera',
      tag: 'cameras',
      auth: 'token-or-query',
      params: cameraParamsSchema,
      responses: {
        200: { description: 'JPEG', contentType: 'image/jpeg' },
        404: { description: 'No such camera, or no frame within the last few seconds' },
      },
      handler: async ({ params, reply }) => {
        await requireCamera(ctx, params.id);
        const jpeg = await ctx.frames.getFrame(params.id);
        if (!jpeg) throw new ApiError(404, 'NO_FRAME', `camera ${params.id} has no recent frame: is ingest running and the camera live? (GET /api/cameras shows its status)`);
        return reply.type('image/jpeg').header('cache-control', 'no-store').send(jpeg);
      },
    }),
  ];
}
