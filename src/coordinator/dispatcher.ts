/**
 * The Dispatcher: puts trials on the work queue of their resource class. It publishes the queues'
 * lease and attempt settings first (agents open the shared queues with them, so nobody resets
 * the coordinator's choice), opens each queue once, and registers the max-attempts handler on it.
 * A trial's message id is `study.trial.dispatch`: publishing the same dispatch twice (a restart
 * between publish and recording it) is deduplicated by the queue.
 */
import type { StudyConfig } from '../config/study.ts';
import type { Transport, WorkQueue } from '../transport/types.ts';
import {
  PROTOCOL_VERSION,
  queueSettingsCodec,
  trialCodec,
  type DatasetRef,
  type StoredTrial,
  type TrialMessage,
} from '../transport/messages.ts';
import { SETTINGS_BUCKET, TRIAL_QUEUE_SETTINGS_KEY, trialQueueName, type ResourceClass } from '../transport/subjects.ts';

export type ExhaustedHandler = (message: TrialMessage, attempts: number) => Promise<void>;

export class Dispatcher {
  private readonly queues = new Map<ResourceClass, Promise<WorkQueue<TrialMessage>>>();
  private readonly unsubscribes: Array<() => void> = [];

  constructor(
    private readonly transport: Transport,
    private readonly config: StudyConfig,
    private readonly dataset: DatasetRef | undefined,
    private readonly onExhausted: ExhaustedHandler,
  ) {}

  /** Call before the first `open`/`dispatch`. */
  async publishQueueSettings(): Promise<void> {
    const settings = await this.transport.kv(SETTINGS_BUCKET, queueSettingsCodec);
    await settings.put(TRIAL_QUEUE_SETTINGS_KEY, {
      v: PROTOCOL_VERSION,
      type: 'queue-settings',
      ackWaitMs: this.config.ackWaitMs,
      maxAttempts: this.config.maxAttempts,
    });
  }

  /** Opens the queue of a class (once), so exhausted items left from before are handled too. */
  open(resourceClass: ResourceClass): Promise<WorkQueue<TrialMessage>> {
    let queue = this.queues.get(resourceClass);
    if (!queue) {
      const { ackWaitMs, maxAttempts } = this.config;
      queue = this.transport.workQueue(trialQueueName(resourceClass), trialCodec, { ackWaitMs, maxAttempts }).then((opened) => {
        this.unsubscribes.push(opened.onMaxAttempts((item) => this.onExhausted(item.data, item.attempts)));
        return opened;
      });
      this.queues.set(resourceClass, queue);
    }
    return queue;
  }

  /** Publishes the trial's next dispatch; returns its number (to record in the trial). */
  async dispatch(trial: StoredTrial): Promise<number> {
    if (!trial.work) throw new Error(`trial ${trial.id} has no work to dispatch`);
    const dispatch = trial.dispatches + 1;
    const message: TrialMessage = {
      v: PROTOCOL_VERSION,
      type: 'trial',
      study: this.config.name,
      trialId: trial.id,
      number: trial.number,
      params: trial.params,
      work: trial.work,
      resources: trial.resources,
      ...(this.dataset && { dataset: this.dataset }),
      // Attempts of earlier dispatches keep their numbers; this dispatch's continue after them.
      attemptOffset: trial.attempts.reduce((max, a) => Math.max(max, a.attempt), 0),
      maxAttempts: this.config.maxAttempts,
      retryDelayMs: this.config.retryDelayMs,
      ackWaitMs: this.config.ackWaitMs,
    };
    const queue = await this.open(trial.resources.class);
    await queue.publish(`${this.config.name}.${trial.id}.${dispatch}`, message);
    return dispatch;
  }

  close(): void {
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
  }
}
