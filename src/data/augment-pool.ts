/**
 * Worker threads that augment host batches, so decoding (sharp's own threads), augmentation and
 * training use all cores. One shared pool per process, grown on demand; a thread is referenced
 * only while it has work, so the pool never keeps an idle process alive. Results are identical to
 * augmenting in-thread with the same seed.
 */
import { Worker } from 'node:worker_threads';
import type { AugmentedHostBatch, AugmentExtras } from './augment-host.ts';
import type { HostBatch } from './host-batch.ts';
import type { AugmentationName, AugmentationOptions } from './types.ts';

export interface AugmentJob {
  id: number;
  batch: HostBatch;
  augmentations: readonly AugmentationName[];
  /** createRng(seed) in the worker. */
  seed: number;
  options?: AugmentationOptions;
  mask?: readonly boolean[];
  extras?: AugmentExtras;
}

export type AugmentReply = { id: number; out: AugmentedHostBatch } | { id: number; error: string };

interface Pending {
  resolve: (out: AugmentedHostBatch) => void;
  reject: (error: Error) => void;
}

export class AugmentPool {
  private readonly threads: Array<{ worker: Worker; busy: number }> = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  get size(): number {
    return this.threads.length;
  }

  /** Starts threads until there are `size`. */
  grow(size: number): void {
    while (this.threads.length < size) {
      // A worker does not inherit tsx's loader: register it, then load the TypeScript body.
      const body = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(new URL('./augment-worker.ts', import.meta.url).href)}); })`;
      const worker = new Worker(body, { eval: true });
      const thread = { worker, busy: 0 };
      worker.on('message', (reply: AugmentReply) => {
        thread.busy--;
        if (thread.busy === 0) worker.unref();
        const pending = this.pending.get(reply.id);
        this.pending.delete(reply.id);
        if ('error' in reply) pending?.reject(new Error(`augmentation worker: ${reply.error}`));
        else pending?.resolve(reply.out);
      });
      worker.on('error', (error) => this.failAll(error));
      // Held open only while it has work (unref after the listeners: adding one re-refs the port).
      worker.unref();
      this.threads.push(thread);
    }
  }

  /** Augments on the least busy thread; the batch's arrays are transferred (unusable here afterwards). */
  run(job: Omit<AugmentJob, 'id'>): Promise<AugmentedHostBatch> {
    if (this.threads.length === 0) this.grow(1);
    const thread = this.threads.reduce((a, b) => (b.busy < a.busy ? b : a));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (thread.busy++ === 0) thread.worker.ref();
      thread.worker.postMessage({ ...job, id }, [job.batch.pixels.buffer as ArrayBuffer, job.batch.labels.buffer as ArrayBuffer]);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.splice(0).map((t) => t.worker.terminate()));
    this.failAll(new Error('augmentation pool closed'));
  }

  private failAll(error: Error): void {
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }
}

let shared: AugmentPool | undefined;

/** The process's shared pool with at least `size` threads. */
export function sharedAugmentPool(size: number): AugmentPool {
  shared ??= new AugmentPool();
  shared.grow(size);
  return shared;
}
