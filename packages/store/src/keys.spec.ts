import { describe, expect, it } from 'vitest';
import { keys, KEY_PREFIX } from './keys.ts';
import { isStoreError } from './store-error.ts';

describe('keys', () => {
  it('names every key under argus: as DESIGN.md lists them', () => {
    expect(keys.person('p1')).toBe('argus:person:p1');
    expect(keys.personFaces('p1')).toBe('argus:person:p1:faces');
    expect(keys.face('f1')).toBe('argus:face:f1');
    expect(keys.galleryLog).toBe('argus:gallery:log');
    expect(keys.camera('lobby')).toBe('argus:camera:lobby');
    expect(keys.cameraStatus('lobby')).toBe('argus:camera:lobby:status');
    expect(keys.cameraFrame('lobby')).toBe('argus:camera:lobby:frame');
    expect(keys.cameraFaces('lobby')).toBe('argus:camera:lobby:faces');
    expect(keys.cameraLease('lobby')).toBe('argus:lease:camera:lobby');
    expect(keys.alerts).toBe('argus:alerts');
    expect(keys.alertAcks).toBe('argus:alert:acks');
    expect(keys.sightings).toBe('argus:sightings');
    for (const value of Object.values(keys)) {
      const key = typeof value === 'function' ? value('x') : value;
      expect(key.startsWith(KEY_PREFIX)).toBe(true);
    }
  });

  it('refuses ids that could alias another key', () => {
    for (const bad of ['a:status', '', 'a b', '../x', 'a*', 'x'.repeat(129)]) {
      let caught: unknown;
      try {
        keys.camera(bad);
      } catch (err) {
        caught = err;
      }
      expect(isStoreError(caught, 'INVALID_ID'), `id ${JSON.stringify(bad)}`).toBe(true);
    }
  });
});
