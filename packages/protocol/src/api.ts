// Bodies, queries and responses of the REST API and the messages of the /ws WebSocket, as zod schemas.
// The api app validates with them and generates /api/openapi.json from them; the dashboard parses with them.
import { z } from 'zod';
import { alertSchema, boxSchema, cameraStatusSchema, personSchema } from './domain.ts';

// ---------------------------------------------------------------- errors

export const errorBodySchema = z
  .object({
    error: z.object({
      /** Stable, machine-readable: NOT_FOUND, UNAUTHORIZED, INVALID_REQUEST, ... */
      code: z.string(),
      /** Says what went wrong and what to do next. */
      message: z.string(),
      /** Present on 500s: quote it when reporting the problem; the server log has the same id. */
      correlationId: z.string().optional(),
      /** Extra structured detail (e.g. the rejected photos of an enrolment in which none was usable). */
      details: z.unknown().optional(),
    }),
  });
export type ErrorBody = z.infer<typeof errorBodySchema>;

// ---------------------------------------------------------------- shared pieces

/** Ids of persons and faces (and image files): what @argus/store accepts in a key or a file name. */
export const idSchema = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'ids are 1-128 characters of A-Z, a-z, 0-9, "_" and "-"');
/** Redis stream id: alert ids and the WebSocket resume cursor ("0" for the beginning). */
export const streamIdSchema = z.string().regex(/^\d{1,20}(-\d{1,20})?$/, 'must be a stream id such as "1732540000000-0" ("0" for the beginning)');
export const cameraIdSchema = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'camera ids use lowercase letters, digits, "-" and "_" (at most 63)');

/** "1", "true", "yes" -> true; "0", "false", "no", absent -> false. Query strings carry no booleans. */
const queryFlag = z
  .enum(['0', '1', 'true', 'false', 'yes', 'no'])
  .optional()
  .transform((v) => v === '1' || v === 'true' || v === 'yes');

/** A query-string integer within bounds. */
const queryInt = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

/** A point in time as ms since epoch (number or digits) or an ISO 8601 string; always ms after parsing. */
export const timeSchema = z
  .union([z.number(), z.string()])
  .refine((v) => (typeof v === 'number' ? Number.isFinite(v) && v >= 0 : /^\d{1,15}$/.test(v) || (/^\d{4}-\d{2}-\d{2}/.test(v) && !Number.isNaN(Date.parse(v)))), {
    message: 'must be ms since epoch or an ISO 8601 time such as 2026-11-25T16:09:42Z',
  })
  .transform((v) => (typeof v === 'number' ? v : /^\d+$/.test(v) ? Number(v) : Date.parse(v)));

export const idParamsSchema = z.object({ id: idSchema });
export const cameraParamsSchema = z.object({ id: cameraIdSchema });
export const alertParamsSchema = z.object({ id: streamIdSchema });

// ---------------------------------------------------------------- health, config

export const healthResponseSchema = z
  .object({
    status: z.enum(['ok', 'degraded']),
    redis: z.enum(['up', 'down']),
    uptimeS: z.number(),
    version: z.string(),
  });
export type HealthResponse = z.infer<typeof healthResponseSchema>;

/** The thresholds a client may want to show or reason about; secrets (admin token, Redis URL) are never included. */
export const configResponseSchema = z
  .object({
    recognition: z.object({ match: z.number(), unknown: z.number(), margin: z.number(), topK: z.number() }),
    quality: z.object({ goodFacePx: z.number(), goodBlur: z.number(), maxYaw: z.number(), minEnroll: z.number() }),
    detection: z.object({ model: z.string(), scoreThreshold: z.number(), minFacePx: z.number(), maxImagePx: z.number() }),
    alerts: z.object({ cooldownMs: z.number() }),
    ingest: z.object({ liveViewFps: z.number() }),
    api: z.object({ maxUploadBytes: z.number() }),
    retention: z.object({ recordingsHours: z.number(), sightingsDays: z.number() }),
  });
export type ConfigResponse = z.infer<typeof configResponseSchema>;

// ---------------------------------------------------------------- cameras

export const cameraInputSchema = z
  .strictObject({
    id: cameraIdSchema,
    url: z.string().regex(/^(rtsps?|rtmp|https?|file):\/\/\S+$/, 'must be a camera URL such as rtsp://host:554/stream'),
    name: z.string().min(1).max(200).optional(),
    analysisFps: z.number().positive().max(30).default(5),
    record: z.boolean().default(true),
  });
export type CameraInput = z.input<typeof cameraInputSchema>;

export const cameraViewSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    name: z.string().optional(),
    analysisFps: z.number(),
    record: z.boolean(),
    /** "config": defined in the config file (remove it there); "api": added at run time. */
    source: z.enum(['config', 'api']),
    /** Live status from the ingest worker; null when no worker reported within a few seconds. */
    status: cameraStatusSchema.nullable(),
  });
export type CameraView = z.infer<typeof cameraViewSchema>;

export const cameraListResponseSchema = z.object({ cameras: z.array(cameraViewSchema) });

// ---------------------------------------------------------------- watchlist

export const enrolledFaceViewSchema = z
  .object({
    id: z.string(),
    personId: z.string(),
    quality: z.number(),
    /** The aligned 112x112 face crop, e.g. /api/images/faces/<id>.jpg (needs the token). */
    imageUrl: z.string().optional(),
  });
export type EnrolledFaceView = z.infer<typeof enrolledFaceViewSchema>;

export const ENROLL_REJECTIONS = [
  'NOT_AN_IMAGE',
  'IMAGE_TOO_LARGE',
  'IMAGE_TOO_SMALL',
  'NO_FACE',
  'SEVERAL_FACES',
  'FACE_TOO_SMALL',
  'FACE_TOO_BLURRY',
  'FACE_TURNED_AWAY',
  'FACE_UNCLEAR',
] as const;
export type EnrollRejectionCode = (typeof ENROLL_REJECTIONS)[number];

export const rejectedPhotoSchema = z
  .object({
    /** The uploaded file name, as the client sent it (never used on disk). */
    file: z.string(),
    code: z.enum(ENROLL_REJECTIONS),
    /** Human-readable: what is wrong with the photo and what to do. */
    reason: z.string(),
  });
export type RejectedPhoto = z.infer<typeof rejectedPhotoSchema>;

export const personViewSchema = personSchema.extend({ faceCount: z.number().int(), faces: z.array(enrolledFaceViewSchema) });
export type PersonView = z.infer<typeof personViewSchema>;

export const watchlistResponseSchema = z.object({ persons: z.array(personViewSchema) });

export const enrollResponseSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    faces: z.array(enrolledFaceViewSchema),
    rejected: z.array(rejectedPhotoSchema),
  });
export type EnrollResponse = z.infer<typeof enrollResponseSchema>;

/** Text fields of the multipart enrolment form (files come as `image` parts). */
export const enrollFieldsSchema = z.object({
  name: z.string().trim().min(1, 'name is required').max(200),
  notes: z.string().max(2000).optional(),
});

export const removedPersonResponseSchema = z.object({
  id: z.string(),
  facesRemoved: z.number().int(),
  imagesDeleted: z.number().int(),
  /** Sightings that were matched to the person and no longer name them (erase them with DELETE /api/sightings?person=). */
  sightingsUnlinked: z.number().int(),
});

// ---------------------------------------------------------------- faces

export const detectQuerySchema = z.object({ embed: queryFlag });

export const detectedFaceSchema = z
  .object({
    box: boxSchema,
    score: z.number(),
    /** Five points: left eye, right eye, nose tip, left and right mouth corners, in image pixels. */
    landmarks: z.array(z.tuple([z.number(), z.number()])),
    quality: z.object({ score: z.number(), sizePx: z.number(), blur: z.number(), yaw: z.number(), detectorScore: z.number() }),
    /** 512 floats, L2-normalised; only with ?embed=1. */
    embedding: z.array(z.number()).optional(),
  });
export type DetectedFace = z.infer<typeof detectedFaceSchema>;

export const detectResponseSchema = z.object({ width: z.number().int(), height: z.number().int(), faces: z.array(detectedFaceSchema) });
export type DetectResponse = z.infer<typeof detectResponseSchema>;

// ---------------------------------------------------------------- alerts

export const alertsQuerySchema = z.object({
  camera: cameraIdSchema.optional(),
  person: idSchema.optional(),
  since: timeSchema.optional(),
  /** Paging: only alerts older than this alert id (the last id of the previous page). */
  before: streamIdSchema.optional(),
  limit: queryInt(1, 1000).optional(),
});
export type AlertsQuery = z.output<typeof alertsQuerySchema>;

export const alertAckSchema = z.object({ by: z.string(), at: z.number() });
export const storedAlertSchema = alertSchema.extend({ ack: alertAckSchema.optional() });
export const alertListResponseSchema = z.object({ alerts: z.array(storedAlertSchema) });

export const ackBodySchema = z.strictObject({ by: z.string().trim().min(1).max(200).optional() });
export const ackResponseSchema = z.object({ id: z.string(), ack: alertAckSchema });

// ---------------------------------------------------------------- WebSocket /ws

export const liveFaceViewSchema = z.object({
  box: boxSchema,
  trackId: z.string().optional(),
  personId: z.string().optional(),
  personName: z.string().optional(),
});

/** What the server sends. */
export const wsServerMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('alert'), alert: alertSchema }),
  z.object({ type: z.literal('camera'), status: cameraStatusSchema.nullable(), camera: z.string() }),
  z.object({ type: z.literal('faces'), camera: z.string(), ts: z.number(), faces: z.array(liveFaceViewSchema) }),
  /** After a resume: every missed alert has been sent; `last` is the newest id replayed (absent when none). */
  z.object({ type: z.literal('resumed'), after: z.string(), count: z.number().int(), last: z.string().optional() }),
  z.object({ type: z.literal('pong') }),
  z.object({ type: z.literal('error'), code: z.string(), message: z.string() }),
]);
export type WsServerMessage = z.infer<typeof wsServerMessageSchema>;

/** What a client may send. */
export const wsClientMessageSchema = z.discriminatedUnion('type', [
  /** Replay every alert after this id (the last one the client saw), in order, before live ones. */
  z.object({ type: z.literal('resume'), after: streamIdSchema }),
  /** Application-level ping for clients that cannot see WebSocket pings (browsers). */
  z.object({ type: z.literal('ping') }),
]);
export type WsClientMessage = z.infer<typeof wsClientMessageSchema>;

// ---------------------------------------------------------------- search, sightings, clips, exports

const window = { from: timeSchema.optional(), to: timeSchema.optional() };
const fromBeforeTo: [(q: { from?: number | undefined; to?: number | undefined }) => boolean, { message: string; path: string[] }] = [
  (q) => q.from === undefined || q.to === undefined || q.from < q.to,
  { message: '"from" must be before "to"', path: ['to'] },
];

/** JSON form of POST /api/search (the multipart form carries the same fields as strings, plus `image`). */
export const searchBodySchema = z
  .strictObject({
    personId: idSchema,
    ...window,
    cameras: z.array(cameraIdSchema).max(256).optional(),
    minScore: z.number().min(-1).max(1).optional(),
    limit: z.number().int().min(1).max(10_000).optional(),
  })
  .refine(...fromBeforeTo);
export type SearchBody = z.output<typeof searchBodySchema>;

/** Text fields of the multipart form of POST /api/search. */
export const searchFormSchema = z
  .strictObject({
  ...window,
  cameras: z
    .string()
    .optional()
    .transform((s) => (s ? s.split(',').map((c) => c.trim()).filter(Boolean) : undefined))
    .pipe(z.array(cameraIdSchema).max(256).optional()),
  minScore: z.string().regex(/^-?\d+(\.\d+)?$/, 'must be a number such as 0.3').transform(Number).pipe(z.number().min(-1).max(1)).optional(),
  limit: queryInt(1, 10_000).optional(),
  })
  .refine(...fromBeforeTo);

export const searchResultSchema = z.object({
  sightingId: z.string(),
  camera: z.string(),
  start: z.number(),
  end: z.number(),
  score: z.number(),
  /** The watchlist person the track was matched to when it was seen, while that person is still enrolled. */
  person: z.object({ id: z.string(), name: z.string() }).optional(),
  thumbUrl: z.string().optional(),
  /** The recorded video of the sighting, padded by clips.pre_roll_s / post_roll_s. */
  clipUrl: z.string(),
});
export type SearchResult = z.infer<typeof searchResultSchema>;

export const searchResponseSchema = z.object({
  results: z.array(searchResultSchema),
  searched: z.object({
    /** Query faces used: 1 for a photo, the enrolled faces of a person. */
    faces: z.number().int(),
    /** Sightings in the index when the search ran. */
    sightings: z.number().int(),
    ms: z.number(),
  }),
});
export type SearchResponse = z.infer<typeof searchResponseSchema>;

export const clipParamsSchema = z.object({ camera: cameraIdSchema });
export const clipQuerySchema = z
  .object({ from: timeSchema, to: timeSchema, download: queryFlag })
  .refine(...fromBeforeTo);

export const exportBodySchema = z
  .strictObject({ camera: cameraIdSchema, from: timeSchema, to: timeSchema, name: z.string().trim().max(200).optional() })
  .refine(...fromBeforeTo);

export const exportViewSchema = z.object({
  id: z.string(),
  camera: z.string(),
  from: z.number(),
  to: z.number(),
  name: z.string().optional(),
  bytes: z.number().int(),
  durationS: z.number(),
  createdAt: z.number(),
  /** Download (Range supported). */
  url: z.string(),
});
export type ExportView = z.infer<typeof exportViewSchema>;
export const exportListResponseSchema = z.object({ exports: z.array(exportViewSchema) });

export const sightingsEraseQuerySchema = z.object({ person: idSchema });
export const sightingsEraseResponseSchema = z.object({ person: z.string(), sightingsRemoved: z.number().int(), thumbsDeleted: z.number().int() });
