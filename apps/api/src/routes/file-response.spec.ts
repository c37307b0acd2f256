import { describe, expect, it } from 'vitest';
import { requestedRange } from './file-response.ts';

describe('requestedRange', () => {
  it('reads one byte range, open-ended and suffix forms included', () => {
    expect(requestedRange('bytes=100-1099', 5000)).toEqual({ start: 100, end: 1099 });
    expect(requestedRange('bytes=4000-', 5000)).toEqual({ start: 4000, end: 4999 });
    expect(requestedRange('bytes=-500', 5000)).toEqual({ start: 4500, end: 4999 });
    expect(requestedRange('bytes=0-999999', 5000)).toEqual({ start: 0, end: 4999 });
  });

  it('serves the whole file without a header or for a malformed one, and refuses a range beyond the end', () => {
    expect(requestedRange(undefined, 5000)).toBe('whole');
    expect(requestedRange('pages=1-2', 5000)).toBe('whole');
    expect(requestedRange('bytes=abc', 5000)).toBe('whole');
    expect(requestedRange('bytes=6000-', 5000)).toBe('unsatisfiable');
  });

  it('answers several ranges with the first (after merging overlaps)', () => {
    expect(requestedRange('bytes=0-99,50-199,1000-1099', 5000)).toEqual({ start: 0, end: 199 });
  });
});
