// Retry delays for camera reconnects: exponential (1 s doubling to 30 s by default) with jitter, so that
// many cameras behind one failed switch do not all reconnect in the same instant.

export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  factor?: number;
  /** Relative spread around each delay: 0.2 gives delays within +-20 %, never above maxMs. */
  jitter?: number;
  /** Source of randomness in [0, 1); replace it in tests. */
  random?: () => number;
}

export class Backoff {
  private attempt = 0;
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly factor: number;
  private readonly jitter: number;
  private readonly random: () => number;

  constructor(options: BackoffOptions = {}) {
    this.initialMs = options.initialMs ?? 1000;
    this.maxMs = options.maxMs ?? 30_000;
    this.factor = options.factor ?? 2;
    this.jitter = options.jitter ?? 0.2;
    this.random = options.random ?? Math.random;
    if (!(this.initialMs > 0 && this.maxMs >= this.initialMs && this.factor >= 1 && this.jitter >= 0 && this.jitter < 1)) {
      throw new RangeError(
        `backoff needs 0 < initialMs <= maxMs, factor >= 1 and 0 <= jitter < 1 (got ${this.initialMs}, ${this.maxMs}, ${this.factor}, ${this.jitter})`,
      );
    }
  }

  /** How many delays were handed out since the last reset. */
  get attempts(): number {
    return this.attempt;
  }

  /** The delay before the next attempt; each call moves one step up the schedule. */
  next(): number {
    const base = Math.min(this.maxMs, this.initialMs * this.factor ** this.attempt);
    this.attempt += 1;
    const spread = base * this.jitter * (2 * this.random() - 1);
    return Math.round(Math.min(this.maxMs, Math.max(0, base + spread)));
  }

  /** Back to the first step, after a connection proved stable. */
  reset(): void {
    this.attempt = 0;
  }
}
