import { describe, expect, it } from 'vitest';
import { reconnectDelayMs, redactUrl } from './redis-client.ts';

describe('redis client settings', () => {
  it('backs off exponentially from about 100 ms to at most about 5 s', () => {
    for (let i = 0; i < 50; i++) {
      expect(reconnectDelayMs(0)).toBeGreaterThanOrEqual(80);
      expect(reconnectDelayMs(0)).toBeLessThanOrEqual(120);
      expect(reconnectDelayMs(3)).toBeGreaterThanOrEqual(640);
      expect(reconnectDelayMs(3)).toBeLessThanOrEqual(960);
      expect(reconnectDelayMs(1000)).toBeLessThanOrEqual(6000);
      expect(reconnectDelayMs(1000)).toBeGreaterThanOrEqual(4000);
    }
  });

  it('keeps passwords out of logs', () => {
    expect(redactUrl('redis://default:s3cret@cache:6379/0')).toBe('redis://default:***@cache:6379/0');
    expect(redactUrl('redis://:s3cret@cache:6379')).toBe('redis://:***@cache:6379');
    expect(redactUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
  });
});
