// Calls to the api through the dashboard's /api proxy (same origin; the session cookie authorises them).
// Every answer is checked against the @argus/protocol schemas; errors become ApiError with the api's code and message.
import {
  ackResponseSchema,
  alertListResponseSchema,
  cameraListResponseSchema,
  cameraViewSchema,
  enrollResponseSchema,
  errorBodySchema,
  exportViewSchema,
  rejectedPhotoSchema,
  removedPersonResponseSchema,
  searchResponseSchema,
  watchlistResponseSchema,
  type CameraInput,
  type CameraView,
  type EnrollResponse,
  type PersonView,
  type ExportView,
  type RejectedPhoto,
  type SearchResponse,
} from '@argus/protocol';
import { z } from 'zod';

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

/** The text to show for a failed call: the api's message, or what went wrong before an answer came. */
export const errorMessage = (err: unknown): string => (err instanceof ApiError ? err.message : String(err));

export type StoredAlert = z.infer<typeof alertListResponseSchema>['alerts'][number];

/** Where an unauthorised call sends the browser: the sign-in page, back here afterwards. */
function redirectToLogin(): void {
  if (typeof window === 'undefined') return;
  const here = window.location.pathname + window.location.search;
  window.location.assign(`/login?next=${encodeURIComponent(here)}`);
}

async function errorFrom(res: Response): Promise<ApiError> {
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  const parsed = errorBodySchema.safeParse(body);
  if (parsed.success) return new ApiError(res.status, parsed.data.error.code, parsed.data.error.message, parsed.data.error.details);
  return new ApiError(res.status, 'HTTP_' + res.status, `the api answered ${res.status} ${res.statusText}`.trim());
}

async function call<T>(path: string, schema: z.ZodType<T>, init?: RequestInit): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, { credentials: 'same-origin', cache: 'no-store', ...init });
  } catch (err) {
    throw new ApiError(0, 'NETWORK', `could not reach the dashboard server (${(err as Error).message}): check the connection`);
  }
  if (res.status === 401) {
    redirectToLogin();
    throw await errorFrom(res);
  }
  if (!res.ok) throw await errorFrom(res);
  if (res.status === 204) return schema.parse(undefined);
  const json: unknown = await res.json();
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new ApiError(res.status, 'BAD_RESPONSE', `unexpected answer from ${path}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

const jsonInit = (method: string, body: unknown): RequestInit => ({
  method,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

export interface AlertQuery {
  camera?: string | undefined;
  person?: string | undefined;
  since?: number | undefined;
  before?: string | undefined;
  limit?: number | undefined;
}

export function alertsPath(query: AlertQuery): string {
  const params = new URLSearchParams();
  if (query.camera) params.set('camera', query.camera);
  if (query.person) params.set('person', query.person);
  if (query.since !== undefined) params.set('since', String(Math.floor(query.since)));
  if (query.before) params.set('before', query.before);
  if (query.limit !== undefined) params.set('limit', String(query.limit));
  const qs = params.toString();
  return `/api/alerts${qs ? `?${qs}` : ''}`;
}

export const snapshotUrl = (camera: string): string => `/api/cameras/${encodeURIComponent(camera)}/snapshot.jpg`;
export const enrolledFaceUrl = (faceId: string): string => `/api/images/faces/${encodeURIComponent(faceId)}.jpg`;

export const api = {
  listCameras: async (): Promise<CameraView[]> => (await call('/api/cameras', cameraListResponseSchema)).cameras,
  addCamera: (input: CameraInput): Promise<CameraView> => call('/api/cameras', cameraViewSchema, jsonInit('POST', input)),
  removeCamera: (id: string): Promise<void> =>
    call(`/api/cameras/${encodeURIComponent(id)}`, z.unknown().transform(() => undefined), { method: 'DELETE' }),

  listWatchlist: async (): Promise<PersonView[]> => (await call('/api/watchlist', watchlistResponseSchema)).persons,
  enroll: (form: FormData): Promise<EnrollResponse> => call('/api/watchlist', enrollResponseSchema, { method: 'POST', body: form }),
  addFaces: (personId: string, form: FormData): Promise<EnrollResponse> =>
    call(`/api/watchlist/${encodeURIComponent(personId)}/faces`, enrollResponseSchema, { method: 'POST', body: form }),
  removePerson: (personId: string) => call(`/api/watchlist/${encodeURIComponent(personId)}`, removedPersonResponseSchema, { method: 'DELETE' }),

  listAlerts: async (query: AlertQuery): Promise<StoredAlert[]> => (await call(alertsPath(query), alertListResponseSchema)).alerts,
  ackAlert: (id: string) => call(`/api/alerts/${encodeURIComponent(id)}/ack`, ackResponseSchema, jsonInit('POST', { by: 'operator' })),

  searchByPhoto: (form: FormData): Promise<SearchResponse> => call('/api/search', searchResponseSchema, { method: 'POST', body: form }),
  searchByPerson: (body: SearchByPerson): Promise<SearchResponse> => call('/api/search', searchResponseSchema, jsonInit('POST', body)),
  exportClip: (body: { camera: string; from: number; to: number; name?: string }): Promise<ExportView> =>
    call('/api/exports', exportViewSchema, jsonInit('POST', body)),
};

export interface SearchByPerson {
  personId: string;
  from?: number | undefined;
  to?: number | undefined;
  cameras?: string[] | undefined;
  minScore?: number | undefined;
  limit?: number | undefined;
}

/** The per-photo rejections of a 422 NO_USABLE_PHOTO (error.details.rejected), or [] when there are none. */
export function rejectionsOf(error: ApiError): RejectedPhoto[] {
  const parsed = z.object({ rejected: z.array(rejectedPhotoSchema) }).safeParse(error.details);
  return parsed.success ? parsed.data.rejected : [];
}
