/**
 * Background work of the coordinator (heartbeats, reports, the reaper, the pump) never throws into
 * a timer. Each kind of work is idempotent and comes round again, so a failure (the server
 * restarting, a KV timeout) is logged and retried; one that persists longer than the outage budget
 * stops the study with the error (or, given `giveUp`, the error it makes: on NATS an OutageError
 * with the --resume advice, never an internal error). A UserError is no outage: retrying cannot help, so it stops at once.
 */
import { UserError } from '../core/errors.ts';

export interface OutageGuardOptions {
  readonly budgetMs: number;
  readonly clock: () => number;
  readonly log: (line: string) => void;
  /** Stops the study with this error. */
  readonly fail: (error: unknown) => void;
  /** Called after a failure that will be retried, with the kind of work that failed. */
  readonly onRetry?: (what: string) => void;
  /** The error to stop with once the budget is spent (default: the last error, named by the work). */
  readonly giveUp?: (what: string, error: unknown, failingForMs: number) => unknown;
}

export class OutageGuard {
  private readonly failingSince = new Map<string, number>();

  constructor(private readonly options: OutageGuardOptions) {}

  /** Runs `work` (sync or async) under the guard; never throws. */
  run(what: string, work: () => void | Promise<void>): void {
    try {
      const result = work();
      if (result) result.then(() => this.failingSince.delete(what), (error: unknown) => this.onError(what, error));
      else this.failingSince.delete(what);
    } catch (error) {
      this.onError(what, error);
    }
  }

  private onError(what: string, error: unknown): void {
    const { clock, budgetMs, fail, log, onRetry, giveUp } = this.options;
    if (error instanceof UserError) return fail(error);
    const since = this.failingSince.get(what) ?? clock();
    this.failingSince.set(what, since);
    if (clock() - since > budgetMs) return fail(giveUp ? giveUp(what, error, clock() - since) : annotate(error, what));
    log(`${what}: ${(error as Error).message ?? String(error)} (retrying)`);
    onRetry?.(what);
  }
}

function annotate(error: unknown, what: string): unknown {
  if (error instanceof Error && !(error instanceof UserError)) error.message = `${what}: ${error.message}`;
  return error;
}
