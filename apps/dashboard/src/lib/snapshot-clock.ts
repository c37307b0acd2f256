// One clock for every tile's frame refresh: on each tick the visible tiles' next frames are loaded in parallel,
// then all swapped in within one animation frame (the page's shared batch); decoding happens on the raster
// threads. Eight cameras thus cost one style/layout/paint pass per tick instead of eight uncoordinated ones.
import { liveFrames } from './frame-batcher.ts';

export interface SnapshotTarget {
  /** The frame URL without a cache-buster. */
  readonly url: string;
  /** Whether the tile is on screen (hidden tiles are skipped). */
  active(): boolean;
  /** A decoded frame, ready to be put in the page. */
  show(img: HTMLImageElement): void;
  /** The frame could not be loaded (404 NO_FRAME, network error, too slow). */
  fail(): void;
}

const LOAD_TIMEOUT_MS = 3_000;
/** A tile without a frame (camera down, ingest not running) is asked less often. */
export const MISSING_RETRY_MS = 1_500;

/**
 * Loads the next frame into a fresh <img>. Only the bytes are awaited (no img.decode(): each call costs the main
 * thread a decode request); `decoding = 'sync'` makes the frame that shows it wait for the raster threads to
 * decode it, so a swapped tile never flashes empty.
 */
function loadFrame(url: string): Promise<HTMLImageElement | undefined> {
  const img = new Image();
  img.decoding = 'sync';
  img.draggable = false;
  return new Promise((resolve) => {
    // A camera whose frame hangs must not hold back the other tiles' swap.
    const timer = setTimeout(() => {
      img.onload = img.onerror = null;
      img.src = '';
      resolve(undefined);
    }, LOAD_TIMEOUT_MS);
    img.onload = () => {
      clearTimeout(timer);
      resolve(img.naturalWidth > 0 ? img : undefined);
    };
    img.onerror = () => {
      clearTimeout(timer);
      resolve(undefined);
    };
    img.src = `${url}?t=${Date.now()}`;
  });
}

/** What the clock needs from the browser (tests pass fakes). */
export interface SnapshotClockDeps {
  load: (url: string) => Promise<HTMLImageElement | undefined>;
  nextFrame: () => Promise<unknown>;
  pageVisible: () => boolean;
  now: () => number;
}

const browserDeps = (): SnapshotClockDeps => ({
  load: loadFrame,
  nextFrame: () => liveFrames().nextBatch(),
  pageVisible: () => document.visibilityState === 'visible',
  now: () => performance.now(),
});

export class SnapshotClock {
  private readonly targets = new Set<SnapshotTarget>();
  /** Tiles whose last load failed, and when to try them again. */
  private readonly retryAt = new Map<SnapshotTarget, number>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private ticking = false;
  private readonly deps: SnapshotClockDeps;

  constructor(
    private readonly intervalMs: number,
    deps?: SnapshotClockDeps,
  ) {
    this.deps = deps ?? browserDeps();
  }

  /** Starts refreshing a tile; the returned function stops it. */
  add(target: SnapshotTarget): () => void {
    this.targets.add(target);
    this.wake();
    return () => {
      this.targets.delete(target);
      this.retryAt.delete(target);
    };
  }

  /** Refresh soon (a tile came into view, the tab became visible). */
  wake(): void {
    if (this.ticking || this.timer !== undefined) return;
    this.timer = setTimeout(() => void this.tick(), 0);
  }

  private async tick(): Promise<void> {
    this.timer = undefined;
    if (this.targets.size === 0) return;
    this.ticking = true;
    const started = this.deps.now();
    try {
      if (this.deps.pageVisible()) {
        const due = [...this.targets].filter((t) => t.active() && (this.retryAt.get(t) ?? 0) <= started);
        const frames = await Promise.all(due.map(async (t) => [t, await this.deps.load(t.url)] as const));
        // All swaps in one animation frame: one style/layout/paint pass for every tile.
        if (frames.length > 0 && this.deps.pageVisible()) await this.deps.nextFrame();
        for (const [target, img] of frames) {
          if (!this.targets.has(target)) continue;
          if (img) {
            this.retryAt.delete(target);
            target.show(img);
          } else {
            this.retryAt.set(target, started + MISSING_RETRY_MS);
            target.fail();
          }
        }
      }
    } finally {
      this.ticking = false;
    }
    if (this.targets.size > 0) this.timer = setTimeout(() => void this.tick(), Math.max(0, this.intervalMs - (this.deps.now() - started)));
  }
}
