import { describe, expect, it } from 'vitest';
import { decodeGalleryEvent, encodeGalleryEvent } from './gallery-log.repository.ts';
import type { StreamFields } from './streams.ts';

const asFields = (f: Record<string, string | Buffer>): StreamFields =>
  Object.fromEntries(Object.entries(f).map(([k, v]) => [k, Buffer.isBuffer(v) ? v : Buffer.from(v)]));

describe('gallery event codec', () => {
  it('round-trips an add with its binary embedding', () => {
    const embedding = new Float32Array([0.6, -0.8, 1e-40]);
    const fields = encodeGalleryEvent({ op: 'add', faceId: 'f1', personId: 'p1', embedding });
    expect(Buffer.isBuffer(fields.embedding)).toBe(true);
    const event = decodeGalleryEvent(asFields(fields), '1-0');
    expect(event).toMatchObject({ op: 'add', faceId: 'f1', personId: 'p1' });
    expect(event.op === 'add' && Buffer.from(event.embedding.buffer).equals(Buffer.from(embedding.buffer))).toBe(true);
  });

  it('round-trips removes with several, one or no face ids', () => {
    for (const faceIds of [['a', 'b-2', 'c_3'], ['a'], []]) {
      const event = decodeGalleryEvent(asFields(encodeGalleryEvent({ op: 'remove', faceIds, personId: 'p' })), '1-0');
      expect(event).toEqual({ op: 'remove', faceIds, personId: 'p' });
    }
    expect(decodeGalleryEvent(asFields(encodeGalleryEvent({ op: 'remove', faceIds: ['a'] })), '1-0')).toEqual({ op: 'remove', faceIds: ['a'] });
  });

  it('refuses face ids that would break the list encoding', () => {
    expect(() => encodeGalleryEvent({ op: 'remove', faceIds: ['a,b'] })).toThrow(/face id "a,b" is not valid/);
  });

  it('reports unknown or incomplete entries as corrupt', () => {
    expect(() => decodeGalleryEvent(asFields({ op: 'rename' }), '5-0')).toThrow(/gallery event 5-0 has unknown op "rename"/);
    expect(() => decodeGalleryEvent(asFields({ op: 'add', face: 'f', person: 'p' }), '5-1')).toThrow(/has no embedding/);
    expect(() => decodeGalleryEvent(asFields({ face: 'f' }), '5-2')).toThrow(/has no "op" field/);
  });
});
