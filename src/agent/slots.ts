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

/**
 * How many local agents an embedded search starts without `--agents`: wasm and the pure-JS cpu
 * backend train a trial on one core, so one agent per core; a GPU backend one per GPU; tfjs-node
 * uses every core for one trial, so one.
 */
export function defaultLocalAgents(capabilities: { readonly backend: string; readonly gpus: number }, cores: number): { agents: number; why: string } {
  if (capabilities.backend === 'wasm' || capabilities.backend === 'cpu') {
    return { agents: Math.max(1, cores), why: `one per core: ${capabilities.backend} trains a trial on one core, ${cores} here` };
  }
  if (capabilities.backend === 'webgpu' || capabilities.gpus > 0) {
    const gpus = Math.max(1, capabilities.gpus);
    return { agents: gpus, why: `one per GPU, ${gpus} here` };
  }
  return { agents: 1, why: `${capabilities.backend} uses every core for one trial` };
}
