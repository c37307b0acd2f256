// Recorded video: a clip of any window cut from a camera's segments without re-encoding (HTTP Range, so a
// browser can seek), and exports: clips an operator keeps (under data/exports, never touched by retention).
import { clipParamsSchema, errorBodySchema, clipQuerySchema, exportBodySchema, exportListResponseSchema, exportViewSchema, idParamsSchema, type ExportView } from '@argus/protocol';
import type { ExportedClip } from '@argus/video';
import { defineRoute, type RouteSpec } from '../route-spec.ts';
import type { ServerContext } from '../server-context.ts';
import { sendFile } from './file-response.ts';

const compactTime = (ms: number): string => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');

function exportView(e: ExportedClip): ExportView {
  return {
    id: e.id,
    camera: e.camera,
    from: e.fromMs,
    to: e.toMs,
    ...(e.name ? { name: e.name } : {}),
    bytes: e.bytes,
    durationS: e.durationS,
    createdAt: e.createdAt,
    url: `/api/exports/${e.id}/file`,
  };
}

export function clipRoutes(ctx: ServerContext): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/clips/{camera}',
      summary: 'The recorded video of one camera between two times, as MP4',
      description:
        'Cut from the 10 s recording segments without re-encoding, so it starts on the keyframe at or before `from` minus clips.pre_roll_s and ends after `to` plus clips.post_roll_s. `from`/`to` are ms since epoch or ISO 8601; the window is at most clips.max_window_s. HTTP Range is supported (206). `download=1` adds Content-Disposition: attachment. `X-Clip-From` / `X-Clip-To` (ms) say which wall-clock window the clip covers, so a player can seek to `from`. 404 NO_RECORDING when nothing was recorded in the window (the message says what is recorded).',
      tag: 'clips',
      auth: 'token-or-query',
      params: clipParamsSchema,
      query: clipQuerySchema,
      responses: {
        200: { description: 'MP4', contentType: 'video/mp4' },
        206: { description: 'Part of the MP4 (Range)', contentType: 'video/mp4' },
        404: { description: 'No recording in the window (NO_RECORDING)', schema: errorBodySchema },
        416: { description: 'Range outside the file' },
      },
      handler: async ({ params, query, request, reply }) => {
        const clip = await ctx.clips.cut(params.camera, query.from, query.to);
        // Where the clip really starts and ends (its first keyframe, the pre/post roll), so a player can seek to the
        // moment asked for: the asked `from` is (from - x-clip-from) / 1000 s into the clip.
        reply.header('x-clip-from', String(clip.fromMs)).header('x-clip-to', String(clip.toMs));
        return sendFile(request, reply, {
          path: clip.path,
          contentType: 'video/mp4',
          ...(query.download ? { downloadName: `${params.camera}-${compactTime(clip.fromMs)}.mp4` } : {}),
          cacheControl: 'private, max-age=3600',
        });
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/exports',
      summary: 'Keep a clip: cut it and store it under data/exports until it is removed',
      description: 'Exports are never deleted by retention, and the recording segments they came from are kept as well.',
      tag: 'clips',
      body: exportBodySchema,
      responses: { 201: { description: 'The export', schema: exportViewSchema }, 404: { description: 'No recording in the window' } },
      handler: async ({ body, reply }) => {
        const created = await ctx.exports.create({ camera: body.camera, fromMs: body.from, toMs: body.to, ...(body.name ? { name: body.name } : {}) }, ctx.clips);
        reply.status(201).header('location', `/api/exports/${created.id}`);
        return exportView(created);
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/exports',
      summary: 'Every kept clip, newest first',
      tag: 'clips',
      responses: { 200: { description: 'Exports', schema: exportListResponseSchema } },
      handler: async () => ({ exports: (await ctx.exports.list()).map(exportView) }), // newest first
    }),
    defineRoute({
      method: 'GET',
      path: '/api/exports/{id}/file',
      summary: 'Download a kept clip (MP4, Range supported)',
      tag: 'clips',
      auth: 'token-or-query',
      params: idParamsSchema,
      responses: { 200: { description: 'MP4', contentType: 'video/mp4' }, 206: { description: 'Part of the MP4 (Range)', contentType: 'video/mp4' }, 404: { description: 'No such export' } },
      handler: async ({ params, request, reply }) => {
        const found = await ctx.exports.get(params.id);
        return sendFile(request, reply, { path: found.path, contentType: 'video/mp4', downloadName: `${found.camera}-${compactTime(found.fromMs)}-${found.id.slice(0, 8)}.mp4` });
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/api/exports/{id}',
      summary: 'Remove a kept clip (its source segments return to normal retention)',
      tag: 'clips',
      params: idParamsSchema,
      responses: { 204: { description: 'Removed' }, 404: { description: 'No such export' } },
      handler: async ({ params, reply }) => {
        await ctx.exports.remove(params.id);
        return reply.status(204).send();
      },
    }),
  ];
}
