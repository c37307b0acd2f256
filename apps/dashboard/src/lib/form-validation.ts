// Checks the dashboard's forms before anything is sent: each problem is a message for the field it concerns.
import { cameraInputSchema, type CameraInput } from '@argus/protocol';

export const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;
const IMAGE_EXTENSIONS = /\.(jpe?g|png|webp)$/i;
export const MAX_PHOTOS = 20;

/** The part of a File these checks read (so tests need no DOM). */
export interface FileLike {
  name: string;
  type: string;
  size: number;
}

/** Whether the api can read it: JPEG, PNG or WebP by type, or by extension when the browser gave no type. */
export function isImageFile(file: FileLike): boolean {
  if (file.type !== '') return (IMAGE_TYPES as readonly string[]).includes(file.type);
  return IMAGE_EXTENSIONS.test(file.name);
}

export function photosError(files: readonly FileLike[], maxBytes?: number): string | undefined {
  if (files.length === 0) return 'Add at least one photo of the person (JPEG, PNG or WebP)';
  const notImages = files.filter((f) => !isImageFile(f));
  if (notImages.length > 0) {
    const names = notImages.map((f) => `"${f.name}"`).join(', ');
    return `${names} ${notImages.length === 1 ? 'is not an image' : 'are not images'}: choose JPEG, PNG or WebP photos`;
  }
  const empty = files.filter((f) => f.size === 0);
  if (empty.length > 0) return `"${empty[0]!.name}" is empty: choose another photo`;
  if (maxBytes !== undefined) {
    const big = files.find((f) => f.size > maxBytes);
    if (big) return `"${big.name}" is larger than ${Math.round(maxBytes / 1048576)} MiB: use a smaller photo`;
  }
  if (files.length > MAX_PHOTOS) return `At most ${MAX_PHOTOS} photos at once: remove ${files.length - MAX_PHOTOS}`;
  return undefined;
}

export function nameError(name: string): string | undefined {
  const trimmed = name.trim();
  if (trimmed === '') return 'Enter a name';
  if (trimmed.length > 200) return 'Use at most 200 characters for the name';
  return undefined;
}

export interface CameraFormValues {
  id: string;
  name: string;
  url: string;
  analysisFps: string;
  record: boolean;
}

export type CameraFormErrors = Partial<Record<'id' | 'name' | 'url' | 'analysisFps', string>>;

/** Validates the add-camera form with the api's own schema; returns the body to send or the field errors. */
export function validateCameraForm(values: CameraFormValues): { input: CameraInput } | { errors: CameraFormErrors } {
  const errors: CameraFormErrors = {};
  const id = values.id.trim();
  const url = values.url.trim();
  const name = values.name.trim();
  const fpsText = values.analysisFps.trim();
  const fps = fpsText === '' ? 5 : Number(fpsText);
  if (id === '') errors.id = 'Enter a camera id, e.g. lobby';
  if (url === '') errors.url = 'Enter the camera URL, e.g. rtsp://10.0.0.5:554/stream';
  if (!Number.isFinite(fps) || fps <= 0 || fps > 30) errors.analysisFps = 'Enter frames per second to analyse, more than 0 and at most 30';
  const candidate = { id, url, analysisFps: fps, record: values.record, ...(name ? { name } : {}) };
  const parsed = cameraInputSchema.safeParse(candidate);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = issue.path[0];
      if (field === 'id' && !errors.id) errors.id = `Camera id: ${issue.message}`;
      else if (field === 'url' && !errors.url) errors.url = `The URL ${issue.message} (rtsp://, rtsps://, rtmp://, http(s):// or file://)`;
      else if (field === 'name' && !errors.name) errors.name = 'Use at most 200 characters for the name';
      else if (field === 'analysisFps' && !errors.analysisFps) errors.analysisFps = 'Enter frames per second to analyse, more than 0 and at most 30';
    }
  }
  if (Object.keys(errors).length > 0) return { errors };
  return { input: candidate };
}
