import { untilAborted } from './memory/channel.ts';

/**
 * The `maxInFlight` rule of `WorkQueue.consume`, shared by both transports: a consumer pulls only
 * while it holds fewer than `max` unfinished leases; each lease's first verb frees its slot.
 */
export class InFlightSlots {
  private used = 0;
  private slotFreed: (() => void) | undefined;

  constructor(private readonly max: number) {
    if (!(max >= 1)) throw new RangeError(`maxInFlight is ${max}, but must be at least 1`);
  }

  /** Resolves once a slot is free, or when `signal` aborts. */
  async free(signal: AbortSignal): Promise<void> {
    while (this.used >= this.max && !signal.aborted) {
      await untilAborted(signal, (wake) => {
        this.slotFreed = wake;
      });
      this.slotFreed = undefined;
    }
  }

  take(): void {
    this.used += 1;
  }

  readonly release = (): void => {
    this.used -= 1;
    this.slotFreed?.();
  };
}
