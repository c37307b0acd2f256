import { describe, expect, it } from 'vitest';
import { assertStreamId, compactFields, compareStreamIds, fieldNumber, isStreamId, msFromStreamId, streamIdFromMs } from './streams.ts';
import { isStoreError } from './store-error.ts';

describe('stream ids', () => {
  it('orders ids numerically, not as text', () => {
    const ids = ['10-0', '9-5', '9-10', '1732540000000-0', '0-0'];
    expect([...ids].sort(compareStreamIds)).toEqual(['0-0', '9-5', '9-10', '10-0', '1732540000000-0']);
    expect(compareStreamIds('5', '5-0')).toBe(0);
  });

  it('converts between times and ids', () => {
    expect(streamIdFromMs(1732540000123.7)).toBe('1732540000123-0');
    expect(streamIdFromMs(-5)).toBe('0-0');
    expect(msFromStreamId('1732540000123-4')).toBe(1732540000123);
  });

  it('validates cursors from outside with a typed error', () => {
    expect(isStreamId('0')).toBe(true);
    expect(isStreamId('1732540000000-12')).toBe(true);
    for (const bad of ['', '$', '-', '+', '12-', 'abc', '1-2-3', 5]) expect(isStreamId(bad)).toBe(false);
    let caught: unknown;
    try {
      assertStreamId('1; FLUSHALL', 'after');
    } catch (err) {
      caught = err;
    }
    expect(isStoreError(caught, 'INVALID_CURSOR')).toBe(true);
    expect((caught as Error).message).toMatch(/after "1; FLUSHALL" is not a stream id/);
  });
});

describe('stream fields', () => {
  it('leaves undefined out and writes numbers as text', () => {
    expect(compactFields({ a: 1.5, b: undefined, c: 'x' })).toEqual({ a: '1.5', c: 'x' });
  });

  it('reports a missing or non-numeric field as a corrupt entry', () => {
    expect(fieldNumber({ n: Buffer.from('0.5') }, 'n', '1-0')).toBe(0.5);
    expect(() => fieldNumber({ n: Buffer.from('x') }, 'n', '1-0')).toThrow(/non-numeric "n"/);
    expect(() => fieldNumber({}, 'n', '1-0')).toThrow(/has no "n" field/);
  });
});
