// "Has this person been here before?": search the sightings by photo or by enrolled person, and erase a
// person's sightings on request.
import {
  errorBodySchema,
  searchBodySchema,
  searchFormSchema,
  searchResponseSchema,
  sightingsEraseQuerySchema,
  sightingsEraseResponseSchema,
  type SearchResponse,
} from '@argus/protocol';
import { ApiError } from '../api-error.ts';
import { defineRoute, parsePart, type RouteSpec } from '../route-spec.ts';
import type { ServerContext } from '../server-context.ts';
import { chooseSearchFace } from '../services/enrollment.service.ts';
import { DEFAULT_SEARCH_LIMIT, type FoundSighting, type SightingQueryInput } from '../services/sighting-search.service.ts';
import { PHOTO_FIELD, readUpload } from './photo-upload.ts';

const clipUrl = (camera: string, start: number, end: number): string => `/api/clips/${camera}?from=${Math.floor(start)}&to=${Math.ceil(end)}`;

function toSearchResult({ sighting, score, person }: FoundSighting): SearchResponse['results'][number] {
  return {
    sightingId: sighting.id,
    camera: sighting.camera,
    start: sighting.start,
    end: sighting.end,
    score: Number(score.toFixed(4)),
    ...(person ? { person } : {}),
    ...(sighting.thumbPath ? { thumbUrl: `/api/images/${sighting.thumbPath}` } : {}),
    clipUrl: clipUrl(sighting.camera, sighting.start, sighting.end),
  };
}

export function searchRoutes(ctx: ServerContext): RouteSpec[] {
  return [
    defineRoute({
      method: 'POST',
      path: '/api/search',
      summary: 'Find the recorded sightings of a face: by photo or by enrolled person',
      description:
        'Multipart with one `image` (the largest good-quality face in it is searched; 422 NO_FACE or a quality code when there is none) and optional fields `from`, `to` (ms or ISO 8601), `cameras` (comma-separated ids), `minScore`, `limit`; or JSON `{personId, from?, to?, cameras?, minScore?, limit?}` to search with every enrolled face of a watchlist person. Unknown people are found too: every face track is a sighting. Results are ranked by cosine similarity; `clipUrl` plays the recorded video of each.',
      tag: 'search',
      body: searchBodySchema,
      multipart: {
        properties: {
          [PHOTO_FIELD]: { type: 'string', description: 'A photo of the face to look for (JPEG, PNG or WebP)', binary: true },
          from: { type: 'string', description: 'Earliest time (ms since epoch or ISO 8601)' },
          to: { type: 'string', description: 'Latest time (ms since epoch or ISO 8601)' },
          cameras: { type: 'string', description: 'Comma-separated camera ids (default: all)' },
          minScore: { type: 'string', description: 'Least similarity, -1..1 (default: none)' },
          limit: { type: 'string', description: `Results at most (default ${DEFAULT_SEARCH_LIMIT}, at most search.max_results)` },
        },
        required: [PHOTO_FIELD],
      },
      responses: {
        200: { description: 'Sightings, best first', schema: searchResponseSchema },
        404: { description: 'No such person (JSON form)' },
        422: { description: 'The photo has no usable face', schema: errorBodySchema },
        503: { description: 'The sightings index is still loading' },
      },
      handler: async ({ body, request }): Promise<SearchResponse> => {
        const started = performance.now();
        let query: SightingQueryInput;
        if (request.isMultipart()) {
          const { fields, results } = await readUpload(request, {
            fields: ['from', 'to', 'cameras', 'minScore', 'limit'],
            maxPhotos: 1,
            onPhoto: (photo) => ctx.enrollment.judgeWith(photo, chooseSearchFace),
          });
          const form = parsePart(searchFormSchema, fields, 'form');
          const verdict = results[0];
          if (!verdict) throw new ApiError(400, 'INVALID_REQUEST', `no photo received: send it as an "${PHOTO_FIELD}" part, or send JSON {"personId": ...}`);
          if (!verdict.ok) throw new ApiError(verdict.code === 'NOT_AN_IMAGE' ? 400 : 422, verdict.code, `${verdict.file}: ${verdict.reason}`);
          query = { ...form, embeddings: [verdict.face.embedding] };
          ctx.metrics.searches.inc({ by: 'photo' });
        } else {
          const person = await ctx.watchlist.getPerson(body.personId);
          if (!person) throw new ApiError(404, 'NOT_FOUND', `person ${body.personId} does not exist: list people with GET /api/watchlist, or search by photo`);
          const faces = await ctx.watchlist.facesOf(person.id);
          if (faces.length === 0) throw new ApiError(422, 'NO_FACE', `${person.name} has no enrolled faces: add photos with POST /api/watchlist/${person.id}/faces`);
          query = { ...body, embeddings: faces.map((f) => f.embedding) };
          ctx.metrics.searches.inc({ by: 'person' });
        }
        const found = await ctx.search.search(query);
        return {
          results: found.map(toSearchResult),
          searched: { faces: query.embeddings.length, sightings: ctx.search.size, ms: Math.round(performance.now() - started) },
        };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/api/sightings',
      summary: "Erasure: remove every sighting matched to a person, with its thumbnail",
      description:
        'For erasure requests. Removes the sightings that were matched to `person` (whether or not the person is still enrolled), deletes their thumbnails and drops them from the search index. Recorded video is not touched: it ages out under retention.',
      tag: 'search',
      query: sightingsEraseQuerySchema,
      responses: { 200: { description: 'What was removed', schema: sightingsEraseResponseSchema } },
      handler: async ({ query }) => {
        const erased = await ctx.search.erasePerson(query.person);
        return { person: query.person, ...erased };
      },
    }),
  ];
}
