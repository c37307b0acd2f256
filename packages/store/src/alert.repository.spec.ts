import type { NewAlert } from '@argus/protocol';
import { describe, expect, it } from 'vitest';
import { decodeAlert, encodeAlert } from './alert.repository.ts';
import { isStoreError } from './store-error.ts';

const toEntry = (id: string, f: Record<string, string>) => ({ id, fields: Object.fromEntries(Object.entries(f).map(([k, v]) => [k, Buffer.from(v)])) });

describe('alert codec', () => {
  const full: NewAlert = { camera: 'lobby', personId: 'p1', personName: 'Ada', score: 0.61234567, ts: 1732540000123, trackId: 't7', faceId: 'f1', thumbUrl: '/api/thumbs/x.jpg', latencyMs: 180 };

  it('round-trips every field, numbers exactly', () => {
    expect(decodeAlert(toEntry('9-0', encodeAlert(full)))).toEqual({ id: '9-0', ...full });
  });

  it('leaves optional fields out rather than storing "undefined"', () => {
    const { faceId: _f, thumbUrl: _t, latencyMs: _l, ...minimal } = full;
    const fields = encodeAlert(minimal);
    expect(Object.keys(fields).sort()).toEqual(['camera', 'person', 'personName', 'score', 'track', 'ts']);
    expect(decodeAlert(toEntry('9-1', fields))).toEqual({ id: '9-1', ...minimal });
  });

  it('rejects an alert that breaks the protocol schema', () => {
    let caught: unknown;
    try {
      encodeAlert({ ...full, score: 'high' } as unknown as NewAlert);
    } catch (err) {
      caught = err;
    }
    expect(isStoreError(caught, 'INVALID_INPUT')).toBe(true);
    expect((caught as Error).message).toMatch(/score/);
  });
});
