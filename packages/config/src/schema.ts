// The shape of Argus configuration. Values come from config/default.yaml (the one place for defaults);
// this schema only checks them, strictly, so a typo is an error and never a silently ignored key.
import { z } from 'zod';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export const EXECUTION_PROVIDERS = ['cuda', 'cpu'] as const;
export const DETECTOR_MODELS = ['ultraface', 'mediapipe-short', 'mediapipe-full'] as const;

const unit = z.number().min(0).max(1);
const positiveInt = z.number().int().positive();

export const cameraSchema = z.strictObject({
  url: z.string().regex(/^(rtsps?|rtmp|https?|file):\/\/\S+$/, 'must be a camera URL such as rtsp://host:554/stream'),
  name: z.string().min(1).optional(),
  analysisFps: z.number().positive().max(30).default(5),
  record: z.boolean().default(true),
});

export const cameraIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'camera ids use lowercase letters, digits, "-" and "_" (at most 63)');

export const configSchema = z.strictObject({
  paths: z.strictObject({ data: z.string().min(1), models: z.string().min(1), fixtures: z.string().min(1) }),
  log: z.strictObject({ level: z.enum(LOG_LEVELS) }),
  redis: z.strictObject({ url: z.string() }),
  api: z.strictObject({
    host: z.string().min(1),
    port: z.number().int().min(0).max(65535),
    maxUploadBytes: positiveInt,
  }),
  auth: z.strictObject({ adminToken: z.string() }),
  dashboard: z.strictObject({
    host: z.string().min(1),
    port: z.number().int().min(0).max(65535),
    apiUrl: z.union([z.literal(''), z.url({ protocol: /^https?$/ })]),
  }),
  inference: z.strictObject({
    providers: z.array(z.enum(EXECUTION_PROVIDERS)).min(1),
    intraOpThreads: positiveInt.max(64),
    allowSpinning: z.boolean(),
  }),
  detection: z.strictObject({
    model: z.enum(DETECTOR_MODELS),
    inputWidth: positiveInt,
    inputHeight: positiveInt,
    scoreThreshold: unit,
    nmsIou: unit,
    minFacePx: z.number().min(0),
    maxImagePx: positiveInt,
  }),
  quality: z.strictObject({
    goodFacePx: z.number().positive(),
    goodBlur: z.number().positive(),
    maxYaw: z.number().positive().max(1),
    minEnroll: unit,
  }),
  recognition: z
    .strictObject({
      match: z.number().min(-1).max(1),
      unknown: z.number().min(-1).max(1),
      margin: z.number().min(0).max(2),
      topK: positiveInt.max(1000),
    })
    .refine((r) => r.unknown <= r.match, { message: 'unknown must not exceed match', path: ['unknown'] }),
  ingest: z.strictObject({
    metricsPort: z.number().int().min(0).max(65535),
    analysisWidth: positiveInt.max(3840),
    stallTimeoutMs: positiveInt,
    statusIntervalMs: positiveInt,
    liveViewFps: z.number().positive().max(30),
    leaseTtlMs: positiveInt,
    queueCapacity: positiveInt.max(100),
  }),
  tracking: z.strictObject({
    iouThreshold: unit,
    confirmHits: positiveInt,
    closeAfterMs: positiveInt,
    maxAttemptsPerTrack: positiveInt,
    reembedIntervalMs: z.number().int().min(0),
  }),
  embedding: z.strictObject({
    maxBatch: positiveInt.max(256),
    maxWaitMs: z.number().min(0),
    maxPending: positiveInt,
  }),
  alerts: z.strictObject({ cooldownMs: z.number().int().min(0) }),
  cameras: z.record(cameraIdSchema, cameraSchema),
  clips: z.strictObject({
    preRollS: z.number().min(0).max(60),
    postRollS: z.number().min(0).max(60),
    maxWindowS: z.number().positive(),
  }),
  search: z.strictObject({
    partitionHours: z.number().positive(),
    efSearch: positiveInt.max(10_000),
    exactBelow: z.number().int().min(0),
    threads: positiveInt.max(64),
    snapshotIntervalS: z.number().min(0),
    maxResults: positiveInt.max(10_000),
  }),
  retention: z.strictObject({
    recordingsHours: z.number().positive(),
    sightingsDays: z.number().positive(),
    diskBudgetGb: z.number().positive(),
    sweepIntervalS: z.number().positive(),
  }),
});

export type ArgusConfig = z.infer<typeof configSchema>;
export type CameraConfig = z.infer<typeof cameraSchema>;
export type ExecutionProvider = (typeof EXECUTION_PROVIDERS)[number];
export type DetectorModel = (typeof DETECTOR_MODELS)[number];
