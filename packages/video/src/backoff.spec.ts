import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff.ts';

const take = (b: Backoff, n: number): number[] => Array.from({ length: n }, () => b.next());

describe('Backoff', () => {
  it('doubles from 1 s to a 30 s ceiling when jitter is centred', () => {
    const b = new Backoff({ random: () => 0.5 });
    expect(take(b, 8)).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    expect(b.attempts).toBe(8);
  });

  it('spreads each delay by at most the jitter fraction and never above the ceiling', () => {
    const low = new Backoff({ random: () => 0 });
    const high = new Backoff({ random: () => 0.999999 });
    expect(take(low, 6)).toEqual([800, 1600, 3200, 6400, 12800, 24000]);
    expect(take(high, 6)).toEqual([1200, 2400, 4800, 9600, 19200, 30000]);
  });

  it('grows strictly even with the worst jitter, so retries really back off', () => {
    for (let trial = 0; trial < 100; trial++) {
      const delays = take(new Backoff(), 5);
      for (let i = 1; i < delays.length; i++) expect(delays[i]!).toBeGreaterThan(delays[i - 1]!);
    }
  });

  it('starts again from the first step after reset', () => {
    const b = new Backoff({ random: () => 0.5 });
    take(b, 4);
    b.reset();
    expect(b.next()).toBe(1000);
  });

  it('honours custom steps', () => {
    expect(take(new Backoff({ initialMs: 100, maxMs: 500, factor: 3, jitter: 0 }), 4)).toEqual([100, 300, 500, 500]);
  });

  it('rejects settings that cannot make a schedule', () => {
    expect(() => new Backoff({ initialMs: 0 })).toThrow(RangeError);
    expect(() => new Backoff({ initialMs: 5000, maxMs: 1000 })).toThrow(/initialMs <= maxMs/);
    expect(() => new Backoff({ jitter: 1 })).toThrow(RangeError);
  });
});
