// Reads photo uploads: multipart/form-data with `image` parts (and a few text fields), or, where a route
// allows it, one raw image body. Each photo is handed to `onPhoto` as it arrives, so one photo at a time is
// held in memory; a file over api.max_upload_bytes fails the whole request with 413.
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../api-error.ts';
import type { Photo } from '../services/enrollment.service.ts';

export const PHOTO_FIELD = 'image';

export interface UploadOptions<T> {
  /** Text fields the form may carry; any other is a 400. */
  fields: readonly string[];
  /** At most this many photos. */
  maxPhotos: number;
  onPhoto: (photo: Photo) => Promise<T>;
}

export async function readUpload<T>(request: FastifyRequest, options: UploadOptions<T>): Promise<{ fields: Record<string, string>; results: T[] }> {
  const fields: Record<string, string> = {};
  const results: T[] = [];
  if (!request.isMultipart()) {
    // A raw image body (the route allowed it; registerRoute checked the Content-Type).
    const bytes = request.body;
    if (!Buffer.isBuffer(bytes)) throw new ApiError(400, 'INVALID_REQUEST', 'the body is empty: send the photo bytes');
    results.push(await options.onPhoto({ file: 'body', bytes }));
    return { fields, results };
  }
  let index = 0;
  for await (const part of request.parts()) {
    if (part.type === 'file') {
      if (part.fieldname !== PHOTO_FIELD) {
        part.file.resume();
        throw new ApiError(400, 'INVALID_REQUEST', `unexpected file field "${part.fieldname}": send photos as "${PHOTO_FIELD}" parts`);
      }
      index++;
      if (index > options.maxPhotos) {
        part.file.resume();
        throw new ApiError(413, 'PAYLOAD_TOO_LARGE', `at most ${options.maxPhotos} photo(s) per request: send the others in another request`);
      }
      const bytes = await part.toBuffer();
      results.push(await options.onPhoto({ file: part.filename || `photo ${index}`, bytes }));
    } else {
      if (!options.fields.includes(part.fieldname)) {
        throw new ApiError(400, 'INVALID_REQUEST', `unexpected form field "${part.fieldname}"${options.fields.length ? `: allowed are ${options.fields.join(', ')} and "${PHOTO_FIELD}" files` : `: send only "${PHOTO_FIELD}" files`}`);
      }
      fields[part.fieldname] = String(part.value);
    }
  }
  return { fields, results };
}
