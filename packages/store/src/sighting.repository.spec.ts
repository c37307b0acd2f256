import type { NewSighting } from '@argus/protocol';
import { describe, expect, it } from 'vitest';
import { decodeSighting, encodeSighting } from './sighting.repository.ts';

const toEntry = (id: string, f: Record<string, string | Buffer>) => ({
  id,
  fields: Object.fromEntries(Object.entries(f).map(([k, v]) => [k, Buffer.isBuffer(v) ? v : Buffer.from(v)])),
});

describe('sighting codec', () => {
  const embedding = new Float32Array([0.1, 0.2, -0.3]);

  it('round-trips a known sighting with a bit-exact embedding', () => {
    const s: NewSighting = { camera: 'door', trackId: 't1', start: 1000, end: 4000, personId: 'p', personName: 'Bo', score: 0.7, quality: 0.9, thumbPath: 'thumbs/x.jpg', embedding };
    const decoded = decodeSighting(toEntry('5-0', encodeSighting(s)));
    expect(decoded).toEqual({ id: '5-0', ...s, embedding: decoded.embedding });
    expect(Buffer.from(decoded.embedding.buffer).equals(Buffer.from(embedding.buffer))).toBe(true);
  });

  it('round-trips an unknown face without the optional fields', () => {
    const s: NewSighting = { camera: 'door', trackId: 't2', start: 1, end: 2, quality: 0.4, embedding };
    const decoded = decodeSighting(toEntry('5-1', encodeSighting(s)));
    expect(Object.keys(decoded).sort()).toEqual(['camera', 'embedding', 'end', 'id', 'quality', 'start', 'trackId']);
  });

  it('rejects a sighting without a usable embedding', () => {
    expect(() => encodeSighting({ camera: 'c', trackId: 't', start: 1, end: 2, quality: 1, embedding: new Float32Array(0) })).toThrow(/sighting embedding must be a non-empty/);
  });
});
