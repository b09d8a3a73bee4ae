/**
 * The Dispatcher: puts trials on this study's work queue of their resource class. It publishes the
 * queues' lease and attempt settings first, under the study's own key (agents open the study's
 * queues with them, so nobody resets the coordinator's choice; other studies have queues and
 * settings of their own), opens each queue once, and registers the max-attempts handler on it.
 * A trial's message id is `study.trial.dispatch`: publishing the same dispatch twice (a restart
 * between publish and recording it) is deduplicated by the queue. Every trial is sealed with the
 * study's coordinator key; an exhausted item is handed on only if it is a trial this key signed
 * for this study (the notice itself is the server's, so the coordinator corroborates it).
 */
import { queueDeliveriesOf, type StudyConfig } from '../config/study.ts';
import type { Transport, WorkQueue } from '../transport/types.ts';
import { envelopeCodec, sealTrial, StudyTrust, type Envelope, type StudySigner } from '../transport/auth/index.ts';
import {
  PROTOCOL_VERSION,
  queueSettingsCodec,
  type DatasetRef,
  type StoredTrial,
  type TrialMessage,
} from '../transport/messages.ts';
import { RESOURCE_CLASSES, SETTINGS_BUCKET, trialQueueName, trialQueueSettingsKey, type ResourceClass } from '../transport/subjects.ts';

/** Returns 'refused' for a notice it does not believe: the notice is dropped, the item kept. */
export type ExhaustedHandler = (message: TrialMessage, attempts: number) => Promise<void | 'refused'>;

export class Dispatcher {
  private readonly queues = new Map<ResourceClass, Promise<WorkQueue<Envelope>>>();
  private readonly unsubscribes: Array<() => void> = [];
  private readonly trust: StudyTrust;

  constructor(
    private readonly transport: Transport,
    private readonly config: StudyConfig,
    private readonly dataset: DatasetRef | undefined,
    private readonly signer: StudySigner,
    private readonly onExhausted: ExhaustedHandler,
    private readonly log: (line: string) => void,
    private readonly clock: () => number = Date.now,
  ) {
    this.trust = new StudyTrust(signer.study, signer.publicKey);
  }

  /**
   * Call before the first `open`/`dispatch`. Every class's queue is opened first: an agent opens
   * the queues as soon as it sees the settings, and an agent of the least-privilege account may not
   * create a queue's exhausted-items consumer, so the queues must exist before the settings do.
   */
  async publishQueueSettings(): Promise<void> {
    for (const resourceClass of RESOURCE_CLASSES) await this.open(resourceClass);
    const settings = await this.transport.kv(SETTINGS_BUCKET, queueSettingsCodec);
    await settings.put(trialQueueSettingsKey(this.config.name), {
      v: PROTOCOL_VERSION,
      type: 'queue-settings',
      ackWaitMs: this.config.ackWaitMs,
      // The queue's max_deliver: failures and vanishings both redeliver (see queueDeliveriesOf).
      maxAttempts: queueDeliveriesOf(this.config),
    });
  }

  /** Opens the queue of a class (once), so exhausted items left from before are handled too. */
  open(resourceClass: ResourceClass): Promise<WorkQueue<Envelope>> {
    let queue = this.queues.get(resourceClass);
    if (!queue) {
      const options = { ackWaitMs: this.config.ackWaitMs, maxAttempts: queueDeliveriesOf(this.config) };
      queue = this.transport.workQueue(trialQueueName(this.config.name, resourceClass), envelopeCodec, options).then((opened) => {
        this.unsubscribes.push(opened.onMaxAttempts((item) => this.exhausted(item.data, item.attempts)));
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
      maxVanishings: this.config.maxVanishings,
      retryDelayMs: this.config.retryDelayMs,
      ackWaitMs: this.config.ackWaitMs,
    };
    const queue = await this.open(trial.resources.class);
    await queue.publish(`${this.config.name}.${trial.id}.${dispatch}`, sealTrial(this.signer, message, this.clock()));
    return dispatch;
  }

  /** The queues are this study's: an item naming another study is no trial of ours (refused). */
  private async exhausted(envelope: Envelope, attempts: number): Promise<void | 'refused'> {
    let message: TrialMessage;
    try {
      message = this.trust.openTrial(envelope);
    } catch (error) {
      this.log(`max-deliveries notice refused: the item is no trial of this study (${(error as Error).message})`);
      return;
    }
    return this.onExhausted(message, attempts);
  }

  close(): void {
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
  }
}
