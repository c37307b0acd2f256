// Face detection on one uploaded photo: boxes, landmarks and quality; embeddings with ?embed=1.
import { detectQuerySchema, detectResponseSchema, type DetectResponse } from '@argus/protocol';
import { ApiError } from '../api-error.ts';
import { defineRoute, type RouteSpec } from '../route-spec.ts';
import type { ServerContext } from '../server-context.ts';
import { PHOTO_FIELD, readUpload } from './photo-upload.ts';

const round = (n: number, digits = 2): number => Number(n.toFixed(digits));

export function faceRoutes(ctx: ServerContext): RouteSpec[] {
  return [
    defineRoute({
      method: 'POST',
      path: '/api/faces/detect',
      summary: 'Detect faces in one photo',
      description: 'Multipart with one `image` part, or the raw image bytes with Content-Type image/jpeg, image/png or image/webp. Faces come largest first.',
      tag: 'faces',
      query: detectQuerySchema,
      multipart: { properties: { [PHOTO_FIELD]: { type: 'string', description: 'The photo (JPEG, PNG or WebP)', binary: true } }, required: [PHOTO_FIELD] },
      rawImage: true,
      responses: {
        200: { description: 'Faces found (possibly none)', schema: detectResponseSchema },
        413: { description: 'Photo over api.max_upload_bytes, or more pixels than detection.max_image_px' },
      },
      handler: async ({ query, request }): Promise<DetectResponse> => {
        const { results } = await readUpload(request, {
          fields: [],
          maxPhotos: 1,
          onPhoto: async (photo) => ctx.analyzer.analyzeEncoded(photo.bytes, { embed: query.embed }),
        });
        const found = results[0];
        if (!found) throw new ApiError(400, 'INVALID_REQUEST', `no photo received: send it as an "${PHOTO_FIELD}" part`);
        return {
          width: found.image.width,
          height: found.image.height,
          faces: found.faces.map((f) => ({
            box: [round(f.box.x, 1), round(f.box.y, 1), round(f.box.width, 1), round(f.box.height, 1)],
            score: round(f.score, 4),
            landmarks: f.landmarks.map(([x, y]) => [round(x, 1), round(y, 1)] as [number, number]),
            quality: { score: round(f.quality.score, 4), sizePx: round(f.quality.sizePx, 1), blur: round(f.quality.blur, 1), yaw: round(f.quality.yaw, 4), detectorScore: round(f.quality.detectorScore, 4) },
            ...(f.embedding ? { embedding: Array.from(f.embedding) } : {}),
          })),
        };
      },
    }),
  ];
}
