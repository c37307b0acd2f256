// `argus enroll --name <name> [--notes ..] <photo...>`: one multipart POST /api/watchlist; prints every accepted
// face and every rejected file with the server's reason.
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { enrollResponseSchema, rejectedPhotoSchema, type EnrollResponse, type RejectedPhoto } from '@argus/protocol';
import { CliError, type ApiClient } from './api-client.ts';

export interface EnrollOptions {
  client: ApiClient;
  name: string;
  notes?: string;
  files: string[];
  json: boolean;
  out: (line: string) => void;
  err: (line: string) => void;
}

const MEDIA_TYPES: Record<string, string> = { '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.png': 'image/png', '.webp': 'image/webp' };

/** Returns the exit code: 0 when at least one face was enrolled, 1 otherwise. */
export async function runEnroll(opts: EnrollOptions): Promise<number> {
  const form = new FormData();
  form.append('name', opts.name);
  if (opts.notes !== undefined) form.append('notes', opts.notes);
  const sent: string[] = [];
  for (const file of opts.files) {
    try {
      const bytes = await readFile(file);
      const type = MEDIA_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
      form.append('image', new Blob([bytes], { type }), basename(file));
      sent.push(file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      opts.err(`${file}: cannot read it (${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory, not a photo' : (err as Error).message}); skipped`);
    }
  }
  if (sent.length === 0) throw new CliError('FILE_NOT_FOUND', 'none of the photos could be read: check the paths');

  let result: EnrollResponse;
  try {
    result = await opts.client.request('POST', '/api/watchlist', { form, schema: enrollResponseSchema });
  } catch (err) {
    if (err instanceof CliError && err.apiCode === 'NO_USABLE_PHOTO') {
      const rejected = rejectedPhotoSchema.array().safeParse((err.details as { rejected?: unknown } | undefined)?.rejected);
      if (opts.json) opts.out(JSON.stringify({ error: { code: err.apiCode, message: err.message }, rejected: rejected.data ?? [] }));
      else {
        opts.err(`${opts.name} was not enrolled: no photo was usable`);
        for (const r of rejected.data ?? []) opts.out(rejectedLine(r, sent));
      }
      return 1;
    }
    throw err;
  }
  if (opts.json) {
    opts.out(JSON.stringify(result));
    return result.faces.length > 0 ? 0 : 1;
  }
  opts.out(`enrolled ${result.name} (person ${result.id}): ${result.faces.length} face${result.faces.length === 1 ? '' : 's'} accepted, ${result.rejected.length} rejected`);
  // The server keeps the upload order and names rejected files: the accepted faces are the other files, in order.
  const rejectedNames = result.rejected.map((r) => r.file);
  const acceptedFiles = sent.filter((file) => {
    const i = rejectedNames.indexOf(basename(file));
    if (i === -1) return true;
    rejectedNames.splice(i, 1);
    return false;
  });
  const named = acceptedFiles.length === result.faces.length;
  result.faces.forEach((face, i) => {
    opts.out(`  accepted  ${named ? `${acceptedFiles[i]}  ` : ''}face ${face.id}  quality ${face.quality.toFixed(2)}`);
  });
  for (const r of result.rejected) opts.out(rejectedLine(r, sent));
  return result.faces.length > 0 ? 0 : 1;
}

function rejectedLine(r: RejectedPhoto, sent: string[]): string {
  const path = sent.find((file) => basename(file) === r.file) ?? r.file;
  return `  rejected  ${path}  ${r.code}: ${r.reason}`;
}
