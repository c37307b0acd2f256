// Every Redis key name Argus uses, and nothing else: other modules build keys only through `keys`.
// Ids are checked before they become part of a key, so "a:b" can never alias another key.
import { assertId } from './ids.ts';

export const KEY_PREFIX = 'argus:';

export const keys = {
  /** hash: name, notes, created */
  person: (personId: string) => `${KEY_PREFIX}person:${assertId(personId, 'person id')}`,
  /** set: face ids of one person */
  personFaces: (personId: string) => `${KEY_PREFIX}person:${assertId(personId, 'person id')}:faces`,
  /** set: every person id */
  persons: `${KEY_PREFIX}persons`,
  /** hash: person, embedding (binary Float32, little-endian), quality, imagePath */
  face: (faceId: string) => `${KEY_PREFIX}face:${assertId(faceId, 'face id')}`,
  /** set: every face id (one SMEMBERS rebuilds a gallery) */
  faces: `${KEY_PREFIX}faces`,
  /** stream: gallery add/remove events */
  galleryLog: `${KEY_PREFIX}gallery:log`,
  /** hash: url, name, analysisFps, record */
  camera: (cameraId: string) => `${KEY_PREFIX}camera:${assertId(cameraId, 'camera id')}`,
  /** set: every camera id */
  cameras: `${KEY_PREFIX}cameras`,
  /** string (JSON CameraStatus) with a short TTL: absent means the ingest worker is gone */
  cameraStatus: (cameraId: string) => `${KEY_PREFIX}camera:${assertId(cameraId, 'camera id')}:status`,
  /** string (JPEG bytes) with a short TTL: the live view's latest frame */
  cameraFrame: (cameraId: string) => `${KEY_PREFIX}camera:${assertId(cameraId, 'camera id')}:frame`,
  /** string (JSON {ts, faces}) with a short TTL: face boxes of the latest frame */
  cameraFaces: (cameraId: string) => `${KEY_PREFIX}camera:${assertId(cameraId, 'camera id')}:faces`,
  /** string (worker id) with PX expiry: which ingest worker runs the camera */
  cameraLease: (cameraId: string) => `${KEY_PREFIX}lease:camera:${assertId(cameraId, 'camera id')}`,
  /** stream: alerts; the entry id is the alert id */
  alerts: `${KEY_PREFIX}alerts`,
  /** hash: alert id -> JSON {by, at} */
  alertAcks: `${KEY_PREFIX}alert:acks`,
  /** stream: one entry per track */
  sightings: `${KEY_PREFIX}sightings`,
} as const;
