/**
 * How an agent runs one trial. The real runner forks a child process per trial (tsx-loaded
 * src/agent/child.ts): the agent's event loop stays free to renew leases and send heartbeats,
 * a crash costs one attempt, GPU memory is freed on exit, and prune = kill. The in-process runner
 * exists for benchmarks of the dispatch path, where a process per trial would be what is measured.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BatchProgress, TrialProgress } from '../core/result.ts';
import type { TrialMessage } from '../transport/messages.ts';
import { executeTrial } from './execute.ts';
import { TrialFailure, failureData, failureFrom, type ChildMessage, type EncoderReply, type EncoderStoreLike, type RunRequest, type TrialRun } from './protocol.ts';

export interface RunOptions {
  readonly datasetPath?: string;
  readonly onProgress: (progress: TrialProgress) => void;
  /** Throttled batch progress inside an epoch; runners that cannot tell leave it uncalled. */
  readonly onBatch?: (batch: BatchProgress) => void;
  /** Abort = stop now (prune, hand back): the promise rejects with the signal's reason. */
  readonly signal: AbortSignal;
}

export interface TrialRunner {
  readonly kind: 'child-process' | 'in-process';
  /** Resolves with the objective, or rejects with a TrialFailure (or the abort reason). */
  run(trial: TrialMessage, options: RunOptions): Promise<TrialRun>;
}

const CHILD_MODULE = fileURLToPath(new URL('./child.ts', import.meta.url));
/** A child asked to stop (SIGTERM) gets this long before SIGKILL. */
const KILL_GRACE_MS = 2_000;

export interface ChildRunnerOptions {
  /** Extra environment for the child (e.g. a backend choice). */
  readonly env?: NodeJS.ProcessEnv;
  /** Where the child's stdout/stderr go: inherited (default) or ignored. */
  readonly stdio?: 'inherit' | 'ignore';
  /**
   * Pretrained encoders beyond this machine (the object store); the child asks for them over IPC.
   * A function picks the store of the trial's study (each study has its own encoder bucket).
   */
  readonly encoderStore?: EncoderStoreLike | ((study: string) => EncoderStoreLike);
  /** Where trials cache pretrained encoders (default: the user's cache folder). */
  readonly encoderCacheDir?: string;
}

export function childProcessRunner(options: ChildRunnerOptions = {}): TrialRunner {
  const tsxLoader = import.meta.resolve('tsx');
  return {
    kind: 'child-process',
    run(trial, { datasetPath, onProgress, onBatch, signal }) {
      return new Promise<TrialRun>((resolve, reject) => {
        if (signal.aborted) return reject(signal.reason);
        const child: ChildProcess = fork(CHILD_MODULE, [], {
          execArgv: ['--import', tsxLoader],
          env: { ...process.env, ...options.env },
          stdio: options.stdio === 'ignore' ? ['ignore', 'ignore', 'ignore', 'ipc'] : ['inherit', 'inherit', 'inherit', 'ipc'],
          serialization: 'advanced',
        });
        let outcome: { run: TrialRun } | { failure: TrialFailure } | undefined;
        let killTimer: NodeJS.Timeout | undefined;
        const onAbort = (): void => {
          child.kill('SIGTERM');
          killTimer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        child.on('message', (message: ChildMessage) => {
          if (message.type === 'encoder') {
            const reply = (answer: Omit<EncoderReply, 'type' | 'id'>): void => {
              if (child.connected) child.send({ type: 'encoder-reply', id: message.id, ...answer } satisfies EncoderReply);
            };
            const store = typeof options.encoderStore === 'function' ? options.encoderStore(trial.study) : options.encoderStore;
            if (!store) reply({ found: false });
            else if (message.op === 'fetch') store.fetch(message.key, message.dir).then((found) => reply({ found }), (error: Error) => reply({ error: error.message }));
            else store.publish(message.key, message.dir).then(() => reply({}), (error: Error) => reply({ error: error.message }));
          } else if (message.type === 'progress') onProgress(message.progress);
          else if (message.type === 'batch') onBatch?.(message.batch);
          else if (message.type === 'result') outcome = { run: message.run };
          else outcome = { failure: failureFrom(message.failure) };
        });
        child.once('error', (error) => {
          outcome ??= { failure: new TrialFailure(`could not start the trial process: ${error.message}`, true) };
        });
        child.once('exit', (code, exitSignal) => {
          signal.removeEventListener('abort', onAbort);
          if (killTimer) clearTimeout(killTimer);
          if (signal.aborted) return reject(signal.reason);
          if (outcome && 'run' in outcome) return resolve(outcome.run);
          if (outcome) return reject(outcome.failure);
          const how = exitSignal ? `was killed by ${exitSignal}` : `exited with code ${code}`;
          reject(new TrialFailure(`the trial process ${how} before reporting a result (out of memory?)`, true));
        });
        const request: RunRequest = { type: 'run', trial, ...(datasetPath && { datasetPath }), ...(options.encoderCacheDir && { encoderCacheDir: options.encoderCacheDir }) };
        child.send(request);
      });
    },
  };
}

/** Runs trials in the agent's own process: only for benchmarks and tests of the dispatch path. */
export function inProcessRunner(settings: Pick<ChildRunnerOptions, 'encoderStore' | 'encoderCacheDir'> = {}): TrialRunner {
  return {
    kind: 'in-process',
    async run(trial, options) {
      try {
        const { encoderStore, ...rest } = settings;
        const store = typeof encoderStore === 'function' ? encoderStore(trial.study) : encoderStore;
        return await executeTrial(trial, { ...rest, ...(store && { encoderStore: store }), ...options });
      } catch (error) {
        if (options.signal.aborted) throw options.signal.reason;
        throw failureFrom(failureData(error));
      }
    },
  };
}
