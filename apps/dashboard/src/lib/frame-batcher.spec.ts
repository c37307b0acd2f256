import { describe, expect, it } from 'vitest';
import { FrameBatcher } from './frame-batcher.ts';

function harness(gapMs: number) {
  let now = 0;
  const timers: { at: number; run: () => void }[] = [];
  const frames: (() => void)[] = [];
  const batcher = new FrameBatcher(gapMs, {
    now: () => now,
    requestFrame: (run) => frames.push(run),
    setTimer: (run, ms) => timers.push({ at: now + ms, run }),
  });
  const advance = (ms: number): void => {
    now += ms;
    for (const t of timers.filter((x) => x.at <= now)) {
      timers.splice(timers.indexOf(t), 1);
      t.run();
    }
  };
  const frame = (): void => frames.splice(0).forEach((f) => f());
  return { batcher, advance, frame, frames };
}

describe('FrameBatcher', () => {
  it('runs every job queued before a frame in that one frame', () => {
    const h = harness(400);
    const ran: string[] = [];
    h.batcher.run(() => ran.push('swap'));
    h.batcher.run(() => ran.push('alerts'));
    h.advance(0);
    expect(h.frames).toHaveLength(1);
    h.frame();
    expect(ran).toEqual(['swap', 'alerts']);
  });

  it('keeps batches at least gapMs apart', () => {
    const h = harness(400);
    const ran: number[] = [];
    h.batcher.run(() => ran.push(1));
    h.advance(0);
    h.frame();
    h.batcher.run(() => ran.push(2));
    h.batcher.run(() => ran.push(3));
    h.advance(399);
    expect(h.frames).toHaveLength(0);
    h.advance(1);
    h.frame();
    expect(ran).toEqual([1, 2, 3]);
  });

  it('resolves nextBatch inside the batch', async () => {
    const h = harness(0);
    let done = false;
    const p = h.batcher.nextBatch().then(() => (done = true));
    h.advance(0);
    expect(done).toBe(false);
    h.frame();
    await p;
    expect(done).toBe(true);
  });
});
