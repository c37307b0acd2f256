// The one error type of the HTTP layer, and the one mapping from every error a request can meet (ours,
// @argus/store's, @argus/vision's, Fastify's and its plugins') to a status and an `{error: {code, message}}` body.
import { isStoreError, type StoreErrorCode } from '@argus/store';
import { VideoError, type VideoErrorCode } from '@argus/video';
import { VisionError, type VisionErrorCode } from '@argus/vision';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface HttpError {
  status: number;
  code: string;
  message: string;
  details?: unknown;
  /** True when the cause is ours, not the client's: logged with a correlation id, message kept generic. */
  internal: boolean;
}

const STORE_STATUS: Record<StoreErrorCode, number> = {
  INVALID_ID: 400,
  INVALID_INPUT: 400,
  INVALID_CURSOR: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  TIMEOUT: 503,
  REDIS_UNAVAILABLE: 503,
  CORRUPT_ENTRY: 500,
  REDIS_SERVER_MISSING: 503,
  REDIS_SERVER_FAILED: 503,
};

const VISION_STATUS: Record<VisionErrorCode, number> = {
  IMAGE_UNREADABLE: 400,
  IMAGE_TOO_LARGE: 413,
  IMAGE_TOO_SMALL: 400,
  IMAGE_INVALID_RAW: 400,
  MODEL_MISSING: 503,
  MODEL_LOAD_FAILED: 503,
  EMBEDDING_INVALID: 500,
};

/** Video (clips and exports) codes that are the client's doing or a missing resource; the rest are 5xx. */
const VIDEO_STATUS: Partial<Record<VideoErrorCode, number>> = { INVALID_INPUT: 400, NO_RECORDING: 404, NOT_FOUND: 404, FFMPEG_MISSING: 503 };

/** Fastify and @fastify/multipart error codes -> our code, status and a message that says what to do. */
const FRAMEWORK: Record<string, { status: number; code: string; message: (maxUploadBytes: number) => string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'INVALID_JSON', message: () => 'the body is not valid JSON: check quotes, commas and brackets' },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    status: 400,
    code: 'INVALID_JSON',
    message: () => 'the body is empty but Content-Type says application/json: send a JSON object, or no Content-Type',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
    message: () => 'unsupported Content-Type: send application/json, or multipart/form-data for photo uploads',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'INVALID_REQUEST', message: () => 'Content-Length does not match the body' },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'PAYLOAD_TOO_LARGE', message: () => 'the body is too large: JSON bodies are limited to 1 MiB' },
  FST_REQ_FILE_TOO_LARGE: {
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
    message: (max) => `an uploaded file is larger than ${formatBytes(max)} (api.max_upload_bytes): downscale or recompress the photo`,
  },
  FST_FILES_LIMIT: { status: 413, code: 'PAYLOAD_TOO_LARGE', message: () => 'too many files in one request: send at most 20 photos at a time' },
  FST_PARTS_LIMIT: { status: 413, code: 'PAYLOAD_TOO_LARGE', message: () => 'too many form parts in one request' },
  FST_FIELDS_LIMIT: { status: 413, code: 'PAYLOAD_TOO_LARGE', message: () => 'too many form fields in one request' },
  FST_INVALID_MULTIPART_CONTENT_TYPE: {
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
    message: () => 'this endpoint takes multipart/form-data (photos as `image` parts)',
  },
  FST_PROTO_VIOLATION: { status: 400, code: 'INVALID_REQUEST', message: () => 'a form field name is not allowed' },
  FST_MP_PREMATURE_CLOSE: { status: 400, code: 'INVALID_REQUEST', message: () => 'the upload ended before the multipart body was complete' },
};

const STATUS_CODES: Record<number, string> = {
  400: 'INVALID_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  408: 'REQUEST_TIMEOUT',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'TOO_MANY_REQUESTS',
};

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${+(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${+(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}

export function toHttpError(err: unknown, maxUploadBytes: number): HttpError {
  if (err instanceof ApiError) return { status: err.status, code: err.code, message: err.message, details: err.details, internal: err.status >= 500 };
  if (isStoreError(err)) {
    const status = STORE_STATUS[err.code] ?? 500;
    return { status, code: err.code, message: err.message, internal: status >= 500 };
  }
  if (err instanceof VisionError) {
    const status = VISION_STATUS[err.code] ?? 500;
    return { status, code: err.code, message: err.message, internal: status >= 500 };
  }
  if (err instanceof VideoError) {
    const status = VIDEO_STATUS[err.code] ?? 500;
    return { status, code: err.code, message: err.message, internal: status >= 500 };
  }
  const e = err as { code?: unknown; statusCode?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const known = code !== undefined ? FRAMEWORK[code] : undefined;
  if (known) return { status: known.status, code: known.code, message: known.message(maxUploadBytes), internal: false };
  const status = typeof e?.statusCode === 'number' ? e.statusCode : 500;
  if (status >= 400 && status < 500) {
    return { status, code: STATUS_CODES[status] ?? `HTTP_${status}`, message: typeof e?.message === 'string' ? e.message : 'bad request', internal: false };
  }
  return { status: 500, code: 'INTERNAL', message: 'unexpected server error', internal: true };
}
