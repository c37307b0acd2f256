import { describe, expect, it } from 'vitest';
import { Observable, Subject, from, map, of, throwError, timer } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { analyzeLatest } from './analyze-latest.ts';
import { DropCounter, LatestQueue } from './latest-queue.ts';
import { PipelineError } from './pipeline-error.ts';

function testScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

describe('LatestQueue', () => {
  it('keeps the newest items up to capacity and returns the dropped ones', () => {
    const queue = new LatestQueue<number>(2);
    expect(queue.offer(1)).toEqual([]);
    expect(queue.offer(2)).toEqual([]);
    expect(queue.offer(3)).toEqual([1]);
    expect(queue.depth).toBe(2);
    expect(queue.take()).toEqual({ value: 2 });
    expect(queue.take()).toEqual({ value: 3 });
    expect(queue.take()).toBeUndefined();
  });

  it('rejects a capacity that is not a non-negative integer', () => {
    expect(() => new LatestQueue(-1)).toThrow(PipelineError);
    expect(() => new LatestQueue(1.5)).toThrow(/capacity must be an integer >= 0/);
  });
});

describe('analyzeLatest', () => {
  it('runs one analysis at a time and analyzes only the newest waiting frame (marbles)', () => {
    testScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      // Frames every 3 ms, analysis takes 7 ms: b, d and f are overtaken while waiting and dropped.
      const frames = hot('a 2ms b 2ms c 2ms d 2ms e 2ms f 2ms g 2ms |');
      const analysis = (v: string) => cold('7ms (r|)', { r: v.toUpperCase() });
      const result = frames.pipe(analyzeLatest(analysis));
      expectObservable(result).toBe('7ms A 6ms C 6ms E 6ms (G|)');
      expectSubscriptions(frames.subscriptions).toBe('^ 20ms !');
    });
  });

  it('reports drops and depth while frames come faster than analysis (marbles)', () => {
    const dropped: string[] = [];
    const depths: number[] = [];
    testScheduler().run(({ cold, hot, expectObservable }) => {
      const frames = hot('a 2ms b 2ms c 2ms d 2ms e 2ms f 2ms g 2ms |');
      const result = frames.pipe(
        analyzeLatest((v: string) => cold('7ms (r|)', { r: v }), { onDrop: (f) => dropped.push(f), onQueueDepth: (d) => depths.push(d) }),
      );
      expectObservable(result).toBe('7ms a 6ms c 6ms e 6ms (g|)');
    });
    expect(dropped).toEqual(['b', 'd', 'f']);
    expect(Math.max(...depths)).toBe(1);
    expect(depths.at(-1)).toBe(0);
  });

  it('keeps up to capacity frames in order when capacity > 1', () => {
    testScheduler().run(({ cold, hot, expectObservable }) => {
      // Analysis 10 ms, frames every 2 ms; capacity 2 keeps the two newest.
      const frames = hot('a 1ms b 1ms c 1ms d 1ms e 1ms f |');
      const result = frames.pipe(analyzeLatest((v: string) => cold('10ms (r|)', { r: v }), { capacity: 2 }));
      // a runs 0-10; b..f arrive meanwhile, e and f survive; e runs 10-20, f 20-30.
      expectObservable(result).toBe('10ms a 9ms e 9ms (f|)');
    });
  });

  it('acceptance: frames faster than analysis raise the drop counter while the queue stays at its bound', async () => {
    for (const capacity of [1, 3]) {
      const frames = new Subject<number>();
      const drops = new DropCounter();
      const depths: number[] = [];
      const pending: { frame: number; finish: () => void }[] = [];
      let inFlight = 0;
      let maxInFlight = 0;
      const analyze = (frame: number) =>
        new Promise<number>((resolve) => {
          inFlight += 1;
          maxInFlight = Math.max(maxInFlight, inFlight);
          pending.push({
            frame,
            finish: () => {
              inFlight -= 1;
              resolve(frame);
            },
          });
        });
      const analyzed: number[] = [];
      const subscription = frames
        .pipe(analyzeLatest(analyze, { capacity, onDrop: drops.record, onQueueDepth: (d) => depths.push(d) }))
        .subscribe((f) => analyzed.push(f));

      let seq = 0;
      for (let round = 0; round < 5; round++) {
        const dropsBefore = drops.count;
        // Ten frames arrive while one analysis runs.
        for (let i = 0; i < 10; i++) frames.next(seq++);
        expect(drops.count).toBeGreaterThan(dropsBefore);
        expect(depths.at(-1)).toBe(capacity);
        // The analysis finishes; the next (oldest of the newest kept) starts.
        pending.shift()?.finish();
        await Promise.resolve();
        await Promise.resolve();
      }
      expect(Math.max(...depths)).toBe(capacity);
      expect(maxInFlight).toBe(1);
      // Every frame was either analyzed, is in flight, waits, or was counted as dropped.
      const waiting = depths.at(-1) ?? 0;
      expect(analyzed.length + pending.length + waiting + drops.count).toBe(seq);
      subscription.unsubscribe();
    }
  });

  it('with capacity 0 analyzes only frames that arrive while idle', () => {
    testScheduler().run(({ cold, hot, expectObservable }) => {
      const frames = hot('a b c 5ms d |');
      const result = frames.pipe(analyzeLatest((v: string) => cold('3ms (r|)', { r: v }), { capacity: 0 }));
      expectObservable(result).toBe('3ms a 7ms (d|)');
    });
  });

  it('passes synchronous analyses straight through without drops', () => {
    const drops = new DropCounter();
    const out: number[] = [];
    from([1, 2, 3, 4])
      .pipe(analyzeLatest((v: number) => of(v * 10), { onDrop: drops.record }))
      .subscribe((v) => out.push(v));
    expect(out).toEqual([10, 20, 30, 40]);
    expect(drops.count).toBe(0);
  });

  it('finishes waiting frames after the source completes', async () => {
    const frames = new Subject<number>();
    const out: number[] = [];
    let completed = false;
    frames.pipe(analyzeLatest((v: number) => Promise.resolve(v))).subscribe({ next: (v) => out.push(v), complete: () => (completed = true) });
    frames.next(1);
    frames.next(2);
    frames.complete();
    expect(completed).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(out).toEqual([1, 2]);
    expect(completed).toBe(true);
  });

  it('tears down the analysis in flight and the source on unsubscribe', () => {
    let analysisTornDown = false;
    let sourceTornDown = false;
    const source = new Observable<number>((subscriber) => {
      subscriber.next(1);
      subscriber.next(2);
      return () => (sourceTornDown = true);
    });
    const analysis = () => new Observable<number>(() => () => (analysisTornDown = true));
    const depths: number[] = [];
    const subscription = source.pipe(analyzeLatest(analysis, { onQueueDepth: (d) => depths.push(d) })).subscribe();
    expect(depths).toEqual([1]);
    subscription.unsubscribe();
    expect(analysisTornDown).toBe(true);
    expect(sourceTornDown).toBe(true);
  });

  it('propagates an analysis error', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const frames = hot('a b|');
      const result = frames.pipe(analyzeLatest(() => throwError(() => new Error('boom'))));
      expectObservable(result).toBe('#', undefined, new Error('boom'));
    });
  });

  it('works with timer-based analyses in virtual time', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const frames = hot('a 9ms b|');
      const result = frames.pipe(analyzeLatest((v: string) => timer(4).pipe(map(() => v))));
      expectObservable(result).toBe('4ms a 9ms (b|)');
    });
  });
});
