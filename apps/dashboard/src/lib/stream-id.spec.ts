import { describe, expect, it } from 'vitest';
import { compareStreamIds, newestId, streamIdAfterMs } from './stream-id.ts';

describe('stream ids', () => {
  it('compare by time, then sequence, as numbers', () => {
    expect(compareStreamIds('1732540000000-0', '1732540000001-0')).toBeLessThan(0);
    expect(compareStreamIds('9-0', '10-0')).toBeLessThan(0);
    expect(compareStreamIds('10-10', '10-9')).toBeGreaterThan(0);
    expect(compareStreamIds('10', '10-0')).toBe(0);
    expect(compareStreamIds('garbage', '0-0')).toBeLessThan(0);
  });

  it('picks the newest of two, either possibly absent', () => {
    expect(newestId(undefined, '5-0')).toBe('5-0');
    expect(newestId('5-1', undefined)).toBe('5-1');
    expect(newestId('5-1', '5-0')).toBe('5-1');
  });

  it('makes an exclusive bound that includes the given millisecond', () => {
    expect(streamIdAfterMs(1000)).toBe('1001-0');
    expect(compareStreamIds('1000-99', streamIdAfterMs(1000))).toBeLessThan(0);
  });
});
