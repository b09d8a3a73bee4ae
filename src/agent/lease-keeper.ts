/**
 * Keeps one delivery's lease ours while its trial runs (as BullMQ's LockManager keeps a job's
 * lock): renews it on a timer from the agent's event loop, which stays free because the trial
 * itself runs in a child process. It knows only the lease's `renew` (JetStream `working()`).
 *
 * Invariants: a renewal that throws (e.g. on a closed connection) is reported as a
 * `renew-failed` event, never thrown into the timer; once renewals have failed for longer than
 * the lease lasts (`expiresAfterMs` since the last good one), the server has given the item to
 * someone else: the keeper reports `lost` once and stops. After `stop()` nothing more happens.
 */
import type { Lease } from '../transport/types.ts';
import { IllegalTransitionError } from '../core/errors.ts';

/** The one member of a lease the keeper uses. */
export type RenewableLease = Pick<Lease, 'renew'>;

export type LeaseKeeperEvent =
  | { readonly type: 'renewed'; readonly at: number }
  /** `failures`: how many renewals in a row have failed, this one included. */
  | { readonly type: 'renew-failed'; readonly at: number; readonly error: Error; readonly failures: number }
  /** No renewal succeeded for `sinceRenewedMs` ≥ the lease's life: it is gone; the keeper has stopped. */
  | { readonly type: 'lost'; readonly at: number; readonly sinceRenewedMs: number; readonly error: Error };

export type LeaseKeeperEventType = LeaseKeeperEvent['type'];
type Listener<K extends LeaseKeeperEventType> = (event: Extract<LeaseKeeperEvent, { type: K }>) => void;

export interface LeaseKeeperOptions {
  /** Renew this often; well inside the lease's life (the agent uses a third of ackWait). */
  readonly everyMs: number;
  /** How long the lease lasts after a renewal (the queue's ackWait). */
  readonly expiresAfterMs: number;
  readonly clock?: () => number;
}

export type LeaseKeeperState = 'idle' | 'keeping' | 'stopped' | 'lost';

export class LeaseKeeper {
  private readonly listeners = new Map<LeaseKeeperEventType, Set<(event: LeaseKeeperEvent) => void>>();
  private readonly clock: () => number;
  private timer: ReturnType<typeof setInterval> | undefined;
  private lastRenewedAt = 0;
  private failures = 0;
  private current: LeaseKeeperState = 'idle';

  constructor(
    private readonly lease: RenewableLease,
    private readonly options: LeaseKeeperOptions,
  ) {
    if (!(options.everyMs > 0)) throw new RangeError(`everyMs is ${options.everyMs}, but must be > 0`);
    if (!(options.expiresAfterMs > 0)) throw new RangeError(`expiresAfterMs is ${options.expiresAfterMs}, but must be > 0`);
    this.clock = options.clock ?? Date.now;
  }

  get state(): LeaseKeeperState {
    return this.current;
  }

  /** Listens to one kind of event; returns the function that stops listening. Listeners must not throw. */
  on<K extends LeaseKeeperEventType>(type: K, listener: Listener<K>): () => void {
    let set = this.listeners.get(type);
    if (!set) {
      set = new Set();
      this.listeners.set(type, set);
    }
    const untyped = listener as (event: LeaseKeeperEvent) => void;
    set.add(untyped);
    return () => set.delete(untyped);
  }

  /** Starts renewing; the lease counts as renewed now (it was just delivered). Once only. */
  start(): this {
    if (this.current !== 'idle') throw new IllegalTransitionError('lease keeper', this.current, 'keeping');
    this.current = 'keeping';
    this.lastRenewedAt = this.clock();
    this.timer = setInterval(() => this.tick(), this.options.everyMs);
    return this;
  }

  /** Stops renewing (the lease got its verb, or is abandoned). Safe to call more than once. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    if (this.current === 'idle' || this.current === 'keeping') this.current = 'stopped';
  }

  private tick(): void {
    if (this.current !== 'keeping') return;
    const at = this.clock();
    try {
      this.lease.renew();
    } catch (thrown) {
      const error = thrown instanceof Error ? thrown : new Error(String(thrown));
      this.failures += 1;
      this.emit({ type: 'renew-failed', at, error, failures: this.failures });
      if (this.current !== 'keeping') return; // a listener stopped the keeper
      const sinceRenewedMs = at - this.lastRenewedAt;
      if (sinceRenewedMs >= this.options.expiresAfterMs) {
        clearInterval(this.timer);
        this.timer = undefined;
        this.current = 'lost';
        this.emit({ type: 'lost', at, sinceRenewedMs, error });
      }
      return;
    }
    this.failures = 0;
    this.lastRenewedAt = at;
    this.emit({ type: 'renewed', at });
  }

  private emit(event: LeaseKeeperEvent): void {
    for (const listener of this.listeners.get(event.type) ?? []) listener(event);
  }
}
