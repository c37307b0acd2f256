import { StoreError } from '@argus/store';
import { VisionError } from '@argus/vision';
import { describe, expect, it } from 'vitest';
import { ApiError, toHttpError } from './api-error.ts';

const MAX = 10 * 1024 * 1024;

describe('toHttpError', () => {
  it('keeps an ApiError as it is', () => {
    expect(toHttpError(new ApiError(422, 'NO_USABLE_PHOTO', 'none', { rejected: [] }), MAX)).toEqual({
      status: 422,
      code: 'NO_USABLE_PHOTO',
      message: 'none',
      details: { rejected: [] },
      internal: false,
    });
  });

  it('maps store and vision codes to statuses', () => {
    expect(toHttpError(new StoreError('NOT_FOUND', 'gone'), MAX)).toMatchObject({ status: 404, code: 'NOT_FOUND', message: 'gone' });
    expect(toHttpError(new StoreError('INVALID_ID', 'bad id'), MAX)).toMatchObject({ status: 400 });
    expect(toHttpError(new StoreError('REDIS_UNAVAILABLE', 'down'), MAX)).toMatchObject({ status: 503, internal: true });
    expect(toHttpError(new VisionError('IMAGE_TOO_LARGE', 'big'), MAX)).toMatchObject({ status: 413, code: 'IMAGE_TOO_LARGE' });
    expect(toHttpError(new VisionError('IMAGE_UNREADABLE', 'junk'), MAX)).toMatchObject({ status: 400 });
  });

  it('maps framework errors by code, with a message naming the limit', () => {
    const tooLarge = Object.assign(new Error('request file too large'), { code: 'FST_REQ_FILE_TOO_LARGE', statusCode: 413 });
    expect(toHttpError(tooLarge, MAX)).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    expect(toHttpError(tooLarge, MAX).message).toContain('10 MiB');
    const json = Object.assign(new SyntaxError('Unexpected token'), { code: 'FST_ERR_CTP_INVALID_JSON_BODY', statusCode: 400 });
    expect(toHttpError(json, MAX)).toMatchObject({ status: 400, code: 'INVALID_JSON' });
    const media = Object.assign(new Error('Unsupported Media Type'), { code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415 });
    expect(toHttpError(media, MAX)).toMatchObject({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
  });

  it('turns anything unknown into an internal 500 that reveals nothing', () => {
    const result = toHttpError(new TypeError("Cannot read properties of undefined (reading 'x')"), MAX);
    expect(result).toEqual({ status: 500, code: 'INTERNAL', message: 'unexpected server error', internal: true });
  });
});
