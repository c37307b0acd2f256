import { describe, expect, it, vi } from 'vitest';
import { stopOnSignals } from './index.ts';

const quietLog = () => ({ info: vi.fn(), error: vi.fn() });

describe('stopOnSignals', () => {
  it('runs the teardown once and exits 0, however many signals arrive', async () => {
    const stop = vi.fn(async () => undefined);
    const exit = vi.fn();
    const shutdown = stopOnSignals({ log: quietLog(), graceMs: 1000, stop, exit });
    await Promise.all([shutdown('SIGTERM'), shutdown('SIGINT')]);
    expect(stop).toHaveBeenCalledTimes(1);
    expect(exit).toHaveBeenCalledWith(0);
  });

  it('exits 1 when the teardown fails or outlasts the grace period', async () => {
    const exit = vi.fn();
    const log = quietLog();
    await stopOnSignals({ log, graceMs: 1000, stop: async () => Promise.reject(new Error('disk gone')), exit })('SIGTERM');
    expect(exit).toHaveBeenCalledWith(1);
    expect(log.error).toHaveBeenCalledWith('shutdown failed: disk gone');

    const slowExit = vi.fn();
    void stopOnSignals({ log: quietLog(), graceMs: 20, stop: () => new Promise((r) => setTimeout(r, 200)), exit: slowExit })('SIGTERM');
    await new Promise((r) => setTimeout(r, 60));
    expect(slowExit).toHaveBeenCalledWith(1);
  });
});
