/**
 * What the agent and its trial child process say to each other over the IPC channel, and how a
 * trial's failure is classified. Errors cross the process boundary as plain data.
 */
import type { BatchProgress, TrialProgress, TrialResult } from '../core/result.ts';
import { SkewerError } from '../core/errors.ts';
import type { TrialMessage } from '../transport/messages.ts';

/** Parent -> child: run this trial (with the dataset at `datasetPath`, when it has one). */
export interface RunRequest {
  readonly type: 'run';
  readonly trial: TrialMessage;
  readonly datasetPath?: string;
  /** Where this agent caches pretrained encoders (default: the user's cache folder). */
  readonly encoderCacheDir?: string;
}

/** Pretrained encoders beyond this machine (the agent's object store); see src/training/encoder-cache.ts. */
export interface EncoderStoreLike {
  fetch(key: string, dir: string): Promise<boolean>;
  publish(key: string, dir: string): Promise<void>;
}

/** Parent -> child: the answer to an `encoder` request (the child has no connection of its own). */
export interface EncoderReply {
  readonly type: 'encoder-reply';
  readonly id: number;
  readonly found?: boolean;
  readonly error?: string;
}

export interface TrialRun {
  /** The raw objective (balanced accuracy for training). */
  readonly value: number;
  readonly result?: TrialResult;
}

export interface FailureData {
  readonly name: string;
  readonly message: string;
  readonly where?: string;
  readonly retryable: boolean;
}

/** Child -> parent. */
export type ChildMessage =
  | { readonly type: 'progress'; readonly progress: TrialProgress }
  | { readonly type: 'batch'; readonly batch: BatchProgress }
  | { readonly type: 'result'; readonly run: TrialRun }
  | { readonly type: 'failure'; readonly failure: FailureData }
  | { readonly type: 'encoder'; readonly id: number; readonly op: 'fetch' | 'publish'; readonly key: string; readonly dir: string };

/**
 * A trial that did not produce a result. `retryable` failures (a crashed or killed child, an
 * unexpected exception) are handed back to the queue with backoff; the rest (bad params, a recipe
 * too big for any machine, divergence) end the trial as failed with the reason.
 */
export class TrialFailure extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly where?: string,
  ) {
    super(message);
    this.name = 'TrialFailure';
  }

  get reason(): string {
    return this.where ? `${this.where}: ${this.message}` : this.message;
  }
}

/** SkewerErrors say whether they are retryable; any other exception is a bug or a flake: retry. */
export function failureData(error: unknown): FailureData {
  if (error instanceof SkewerError) {
    return { name: error.name, message: error.message, ...(error.where && { where: error.where }), retryable: error.retryable };
  }
  if (error instanceof Error) return { name: error.name, message: error.message, retryable: true };
  return { name: 'Error', message: String(error), retryable: true };
}

export function failureFrom(data: FailureData): TrialFailure {
  return new TrialFailure(`${data.name === 'Error' || data.name === 'TrialFailure' ? '' : `${data.name}: `}${data.message}`, data.retryable, data.where);
}
