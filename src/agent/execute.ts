/**
 * Runs the work of one trial message in the current process: a benchmark function (after its
 * simulated delay) or a training recipe (k-fold CV through src/training, loaded only when needed
 * so function trials never load tfjs). The child process entry and the in-process runner share it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { BatchProgress, TrialProgress } from '../core/result.ts';
import { UserError } from '../core/errors.ts';
import { evaluateObjective } from '../objectives/index.ts';
import type { TrialMessage } from '../transport/messages.ts';
import type { EncoderStoreLike, TrialRun } from './protocol.ts';

export interface ExecuteOptions {
  readonly datasetPath?: string;
  readonly encoderCacheDir?: string;
  readonly encoderStore?: EncoderStoreLike;
  readonly onProgress: (progress: TrialProgress) => void;
  /** Throttled batch progress inside an epoch (training recipes only). */
  readonly onBatch?: (batch: BatchProgress) => void;
  readonly signal: AbortSignal;
}

export async function executeTrial(trial: TrialMessage, options: ExecuteOptions): Promise<TrialRun> {
  const work = trial.work;
  if (!work) throw new UserError('the trial carries no work (its params could not be made into a trial spec)', { where: `trial ${trial.trialId}` });
  if (work.kind === 'function') {
    if (work.delayMs > 0) await sleep(work.delayMs, undefined, { signal: options.signal });
    return { value: evaluateObjective(work.function, trial.params) };
  }
  const spec = options.datasetPath ? { ...work.spec, dataset: { ...work.spec.dataset, path: options.datasetPath } } : work.spec;
  const { runTrial } = await import('../training/run-trial.ts');
  const result = await runTrial(spec, {
    onProgress: options.onProgress,
    ...(options.onBatch && { onBatch: options.onBatch }),
    signal: options.signal,
    ...(options.encoderCacheDir && { encoderCacheDir: options.encoderCacheDir }),
    ...(options.encoderStore && { encoderStore: options.encoderStore }),
  });
  return { value: result.objective.mean, result };
}
