// The /search form as api requests: a photo goes as multipart (fields as strings), a person as JSON.
import { parseLocalDateTime } from './display-format.ts';
import type { SearchByPerson } from './api-client.ts';

export interface SearchFormValues {
  personId: string;
  /** datetime-local values, '' for none */
  from: string;
  to: string;
  cameras: readonly string[];
  /** '' for none */
  minScore: string;
}

export type SearchFormErrors = Partial<Record<'target' | 'range' | 'minScore', string>>;

export const SEARCH_LIMIT = 100;

export interface SearchFilters {
  from?: number | undefined;
  to?: number | undefined;
  cameras?: string[] | undefined;
  minScore?: number | undefined;
}

/** Checks the form; returns the filters both request kinds share, or the problems to show. */
export function searchFilters(values: SearchFormValues, hasPhoto: boolean): { filters: SearchFilters } | { errors: SearchFormErrors } {
  const errors: SearchFormErrors = {};
  if (!hasPhoto && values.personId === '') errors.target = 'Choose a photo or a person to search for';
  const from = parseLocalDateTime(values.from);
  const to = parseLocalDateTime(values.to);
  if (from !== undefined && to !== undefined && from >= to) errors.range = '"From" must be before "To"';
  let minScore: number | undefined;
  if (values.minScore.trim() !== '') {
    minScore = Number(values.minScore);
    if (!Number.isFinite(minScore) || minScore < -1 || minScore > 1) errors.minScore = 'Min score is a similarity between -1 and 1, e.g. 0.3';
  }
  if (Object.keys(errors).length > 0) return { errors };
  return { filters: { from, to, cameras: values.cameras.length > 0 ? [...values.cameras] : undefined, minScore } };
}

export function personSearchBody(personId: string, filters: SearchFilters): SearchByPerson {
  return { personId, ...definedOnly(filters), limit: SEARCH_LIMIT };
}

/** Multipart form fields of a photo search (the api parses them from strings). */
export function photoSearchFields(filters: SearchFilters): [string, string][] {
  const fields: [string, string][] = [];
  if (filters.from !== undefined) fields.push(['from', String(Math.floor(filters.from))]);
  if (filters.to !== undefined) fields.push(['to', String(Math.floor(filters.to))]);
  if (filters.cameras && filters.cameras.length > 0) fields.push(['cameras', filters.cameras.join(',')]);
  if (filters.minScore !== undefined) fields.push(['minScore', String(filters.minScore)]);
  fields.push(['limit', String(SEARCH_LIMIT)]);
  return fields;
}

/** The recorded window a clip URL plays (`from`/`to` in its query), falling back to the sighting's own span. */
export function clipWindow(clipUrl: string, start: number, end: number): { from: number; to: number } {
  const params = new URL(clipUrl, 'http://dashboard.invalid').searchParams;
  const from = Number(params.get('from'));
  const to = Number(params.get('to'));
  if (params.has('from') && params.has('to') && Number.isFinite(from) && Number.isFinite(to) && from < to) return { from, to };
  return { from: Math.floor(start), to: Math.max(Math.ceil(end), Math.floor(start) + 1) };
}

/**
 * The clip URL with a media fragment (`#t=<s>`) that starts playback at the sighting rather than at the clip's
 * pre-roll: `clipFrom` is the api's X-Clip-From header (ms), where the clip really begins. Without it, the URL as is.
 */
export function clipSourceAt(clipUrl: string, sightingStart: number, clipFrom: string | null): string {
  const from = Number(clipFrom);
  if (clipFrom === null || !Number.isFinite(from) || from <= 0) return clipUrl;
  return `${clipUrl}#t=${Math.max(0, (sightingStart - from) / 1000).toFixed(1)}`;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
