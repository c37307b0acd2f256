// keepLatest sampling fused with its slow async consumer: at most one analysis in flight, and while it
// runs only the newest `capacity` inputs wait (exhaust with trailing). Older inputs are dropped and reported.
import { Observable, from, type ObservableInput, type OperatorFunction, type Subscription } from 'rxjs';
import { LatestQueue } from './latest-queue.ts';

export interface KeepLatestOptions<T> {
  /** Inputs that may wait while an analysis runs (0: drop everything that arrives while busy). Default 1. */
  capacity?: number;
  /** Called once per dropped input. */
  onDrop?: (dropped: T) => void;
  /** Called whenever the number of waiting inputs changes (never above capacity). */
  onQueueDepth?: (depth: number) => void;
}

/**
 * Runs `analyze` on one input at a time. Inputs arriving while it runs go through a keep-latest queue
 * of `capacity`; when the analysis completes the oldest waiting input starts. Results are emitted in
 * input order. On source completion the waiting inputs are still analyzed, then the output completes.
 * An error from `analyze` errors the output: wrap it (catchError) where one failure must not end the stream.
 */
export function analyzeLatest<T, R>(
  analyze: (value: T) => ObservableInput<R>,
  options: KeepLatestOptions<T> = {},
): OperatorFunction<T, R> {
  const capacity = options.capacity ?? 1;
  // Validate at composition time, not on subscribe, so a bad config fails where it is written.
  new LatestQueue<T>(capacity);
  return (source) =>
    new Observable<R>((subscriber) => {
      const queue = new LatestQueue<T>(capacity);
      let reportedDepth = 0;
      let running: Subscription | undefined;
      let busy = false;
      let sourceDone = false;

      const reportDepth = (): void => {
        if (queue.depth !== reportedDepth) {
          reportedDepth = queue.depth;
          options.onQueueDepth?.(reportedDepth);
        }
      };

      /** Starts one analysis; returns false when it already finished synchronously. */
      const run = (value: T): boolean => {
        busy = true;
        let synchronous = true;
        let finishedSynchronously = false;
        let input: ObservableInput<R>;
        try {
          input = analyze(value);
        } catch (error) {
          subscriber.error(error);
          return true;
        }
        const subscription = from(input).subscribe({
          next: (result) => subscriber.next(result),
          error: (error: unknown) => subscriber.error(error),
          complete: () => {
            if (synchronous) {
              finishedSynchronously = true;
              return;
            }
            running = undefined;
            busy = false;
            drain();
          },
        });
        synchronous = false;
        if (finishedSynchronously) {
          busy = false;
          return false;
        }
        running = subscription;
        return true;
      };

      // A loop rather than recursion: analyses that complete synchronously must not grow the stack.
      const drain = (): void => {
        while (!busy && !subscriber.closed) {
          const next = queue.take();
          reportDepth();
          if (next === undefined) {
            if (sourceDone) subscriber.complete();
            return;
          }
          run(next.value);
        }
      };

      const upstream = source.subscribe({
        next: (value) => {
          if (busy) {
            for (const dropped of queue.offer(value)) options.onDrop?.(dropped);
            reportDepth();
            return;
          }
          // Not busy means nothing waits: start at once, then pick up whatever arrived meanwhile.
          if (!run(value)) drain();
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          sourceDone = true;
          drain();
        },
      });

      return () => {
        upstream.unsubscribe();
        running?.unsubscribe();
        queue.clear();
      };
    });
}
