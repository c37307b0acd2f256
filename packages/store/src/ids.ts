// Ids of persons, faces and images: random UUIDs (crypto.randomUUID, 36 chars), chosen over a sortable id
// because nothing sorts by id (persons sort by `created`, alerts and sightings use their stream ids).
// Every id that becomes part of a Redis key or a file name passes `assertId` first.
import { randomUUID } from 'node:crypto';
import { StoreError } from './store-error.ts';

const ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

/** A new person, face or image id. */
export const newId = (): string => randomUUID();

export const isValidId = (id: unknown): id is string => typeof id === 'string' && ID_PATTERN.test(id);

/** Throws INVALID_ID unless `id` is 1-128 characters of [A-Za-z0-9_-]: safe in a key and as a file name. */
export function assertId(id: unknown, what = 'id'): string {
  if (isValidId(id)) return id;
  const shown = typeof id === 'string' ? JSON.stringify(id.length > 40 ? `${id.slice(0, 40)}...` : id) : typeof id;
  throw new StoreError('INVALID_ID', `${what} ${shown} is not valid: use 1-128 characters of A-Z, a-z, 0-9, "_" and "-"`);
}
