// Enrolled face crops and alert/sighting thumbnails from the ImageStore, by id. Named by id only, so a
// response never changes: clients may cache it for good.
import { IMAGE_KINDS } from '@argus/store';
import { z } from 'zod';
import { defineRoute, type RouteSpec } from '../route-spec.ts';
import type { ServerContext } from '../server-context.ts';

const imageParamsSchema = z.object({
  kind: z.enum(IMAGE_KINDS),
  file: z.string().regex(/^[A-Za-z0-9_-]{1,128}\.jpg$/, 'must be <id>.jpg'),
});

export function imageRoutes(ctx: ServerContext): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/images/{kind}/{file}',
      summary: 'An enrolled face crop (faces) or an alert/sighting thumbnail (thumbs)',
      tag: 'images',
      auth: 'token-or-query',
      params: imageParamsSchema,
      responses: { 200: { description: 'JPEG', contentType: 'image/jpeg' }, 404: { description: 'No such image' } },
      handler: async ({ params, reply }) => {
        const jpeg = await ctx.images.read(params.kind, params.file.slice(0, -'.jpg'.length));
        return reply.type('image/jpeg').header('cache-control', 'private, max-age=31536000, immutable').send(jpeg);
      },
    }),
  ];
}
