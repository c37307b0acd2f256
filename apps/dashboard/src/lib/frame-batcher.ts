// Every live DOM update of the page (frame swaps, face boxes, new alerts, camera states) runs in one shared
// animation frame, at most every `gapMs`: each rendered frame costs style, layout, paint and a compositor
// commit, so a few full frames per second are far cheaper than many small ones.

export interface FrameBatcherDeps {
  now: () => number;
  requestFrame: (run: () => void) => void;
  setTimer: (run: () => void, ms: number) => void;
}

const browserDeps = (): FrameBatcherDeps => ({
  now: () => performance.now(),
  // A hidden tab gets no animation frames: run at once there (nothing is painted anyway).
  requestFrame: (run) => (document.visibilityState === 'visible' ? requestAnimationFrame(() => run()) : run()),
  setTimer: (run, ms) => void setTimeout(run, ms),
});

export class FrameBatcher {
  private jobs: (() => void)[] = [];
  private scheduled = false;
  private lastRun = Number.NEGATIVE_INFINITY;
  private readonly deps: FrameBatcherDeps;

  constructor(
    private readonly gapMs: number,
    deps?: FrameBatcherDeps,
  ) {
    this.deps = deps ?? browserDeps();
  }

  /** Runs `job` in the next batch: the next animation frame at least `gapMs` after the previous batch. */
  run(job: () => void): void {
    this.jobs.push(job);
    if (this.scheduled) return;
    this.scheduled = true;
    const wait = Math.max(0, this.lastRun + this.gapMs - this.deps.now());
    this.deps.setTimer(() => this.deps.requestFrame(() => this.flush()), wait);
  }

  /** A promise that resolves inside the next batch (its continuation runs before that frame renders). */
  nextBatch(): Promise<void> {
    return new Promise((resolve) => this.run(resolve));
  }

  private flush(): void {
    this.scheduled = false;
    this.lastRun = this.deps.now();
    const jobs = this.jobs;
    this.jobs = [];
    for (const job of jobs) job();
  }
}

/** Frames at most 2.5 times a second: above the 2/s the live view is written at, well inside a second for alerts. */
export const LIVE_FRAME_GAP_MS = 400;

let shared: FrameBatcher | undefined;
/** The page's one batcher (created on first use, in the browser). */
export const liveFrames = (): FrameBatcher => (shared ??= new FrameBatcher(LIVE_FRAME_GAP_MS));
