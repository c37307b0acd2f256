// Streams a file from disk with HTTP Range support (one range; a multi-range request gets the first), so a
// browser's <video> can seek in a clip without downloading all of it.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { FastifyReply, FastifyRequest } from 'fastify';
import parseRange from 'range-parser';
import { ApiError } from '../api-error.ts';

export interface FileResponse {
  path: string;
  contentType: string;
  /** Sent as Content-Disposition: attachment with this name (ASCII only; it never comes from user input). */
  downloadName?: string;
  /** Cache-Control; default no-store. */
  cacheControl?: string;
}

export type ByteRange = { start: number; end: number } | 'unsatisfiable' | 'whole';

/** The byte range a Range header asks for within a file of `size` bytes. Pure: unit-tested. */
export function requestedRange(header: string | undefined, size: number): ByteRange {
  if (!header) return 'whole';
  const ranges = parseRange(size, header, { combine: true });
  if (ranges === -1) return 'unsatisfiable';
  if (ranges === -2 || ranges.type !== 'bytes' || ranges.length === 0) return 'whole'; // malformed: ignore (RFC 9110)
  const [first] = ranges;
  return { start: first!.start, end: first!.end };
}

export async function sendFile(request: FastifyRequest, reply: FastifyReply, file: FileResponse): Promise<FastifyReply> {
  const info = await stat(file.path).catch(() => null);
  if (!info?.isFile()) throw new ApiError(404, 'NOT_FOUND', 'the file is gone (removed by retention or by an operator): request it again');
  const size = info.size;
  reply
    .header('accept-ranges', 'bytes')
    .header('cache-control', file.cacheControl ?? 'no-store')
    .header('last-modified', info.mtime.toUTCString())
    .type(file.contentType);
  if (file.downloadName) reply.header('content-disposition', `attachment; filename="${file.downloadName}"`);
  const range = requestedRange(request.headers.range, size);
  if (range === 'unsatisfiable') {
    return reply
      .status(416)
      .type('application/json')
      .header('content-range', `bytes */${size}`)
      .send({ error: { code: 'RANGE_NOT_SATISFIABLE', message: `the file has ${size} bytes: ask for a range within bytes 0-${size - 1}` } });
  }
  if (range === 'whole') {
    reply.header('content-length', size);
    return request.method === 'HEAD' ? reply.send() : reply.send(createReadStream(file.path));
  }
  reply.status(206).header('content-range', `bytes ${range.start}-${range.end}/${size}`).header('content-length', range.end - range.start + 1);
  return request.method === 'HEAD' ? reply.send() : reply.send(createReadStream(file.path, { start: range.start, end: range.end }));
}
