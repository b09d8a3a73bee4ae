/**
 * Worker-thread body for AugmentPool: augments host batches off the training thread. Receives a
 * job, answers with the augmented arrays (transferred, not copied) or the error's message.
 */
import { parentPort } from 'node:worker_threads';
import { createRng } from '../core/rng.ts';
import { augmentHostBatch } from './augment-host.ts';
import type { AugmentJob, AugmentReply } from './augment-pool.ts';

const port = parentPort;
if (!port) throw new Error('augment-worker.ts runs only as a worker thread');

port.on('message', (job: AugmentJob) => {
  let reply: AugmentReply;
  let transfer: ArrayBuffer[] = [];
  try {
    const out = augmentHostBatch(job.batch, job.augmentations, createRng(job.seed), job.options, job.mask, job.extras);
    reply = { id: job.id, out };
    transfer = [out.pixels, out.labels, ...(out.augmixViews ?? [])].map((a) => a.buffer as ArrayBuffer);
  } catch (error) {
    // Not swallowed: the pool rejects the job's promise with this message.
    reply = { id: job.id, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
  port.postMessage(reply, transfer);
});
