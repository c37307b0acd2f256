// Watchlist: people and their enrolled faces. Enrolment judges every photo and answers per photo.
import {
  enrollFieldsSchema,
  enrollResponseSchema,
  errorBodySchema,
  idParamsSchema,
  removedPersonResponseSchema,
  watchlistResponseSchema,
  type PersonView,
} from '@argus/protocol';
import { defineRoute, parsePart, type MultipartDoc, type RouteSpec } from '../route-spec.ts';
import { MAX_PHOTOS_PER_REQUEST, type ServerContext } from '../server-context.ts';
import { faceImageUrl } from '../services/enrollment.service.ts';
import { PHOTO_FIELD, readUpload } from './photo-upload.ts';

const photos = { type: 'array', description: `One or more photos (JPEG, PNG or WebP), each showing the person alone; at most ${MAX_PHOTOS_PER_REQUEST}`, items: 'binary' } as const;
const ENROLL_FORM: MultipartDoc = {
  properties: { name: { type: 'string', description: 'Display name (1-200 characters)' }, notes: { type: 'string', description: 'Optional notes' }, [PHOTO_FIELD]: photos },
  required: ['name', PHOTO_FIELD],
};
const ADD_FORM: MultipartDoc = { properties: { [PHOTO_FIELD]: photos }, required: [PHOTO_FIELD] };

export function watchlistRoutes(ctx: ServerContext): RouteSpec[] {
  const judge = { maxPhotos: MAX_PHOTOS_PER_REQUEST, onPhoto: (photo: Parameters<typeof ctx.enrollment.judge>[0]) => ctx.enrollment.judge(photo) };
  return [
    defineRoute({
      method: 'GET',
      path: '/api/watchlist',
      summary: 'Every enrolled person with their faces, oldest first',
      tag: 'watchlist',
      responses: { 200: { description: 'Persons', schema: watchlistResponseSchema } },
      handler: async () => {
        const persons = await ctx.watchlist.listPersons();
        const faces = await Promise.all(persons.map((p) => ctx.watchlist.facesOf(p.id)));
        return {
          persons: persons.map(
            (p, i): PersonView => ({
              ...p,
              faces: faces[i]!.sort((a, b) => a.id.localeCompare(b.id)).map((f) => ({ id: f.id, personId: f.personId, quality: f.quality, imageUrl: faceImageUrl(f.imagePath) })),
            }),
          ),
        };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/watchlist',
      summary: 'Enrol a person from one or more photos, with feedback per photo',
      description:
        'Each photo must show exactly one usable face: the largest face is taken when every other face is much smaller (at most half its width); otherwise the photo is rejected with a code and a reason (NOT_AN_IMAGE, IMAGE_TOO_LARGE, IMAGE_TOO_SMALL, NO_FACE, SEVERAL_FACES, FACE_TOO_SMALL, FACE_TOO_BLURRY, FACE_TURNED_AWAY, FACE_UNCLEAR). The person is created only when at least one photo is usable (else 422 with `error.details.rejected`).',
      tag: 'watchlist',
      multipart: ENROLL_FORM,
      responses: {
        201: { description: 'Enrolled: the accepted faces and the rejected photos', schema: enrollResponseSchema },
        413: { description: `A photo over api.max_upload_bytes, or more than ${MAX_PHOTOS_PER_REQUEST} photos` },
        422: { description: 'No photo was usable; error.details.rejected says why for each', schema: errorBodySchema },
      },
      handler: async ({ request, reply }) => {
        const { fields, results } = await readUpload(request, { fields: ['name', 'notes'], ...judge });
        const enrolled = await ctx.enrollment.enroll(parsePart(enrollFieldsSchema, fields, 'form'), results);
        reply.status(201).header('location', `/api/watchlist/${enrolled.id}`);
        return enrolled;
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/watchlist/{id}/faces',
      summary: 'Add photos to an enrolled person, with feedback per photo',
      tag: 'watchlist',
      params: idParamsSchema,
      multipart: ADD_FORM,
      responses: {
        200: { description: 'The faces added and the rejected photos', schema: enrollResponseSchema },
        404: { description: 'No such person' },
        413: { description: `A photo over api.max_upload_bytes, or more than ${MAX_PHOTOS_PER_REQUEST} photos` },
        422: { description: 'No photo was usable; error.details.rejected says why for each', schema: errorBodySchema },
      },
      handler: async ({ params, request }) => {
        await ctx.enrollment.requirePerson(params.id); // before spending time on the photos
        const { results } = await readUpload(request, { fields: [], ...judge });
        return ctx.enrollment.addFaces(params.id, results);
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/api/watchlist/{id}',
      summary: 'Remove a person, their faces, gallery entries and face images',
      tag: 'watchlist',
      params: idParamsSchema,
      responses: { 200: { description: 'Removed', schema: removedPersonResponseSchema }, 404: { description: 'No such person' } },
      handler: async ({ params }) => {
        const removed = await ctx.watchlist.removePerson(params.id, { images: ctx.images });
        const sightingsUnlinked = await ctx.search.unlinkPerson(removed.personId);
        return { id: removed.personId, facesRemoved: removed.faceIds.length, imagesDeleted: removed.imagesDeleted, sightingsUnlinked };
      },
    }),
  ];
}
