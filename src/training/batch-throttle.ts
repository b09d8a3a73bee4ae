/**
 * How often a trial says where it is inside an epoch: a batch is reported when at least
 * `intervalMs` (default 1 s) has passed since the last report or the epoch has moved on by another
 * `fraction` (default 10 %) of its batches, whichever comes first: at most about one report a
 * second on slow epochs and ten per epoch on fast ones. The first batch of an epoch is always sent
 * (a new epoch shows at once), the last never (the epoch's own report follows it). Time comes from
 * `clock`, so tests need no waiting.
 */
export interface BatchThrottleOptions {
  readonly intervalMs?: number;
  readonly fraction?: number;
  readonly clock?: () => number;
}

export class BatchThrottle {
  private readonly intervalMs: number;
  private readonly fraction: number;
  private readonly clock: () => number;
  private lastAt = Number.NEGATIVE_INFINITY;
  private lastBatch = 0;

  constructor(options: BatchThrottleOptions = {}) {
    this.intervalMs = options.intervalMs ?? 1_000;
    this.fraction = options.fraction ?? 0.1;
    this.clock = options.clock ?? (() => performance.now());
    if (!(this.intervalMs > 0)) throw new RangeError(`BatchThrottle intervalMs must be > 0, got ${this.intervalMs}`);
    if (!(this.fraction > 0 && this.fraction <= 1)) throw new RangeError(`BatchThrottle fraction must be in (0, 1], got ${this.fraction}`);
  }

  /** Called after batch `batch` (1-based) of `batches`: true when this one should be reported. */
  shouldReport(batch: number, batches: number): boolean {
    if (batch <= this.lastBatch) this.reset(); // a new epoch started
    if (batch >= batches) return false;
    const now = this.clock();
    const step = Math.max(1, Math.ceil(batches * this.fraction));
    if (now - this.lastAt < this.intervalMs && batch - this.lastBatch < step) return false;
    this.lastAt = now;
    this.lastBatch = batch;
    return true;
  }

  /** Forget the last report (call when an epoch starts). */
  reset(): void {
    this.lastAt = Number.NEGATIVE_INFINITY;
    this.lastBatch = 0;
  }
}

/** Told after batch `batch` (1-based) of `batches` in epoch `epoch` (from 0) of `epochs`: a stage's batch progress, unthrottled. */
export type StageBatchCallback = (epoch: number, epochs: number, batch: number, batches: number) => void;
