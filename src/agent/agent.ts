/**
 * The agent loop: pulls one trial per free slot from the queues of the resource classes this
 * machine can run, runs each in a child process while renewing its lease from this event loop,
 * relays reports, obeys prune commands, and ends each delivery with exactly one lease verb:
 *   complete (result or pruned) · retry with backoff (retryable failure, or handed back) ·
 *   reject (unrecoverable failure, or retryable on the last attempt).
 * A failing trial never stops the agent. `stop` finishes running trials and leaves; `handBack`
 * kills them and hands them back at once.
 *
 * It serves the studies it joined (one credential each, from a join token): it consumes only those
 * studies' trial queues (each study has its own, with its own lease settings), runs only trials
 * sealed by such a study's coordinator key and obeys only its prunes; it signs its starts,
 * outcomes, reports, heartbeats and goodbyes with its granted key. A forged or replayed trial, or
 * one naming another study than its queue's, is rejected with the reason logged.
 */
import { SkewerError } from '../core/errors.ts';
import { pruningValueOf, type BatchProgress, type TrialProgress } from '../core/result.ts';
import { isFinished, type IntermediateReport } from '../core/trial.ts';
import type { Bus, Delivery, Lease, Transport, WorkQueue } from '../transport/types.ts';
import { Gate, StudyTrust, envelopeCodec, sealBus, sealResult, type Envelope, type JoinCredential } from '../transport/auth/index.ts';
import {
  PROTOCOL_VERSION,
  RESULT_QUEUE_OPTIONS,
  type AgentAdvert,
  type BusMessage,
  type ResultMessage,
  type TrialMessage,
  type TrialOutcomeMessage,
} from '../transport/messages.ts';
import { heartbeatSubject, pruneSubjectsOf, reportSubject, resultQueueName, trialQueueName, type ResourceClass } from '../transport/subjects.ts';
import type { Capabilities } from './capabilities.ts';
import { LeaseKeeper } from './lease-keeper.ts';
import { AgentLifecycle, type AgentState } from './lifecycle.ts';
import { TrialFailure } from './protocol.ts';
import type { TrialRunner } from './runner.ts';
import { DEFAULT_QUEUE_RETRY, retrying } from './retrying.ts';
import { SlotPool } from './slots.ts';
import { TrialRecords } from './trial-records.ts';

export interface AgentOptions {
  readonly transport: Transport;
  readonly name: string;
  /** The studies it serves: one credential each (decodeJoinToken, or minted in-process when embedded). */
  readonly joins: readonly JoinCredential[];
  readonly slots: number;
  readonly capabilities: Capabilities;
  readonly runner: TrialRunner;
  readonly heartbeatMs: number;
  /** A joined study's lease and attempt settings, to open its trial queues with (see settings.ts). */
  readonly queueSettings: (study: string) => Promise<{ ackWaitMs: number; maxAttempts: number }>;
  /** Local dataset path for a trial (fetching and caching it if needed); undefined for function trials. */
  readonly resolveDataset?: (trial: TrialMessage) => Promise<string | undefined>;
  /** One line per notable thing (trial taken, finished, failed). */
  readonly log?: (line: string) => void;
  readonly clock?: () => number;
  /**
   * When a study's settings or one of its queues cannot be opened (a lost connection, a missing
   * right, a stream the server refuses), that queue alone is retried after firstMs, doubling up to
   * maxMs; the other queues keep serving. Default 1 s to 30 s.
   */
  readonly queueRetry?: { readonly firstMs: number; readonly maxMs: number };
}

interface Running {
  readonly trial: TrialMessage;
  readonly attempt: number;
  readonly controller: AbortController;
  pruned: boolean;
}

type Verdict = Pick<TrialOutcomeMessage, 'outcome' | 'value' | 'result' | 'error'>;

const PUBLISH_RETRY_MS = 500;

export class Agent {
  private readonly running = new Map<string, Running>();
  private readonly records: TrialRecords;
  private readonly results = new Map<string, Promise<WorkQueue<Envelope>>>();
  private readonly slots: SlotPool;
  private readonly bus: Bus<Envelope>;
  private readonly credentials = new Map<string, JoinCredential>();
  private readonly gate: Gate;
  private readonly log: (line: string) => void;
  private readonly clock: () => number;
  private readonly startedAt: number;
  private handBack = new AbortController();
  private readonly lifecycle = new AgentLifecycle();

  constructor(private readonly options: AgentOptions) {
    this.slots = new SlotPool(options.slots);
    this.bus = options.transport.bus(envelopeCodec);
    this.log = options.log ?? (() => undefined);
    this.clock = options.clock ?? Date.now;
    if (options.joins.length === 0) throw new Error('an agent serves at least one study: give it a join credential');
    for (const credential of options.joins) this.credentials.set(credential.study, credential);
    this.gate = new Gate(options.joins.map((c) => new StudyTrust(c.study, c.coordinatorKey)), this.clock);
    this.records = new TrialRecords(options.transport, (study) => this.credentialOf(study).coordinatorKey, this.log);
    this.startedAt = this.clock();
  }

  get name(): string {
    return this.options.name;
  }

  get busy(): number {
    return this.running.size;
  }

  /** idle until `run`, running, draining once `stop` aborts, stopped when `run` has returned. */
  get state(): AgentState {
    return this.lifecycle.state;
  }

  /**
   * Serves until `stop` aborts, then waits for running trials (or, once `handBack` aborts, kills
   * and hands them back) and says goodbye. Once per agent: a second call rejects with
   * IllegalTransitionError.
   */
  async run(stop: AbortSignal, handBack?: AbortSignal): Promise<void> {
    this.lifecycle.to('running');
    const drain = (): void => this.lifecycle.to('draining');
    if (stop.aborted) drain();
    else stop.addEventListener('abort', drain, { once: true });
    handBack?.addEventListener('abort', () => this.handBack.abort(), { once: true });
    const unsubscribes = this.gate.studies.map((study) => this.bus.subscribe(pruneSubjectsOf(study), (envelope, subject) => this.onPrune(envelope, subject)));
    this.heartbeat();
    const beat = setInterval(() => this.heartbeat(), this.options.heartbeatMs);
    const inFlight = new Set<Promise<void>>();
    try {
      // Each joined study's queues, opened with its own settings (a study not started yet waits alone);
      // one that fails to open is retried on its own, never taking the agent or the others down.
      const classes = this.options.capabilities.classes;
      const delays = this.options.queueRetry ?? DEFAULT_QUEUE_RETRY;
      await Promise.all(
        this.gate.studies.map(async (study) => {
          const settings = await retrying(`the queue settings of study ${study}`, stop, () => this.options.queueSettings(study), delays, this.log);
          if (!settings) return;
          await Promise.all(
            classes.map((resourceClass) =>
              retrying(`trial queue ${trialQueueName(study, resourceClass)}`, stop, async () => {
                const queue = await this.options.transport.workQueue(trialQueueName(study, resourceClass), envelopeCodec, settings);
                await this.pull(queue, study, resourceClass, stop, inFlight);
                return true;
              }, delays, this.log),
            ),
          );
        }),
      );
      await Promise.all(inFlight);
    } finally {
      stop.removeEventListener('abort', drain);
      clearInterval(beat);
      for (const unsubscribe of unsubscribes) unsubscribe();
      for (const credential of this.credentials.values()) {
        const goodbye: BusMessage = { v: PROTOCOL_VERSION, type: 'agent-leaving', at: this.clock(), agent: this.name };
        this.bus.publish(heartbeatSubject(credential.study, this.name), sealBus(credential, goodbye, this.clock()));
      }
      this.lifecycle.to('stopped');
    }
  }

  private async pull(queue: WorkQueue<Envelope>, study: string, resourceClass: ResourceClass, stop: AbortSignal, inFlight: Set<Promise<void>>): Promise<void> {
    const iterator = queue.consume({ maxInFlight: this.options.slots, signal: stop })[Symbol.asyncIterator]();
    for (;;) {
      await this.slots.untilFree(stop);
      if (stop.aborted) break;
      const next = await iterator.next();
      if (next.done) break;
      const task = this.admit(next.value, study, resourceClass)
        .catch((error: unknown) => {
          // A lease verb or result could not reach the server: the lease expires and the trial is redelivered.
          this.log(`a trial of study ${next.value.data.study}: ${(error as Error).message ?? String(error)}; it will be redelivered`);
        })
        .finally(() => inFlight.delete(task));
      inFlight.add(task);
    }
    await iterator.return?.();
  }

  /** Runs a trial only if its queue's study's coordinator sealed it, and it is no replay. */
  private async admit({ data: envelope, lease }: Delivery<Envelope>, study: string, resourceClass: ResourceClass): Promise<void> {
    const queue = trialQueueName(study, resourceClass);
    const admitted =
      envelope.study === study ? this.gate.admitTrial(envelope, lease.attempt) : { ok: false as const, reason: `it names study '${envelope.study}', but the queue is study '${study}'s`, unknownStudy: false };
    if (admitted.ok) return this.handle(admitted.message, lease, resourceClass);
    this.log(`rejected a trial on ${queue}: ${admitted.reason}`);
    lease.reject(admitted.reason);
  }

  private async handle(trial: TrialMessage, lease: Lease, resourceClass: ResourceClass): Promise<void> {
    const key = `${trial.study}/${trial.trialId}`;
    // Kept ours from delivery to its verb: while it waits for a slot (taken in a race with another
    // class's queue while full), and while it runs.
    const keeper = this.keepLease(lease, key, trial.ackWaitMs);
    await this.slots.acquire();
    const attempt = trial.attemptOffset + lease.attempt;
    try {
      const stored = await this.records.get(trial.study, trial.trialId);
      if (stored && isFinished(stored.state)) {
        this.log(`trial ${key} is finished already (a duplicate delivery): dropped`);
        await lease.complete();
        return;
      }
      const entry: Running = { trial, attempt, controller: new AbortController(), pruned: false };
      this.running.set(key, entry);
      this.heartbeat();
      const startedAt = this.clock();
      try {
        await this.publishResult(trial, `started`, attempt, {
          v: PROTOCOL_VERSION, type: 'trial-started', study: trial.study, trialId: trial.trialId, attempt, agent: this.name, at: startedAt,
        });
        this.log(`trial ${key} attempt ${attempt} started (${resourceClass})`);
        const reports: IntermediateReport[] = [];
        let lastProgress: TrialProgress | undefined;
        const verdict = await this.execute(entry, (progress) => {
          lastProgress = progress;
          reports.push({ step: progress.step, value: pruningValueOf(progress) });
          const report: BusMessage = { v: PROTOCOL_VERSION, type: 'report', study: trial.study, trialId: trial.trialId, attempt, agent: this.name, progress };
          this.bus.publish(reportSubject(trial.study, trial.trialId), sealBus(this.credentialOf(trial.study), report, this.clock()));
        }, (batch) => {
          // Fire-and-forget like a report, on the same subject; the coordinator shows it, never stores it.
          const message: BusMessage = { v: PROTOCOL_VERSION, type: 'batch', study: trial.study, trialId: trial.trialId, attempt, agent: this.name, batch };
          this.bus.publish(reportSubject(trial.study, trial.trialId), sealBus(this.credentialOf(trial.study), message, this.clock()));
        });
        // Only real failures use up maxAttempts (vanished agents do not); the queue's own last
        // delivery (maxAttempts + maxVanishings) must not end in a retry either.
        const failuresBefore = stored?.attempts.filter((a) => a.outcome === 'retry' || a.outcome === 'failed').length ?? 0;
        const lastDelivery = lease.attempt >= trial.maxAttempts + (trial.maxVanishings ?? 0);
        if (verdict.outcome === 'retry' && (lastDelivery || failuresBefore + 1 >= trial.maxAttempts)) verdict.outcome = 'failed';
        await this.publishResult(trial, 'outcome', attempt, {
          v: PROTOCOL_VERSION, type: 'trial-outcome', study: trial.study, trialId: trial.trialId, attempt, agent: this.name,
          startedAt, endedAt: this.clock(), reports, ...(lastProgress && { lastProgress }), ...verdict,
        });
        this.log(`trial ${key} attempt ${attempt} ${verdict.outcome}${verdict.value !== undefined ? ` value=${verdict.value}` : ''}${verdict.error ? `: ${verdict.error}` : ''}`);
        switch (verdict.outcome) {
          case 'complete':
          case 'pruned':
            await lease.complete();
            break;
          case 'failed':
            lease.reject(verdict.error ?? 'failed');
            break;
          case 'retry':
            lease.retry(trial.retryDelayMs * 2 ** (lease.attempt - 1));
            break;
          case 'handed-back':
            lease.retry(0);
            break;
        }
      } finally {
        this.running.delete(key);
      }
    } finally {
      keeper.stop();
      this.slots.release();
      this.heartbeat();
    }
  }

  /** Renews `lease` every third of its life; a failing renewal is logged, not thrown into the timer. */
  private keepLease(lease: Lease, key: string, ackWaitMs: number): LeaseKeeper {
    const keeper = new LeaseKeeper(lease, { everyMs: Math.max(20, Math.floor(ackWaitMs / 3)), expiresAfterMs: ackWaitMs, clock: this.clock });
    keeper.on('renew-failed', ({ error, failures }) => {
      if (failures === 1) this.log(`trial ${key}: could not renew its lease (${error.message}); still trying`);
    });
    keeper.on('lost', ({ sinceRenewedMs }) => {
      this.log(`trial ${key}: lease lost (not renewed for ${sinceRenewedMs} ms); the trial may be redelivered to another agent`);
    });
    return keeper.start();
  }

  /** Runs the trial and maps how it ended to an outcome; never throws for a trial's own failure. */
  private async execute(entry: Running, onProgress: (progress: TrialProgress) => void, onBatch: (batch: BatchProgress) => void): Promise<Verdict> {
    const { trial, controller } = entry;
    const onHandBack = (): void => controller.abort(new Error('handed back'));
    this.handBack.signal.addEventListener('abort', onHandBack, { once: true });
    try {
      // RAM bounds cpu/native trials; a gpu trial's budget is GPU memory, which the trainer checks.
      const { memoryBytes } = this.options.capabilities;
      if (trial.resources.class !== 'gpu' && trial.resources.memoryBytes > memoryBytes) {
        const mib = (bytes: number): number => Math.ceil(bytes / 2 ** 20);
        throw new TrialFailure(`needs about ${mib(trial.resources.memoryBytes)} MiB; agent ${this.name} has ${mib(memoryBytes)} MiB`, true);
      }
      const datasetPath = await this.options.resolveDataset?.(trial);
      const run = await this.options.runner.run(trial, { ...(datasetPath && { datasetPath }), onProgress, onBatch, signal: controller.signal });
      return { outcome: 'complete', value: run.value, ...(run.result && { result: run.result }) };
    } catch (error) {
      if (entry.pruned) return { outcome: 'pruned' };
      if (this.handBack.signal.aborted) return { outcome: 'handed-back' };
      if (error instanceof TrialFailure) return { outcome: error.retryable ? 'retry' : 'failed', error: error.reason };
      // Not a trial failure: a bug on this side (dataset fetch, IPC). Another agent may do better.
      // A SkewerError's where and hint travel too: the coordinator and `status` show only this string.
      const detail = error instanceof SkewerError ? `${error.where ? ` (${error.where})` : ''}${error.hint ? `. ${error.hint}` : ''}` : '';
      return { outcome: 'retry', error: `agent ${this.name}: ${(error as Error).message ?? String(error)}${detail}` };
    } finally {
      this.handBack.signal.removeEventListener('abort', onHandBack);
    }
  }

  private onPrune(envelope: Envelope, subject: string): void {
    const admitted = this.gate.admitBus(envelope);
    if (!admitted.ok) {
      this.log(`rejected a message on ${subject}: ${admitted.reason}`);
      return;
    }
    const message = admitted.message;
    if (message.type !== 'prune') return;
    const entry = this.running.get(`${message.study}/${message.trialId}`);
    if (!entry || entry.pruned || entry.attempt !== message.attempt) return;
    entry.pruned = true;
    this.log(`trial ${message.study}/${message.trialId} pruned: ${message.reason}`);
    entry.controller.abort(new Error(message.reason));
  }

  /** Results must reach the coordinator: retried until the server takes them (it may be restarting). */
  private async publishResult(trial: TrialMessage, what: string, attempt: number, message: ResultMessage): Promise<void> {
    let queue = this.results.get(trial.study);
    if (!queue) {
      queue = this.options.transport.workQueue(resultQueueName(trial.study), envelopeCodec, RESULT_QUEUE_OPTIONS);
      this.results.set(trial.study, queue);
    }
    const sealed = this.sealOrFail(trial, message);
    for (let round = 0; ; round++) {
      try {
        await (await queue).publish(`${trial.study}.${trial.trialId}.${attempt}.${what}`, sealed);
        return;
      } catch (error) {
        // Stopping for good: the lease will expire and the trial is redelivered elsewhere.
        if (this.handBack.signal.aborted && round >= 3) throw error;
        if (round === 0) this.log(`could not send ${what} of trial ${trial.trialId} (${(error as Error).message}); retrying`);
        await new Promise((resolve) => setTimeout(resolve, PUBLISH_RETRY_MS));
      }
    }
  }

  /**
   * Seals a result; an outcome that fails its own schema (a diverged run's non-finite figures, a
   * result too odd to encode) becomes a failed outcome with the reason, so the trial ends failed
   * instead of its result being resent, or redelivered and run again, without end.
   */
  private sealOrFail(trial: TrialMessage, message: ResultMessage): Envelope {
    const credential = this.credentialOf(trial.study);
    try {
      return sealResult(credential, message, this.clock());
    } catch (error) {
      if (message.type !== 'trial-outcome') throw error;
      const why = (error as Error).message.split('\n').slice(0, 3).join(' ').slice(0, 300);
      const reason = `the result could not be encoded (${why}); the trial is failed instead of resent`;
      this.log(`trial ${trial.trialId}: ${reason}`);
      const { value: _value, result: _result, lastProgress: _progress, ...rest } = message;
      const failed: ResultMessage = { ...rest, outcome: 'failed', error: reason, reports: rest.reports.filter((r) => Number.isFinite(r.value) && Number.isFinite(r.step)) };
      return sealResult(credential, failed, this.clock());
    }
  }

  private advert(): AgentAdvert {
    const { capabilities } = this.options;
    return {
      name: this.name,
      backend: capabilities.backend,
      slots: this.options.slots,
      busy: this.running.size,
      gpus: capabilities.gpus,
      memoryBytes: capabilities.memoryBytes,
      classes: capabilities.classes,
      ...(capabilities.gpu && { gpu: capabilities.gpu }),
      running: [...this.running.values()].map((r) => ({ study: r.trial.study, trialId: r.trial.trialId, attempt: r.attempt })),
      startedAt: this.startedAt,
    };
  }

  /** One heartbeat per joined study, each signed for it (a coordinator trusts only its own study's). */
  private heartbeat(): void {
    const beat: BusMessage = { v: PROTOCOL_VERSION, type: 'heartbeat', at: this.clock(), agent: this.advert() };
    for (const credential of this.credentials.values()) {
      this.bus.publish(heartbeatSubject(credential.study, this.name), sealBus(credential, beat, this.clock()));
    }
  }

  private credentialOf(study: string): JoinCredential {
    const credential = this.credentials.get(study);
    if (!credential) throw new Error(`agent ${this.name} has not joined study '${study}'`); // admit() let only joined studies in
    return credential;
  }
}
