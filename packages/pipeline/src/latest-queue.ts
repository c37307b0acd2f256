// The bounded buffer behind keep-latest sampling: holds at most `capacity` items and, when full,
// drops the oldest so what waits is always the newest.
import { PipelineError } from './pipeline-error.ts';

export class LatestQueue<T> {
  private readonly items: T[] = [];

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0) {
      throw new PipelineError('INVALID_CONFIG', `keepLatest: capacity must be an integer >= 0, got ${String(capacity)}; fix the pipeline config`);
    }
  }

  get depth(): number {
    return this.items.length;
  }

  /** Adds `item`; returns what had to be dropped to stay within capacity (the oldest first). */
  offer(item: T): T[] {
    this.items.push(item);
    const excess = this.items.length - this.capacity;
    return excess > 0 ? this.items.splice(0, excess) : [];
  }

  /** Removes and returns the oldest waiting item. */
  take(): { value: T } | undefined {
    if (this.items.length === 0) return undefined;
    return { value: this.items.shift() as T };
  }

  clear(): void {
    this.items.length = 0;
  }
}

/** Counts dropped items; pass `counter.record` as an `onDrop` hook. */
export class DropCounter {
  count = 0;
  readonly record = (): void => {
    this.count += 1;
  };
}
