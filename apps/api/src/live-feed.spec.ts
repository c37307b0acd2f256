import type { CameraStatus } from '@argus/protocol';
import { describe, expect, it } from 'vitest';
import { statusKey } from './live-feed.ts';

const status = (extra: Partial<CameraStatus> = {}): CameraStatus => ({ camera: 'lobby', state: 'live', fps: 5, framesIn: 10, framesDropped: 0, updatedAt: 0, ...extra });

describe('statusKey: when a camera status is pushed again', () => {
  it('changes with the state, the error and the whole fps, not with counters', () => {
    const t = 1_000_000;
    expect(statusKey(status({ framesIn: 99 }), t)).toBe(statusKey(status(), t));
    expect(statusKey(status({ fps: 5.2 }), t)).toBe(statusKey(status(), t));
    expect(statusKey(status({ fps: 0 }), t)).not.toBe(statusKey(status(), t));
    expect(statusKey(status({ state: 'reconnecting' }), t)).not.toBe(statusKey(status(), t));
    expect(statusKey(null, t)).toBe('none');
  });

  it('changes every 5 s even when nothing else did, so counters stay fresh', () => {
    expect(statusKey(status(), 1_000_000)).toBe(statusKey(status(), 1_004_999));
    expect(statusKey(status(), 1_000_000)).not.toBe(statusKey(status(), 1_005_000));
  });
});
