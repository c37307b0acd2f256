import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SnapshotClock, type SnapshotTarget } from './snapshot-clock.ts';

/** A stand-in for a decoded <img>: the clock only passes it on. */
const fakeImage = (url: string) => ({ src: url }) as unknown as HTMLImageElement;

function target(url: string, visible = { on: true }) {
  const shown: string[] = [];
  let failed = 0;
  const t: SnapshotTarget = {
    url,
    active: () => visible.on,
    show: (img) => shown.push((img as unknown as { src: string }).src),
    fail: () => void failed++,
  };
  return { t, shown, failed: () => failed, visible };
}

describe('SnapshotClock', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function clockWith(opts: { missing?: Set<string>; visible?: { on: boolean } } = {}) {
    const loads: string[] = [];
    let frames = 0;
    const page = opts.visible ?? { on: true };
    const clock = new SnapshotClock(400, {
      load: async (url) => {
        loads.push(url);
        return opts.missing?.has(url) ? undefined : fakeImage(`${url}#${loads.length}`);
      },
      nextFrame: async () => void frames++,
      pageVisible: () => page.on,
      now: () => Date.now(),
    });
    return { clock, loads, frames: () => frames, page };
  }

  it('refreshes every visible tile each tick, swapping them all in one animation frame', async () => {
    const { clock, loads, frames } = clockWith({ missing: new Set(['/b']) });
    const a = target('/a');
    const b = target('/b');
    clock.add(a.t);
    clock.add(b.t);
    await vi.advanceTimersByTimeAsync(0);
    expect(loads).toEqual(['/a', '/b']);
    expect(frames()).toBe(1);
    expect(a.shown).toEqual(['/a#1']);
    expect(b.failed()).toBe(1);
    await vi.advanceTimersByTimeAsync(400);
    expect(loads).toEqual(['/a', '/b', '/a']); // /b had no frame: retried after MISSING_RETRY_MS
    expect(frames()).toBe(2);
    await vi.advanceTimersByTimeAsync(2000);
    expect(loads.filter((u) => u === '/a')).toHaveLength(7); // at least twice a second
    expect(loads.filter((u) => u === '/b')).toHaveLength(2);
  });

  it('skips tiles off screen and everything while the tab is hidden', async () => {
    const page = { on: true };
    const { clock, loads } = clockWith({ visible: page });
    const a = target('/a');
    const off = target('/off', { on: false });
    clock.add(a.t);
    clock.add(off.t);
    await vi.advanceTimersByTimeAsync(0);
    expect(loads).toEqual(['/a']);
    page.on = false;
    await vi.advanceTimersByTimeAsync(2000);
    expect(loads).toEqual(['/a']);
    page.on = true;
    off.visible.on = true;
    await vi.advanceTimersByTimeAsync(400);
    expect(loads).toEqual(['/a', '/a', '/off']);
  });

  it('stops loading for a removed tile and idles with none', async () => {
    const { clock, loads } = clockWith();
    const a = target('/a');
    const remove = clock.add(a.t);
    await vi.advanceTimersByTimeAsync(0);
    remove();
    await vi.advanceTimersByTimeAsync(5000);
    expect(loads).toEqual(['/a']);
    expect(vi.getTimerCount()).toBe(0);
  });
});
