// The /alerts history query: filters plus an exclusive upper bound (a page cursor or the "To" time).
import type { AlertQuery } from './api-client.ts';
import { parseLocalDateTime } from './display-format.ts';
import { compareStreamIds, streamIdAfterMs } from './stream-id.ts';

export const PAGE_SIZE = 50;

export interface AlertFilters {
  camera: string;
  person: string;
  /** datetime-local values ("2026-11-25T10:05"), '' for none */
  from: string;
  to: string;
}

export const noFilters: AlertFilters = { camera: '', person: '', from: '', to: '' };

export function pageQuery(filters: AlertFilters, cursor: string | undefined, limit = PAGE_SIZE): AlertQuery {
  const from = parseLocalDateTime(filters.from);
  const to = parseLocalDateTime(filters.to);
  let before = cursor;
  if (to !== undefined) {
    // "To" includes the whole minute shown; alert ids are "<ms>-<seq>", so an id bound is a time bound.
    const toBound = streamIdAfterMs(to + 59_999);
    if (before === undefined || compareStreamIds(toBound, before) < 0) before = toBound;
  }
  return { camera: filters.camera || undefined, person: filters.person || undefined, since: from, before, limit };
}

/** A message when the range is impossible, else undefined. */
export function filtersError(filters: AlertFilters): string | undefined {
  const from = parseLocalDateTime(filters.from);
  const to = parseLocalDateTime(filters.to);
  if (from !== undefined && to !== undefined && from > to) return '"From" is after "To": swap them or clear one';
  return undefined;
}
