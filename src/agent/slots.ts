/**
 * The agent's slots, shared by the consumers of every resource-class queue it pulls from. Taking
 * a slot is synchronous when one is free, so a consumer that just handed a trial off sees the
 * slot gone before it asks its queue for the next one.
 */
export class SlotPool {
  private free: number;
  private readonly waiters: Array<() => void> = [];

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`slots must be a whole number >= 1, got ${size}`);
    this.free = size;
  }

  get available(): number {
    return this.free;
  }

  /** Resolves once a slot is free (without taking it), or when `signal` aborts. */
  untilFree(signal: AbortSignal): Promise<void> {
    if (this.free > 0 || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        signal.removeEventListener('abort', done);
        const index = this.waiters.indexOf(wake);
        if (index >= 0) this.waiters.splice(index, 1);
        resolve();
      };
      const wake = (): void => done();
      signal.addEventListener('abort', done, { once: true });
      this.waiters.push(wake);
    });
  }

  /** Takes a slot: at once if one is free, else after one frees. Never rejects. */
  async acquire(): Promise<void> {
    const never = new AbortController().signal;
    while (this.free <= 0) await this.untilFree(never);
    this.free -= 1;
  }

  release(): void {
    this.free += 1;
    for (const wake of this.waiters.splice(0)) wake();
  }
}
