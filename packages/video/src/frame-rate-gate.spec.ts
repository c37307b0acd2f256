import { describe, expect, it } from 'vitest';
import { FrameRateGate } from './frame-rate-gate.ts';

describe('FrameRateGate', () => {
  it('lets a steady stream with jitter through untouched', () => {
    const gate = new FrameRateGate({ fps: 5 });
    let t = 0;
    let passed = 0;
    // 200 ms apart on average, +-80 ms jitter.
    for (let i = 0; i < 500; i++) {
      t += 200 + (i % 2 === 0 ? 80 : -80);
      if (gate.admit(t)) passed++;
    }
    expect(passed).toBe(500);
  });

  it('drops the burst of stale frames after an outage, then resumes', () => {
    const gate = new FrameRateGate({ fps: 5 });
    let t = 0;
    for (let i = 0; i < 10; i++) expect(gate.admit((t += 200))).toBe(true);
    t += 10_000; // outage: ffmpeg then flushes 50 frames within 100 ms
    let burstPassed = 0;
    for (let i = 0; i < 50; i++) if (gate.admit(t + i * 2)) burstPassed++;
    expect(burstPassed).toBeLessThanOrEqual(2);
    t += 100;
    let after = 0;
    for (let i = 0; i < 20; i++) if (gate.admit((t += 200))) after++;
    expect(after).toBe(20);
  });

  it('caps a source that runs at twice the analysis rate', () => {
    const gate = new FrameRateGate({ fps: 5 });
    let passed = 0;
    for (let i = 0; i < 100; i++) if (gate.admit(i * 100)) passed++;
    // 10 s at 10 fps offered; the gate allows about 1.5x of 5 fps plus the initial burst.
    expect(passed).toBeGreaterThanOrEqual(70);
    expect(passed).toBeLessThanOrEqual(78);
  });

  it('rejects a rate that is not positive', () => {
    expect(() => new FrameRateGate({ fps: 0 })).toThrow(RangeError);
  });
});
