// Drops the burst of stale (often duplicated) frames that ffmpeg emits after a network outage:
// a token bucket refilled a little faster than the analysis rate lets normal jitter through.

export interface FrameRateGateOptions {
  fps: number;
  /** Frames allowed back to back before the rate limit bites. */
  burst?: number;
  /** Refill rate as a multiple of fps; above 1 so that jitter in a steady stream is never dropped. */
  slack?: number;
}

export class FrameRateGate {
  private tokens: number;
  private lastMs: number | undefined;
  private readonly burst: number;
  private readonly perMs: number;

  constructor(options: FrameRateGateOptions) {
    if (!(options.fps > 0)) throw new RangeError(`fps must be positive, got ${options.fps}`);
    this.burst = options.burst ?? 2;
    this.perMs = (options.fps * (options.slack ?? 1.5)) / 1000;
    this.tokens = this.burst;
  }

  /** True when a frame arriving at nowMs should pass. */
  admit(nowMs: number): boolean {
    if (this.lastMs !== undefined) {
      this.tokens = Math.min(this.burst, this.tokens + Math.max(0, nowMs - this.lastMs) * this.perMs);
    }
    this.lastMs = nowMs;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    return false;
  }

  reset(): void {
    this.tokens = this.burst;
    this.lastMs = undefined;
  }
}
