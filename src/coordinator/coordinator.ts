/**
 * The coordinator of one study: asks the sampler for trials, stores them, puts them on the work
 * queue of their resource class, applies the starts and outcomes agents send back, lets the pruner
 * judge reports, notices lost agents, and finishes the study when every trial has finished.
 *
 * One history: the store (KV or journal) is the only source of truth, and `trials` is its cache,
 * written only by the store's change listener (and by a trial just asked, before it is stored).
 * Sampler and pruner read frozen trials derived from it (src/coordinator/strategies.ts); there is
 * no second copy to keep in step, so a coordinator killed at any point resumes without losing or
 * duplicating a trial. Outcomes travel on a durable results queue, so the ones sent while it was
 * down are waiting.
 *
 * Only the study's parties move it: trials and prunes go out sealed with the study's coordinator
 * key; a result, report or heartbeat is applied only if it is signed by an agent key this key
 * granted, for this study, and is no replay (transport/auth). Everything else is logged, never applied.
 */
import type { StudyEvent } from '../core/events.ts';
import { UserError } from '../core/errors.ts';
import { isFinished } from '../core/trial.ts';
import { bestOf } from '../core/direction.ts';
import type { StudyConfig } from '../config/study.ts';
import { Gate, StudyTrust, envelopeCodec, type Envelope } from '../transport/auth/index.ts';
import {
  RESULT_QUEUE_OPTIONS,
  type BusMessage,
  type ResultMessage,
  type StoredStudy,
  type StoredTrial,
  type StudyRecordValue,
  type TrialMessage,
} from '../transport/messages.ts';
import { encoderBucketName, heartbeatSubjectsOf, reportSubjectsOf, resultQueueName, studyBucketName } from '../transport/subjects.ts';
import type { KvStore } from '../transport/types.ts';
import { AgentRegistry } from './agents.ts';
import { eventFromRerun, eventsFromAgentChange, eventsFromTrialChange, replayHistory, studyFinishedEvent, studyStartedEvent } from './changes.ts';
import { judgeExhaustion } from './exhaustion.ts';
import { OutageGuard } from './guard.ts';
import { openCoordinatorBucket, openStudyRecord, recordStop } from './open-study.ts';
import { SerialPump } from './serial-pump.ts';
import { consumeResults } from './results-consumer.ts';
import { applyStarted, closeOpenAttempt } from './outcomes.ts';
import { PruneRelay } from './prune-relay.ts';
import { storeOutcome } from './reruns.ts';
import { proposeFromStore, resolveStrategies, type SearchPolicy } from './strategies.ts';
import { TrialStore } from './store.ts';
import { buildTrial } from './trials.ts';
import { Dispatcher } from './dispatcher.ts';
import { reapLostAgents, sweepUnrunnable, type ReaperContext } from './reaper.ts';

export type { CoordinatorOptions, StudyOutcome } from './options.ts';
import type { CoordinatorOptions, StudyOutcome } from './options.ts';

/** How long background work may keep failing (a server restart) before the study stops. */
const OUTAGE_BUDGET_MS = 60_000;
const RETRY_PUMP_MS = 1_000;

export async function runCoordinator(options: CoordinatorOptions, signal: AbortSignal): Promise<StudyOutcome> {
  const coordinator = new Coordinator(options);
  return coordinator.run(signal);
}

class Coordinator {
  private readonly config: StudyConfig;
  private readonly clock: () => number;
  private readonly log: (line: string) => void;
  private readonly emit: (event: StudyEvent) => void;
  private readonly agents: AgentRegistry;
  private readonly trials = new Map<string, StoredTrial>();
  private readonly dispatcher: Dispatcher;
  private readonly cleanups: Array<() => void> = [];
  private readonly guard: OutageGuard;
  private readonly policy: SearchPolicy;
  private readonly gate: Gate;
  private store!: TrialStore;
  private relay!: PruneRelay;
  private exhausted = false;
  private readonly pumper = new SerialPump(
    () => this.pump(),
    (work) => this.guard.run('pump', work),
    () => this.closed,
  );
  private startedAt = 0;
  /** Set when run() ends: late callbacks (a result applied after the stop) start nothing. */
  private closed = false;
  private done!: () => void;
  private fail!: (error: unknown) => void;

  constructor(private readonly options: CoordinatorOptions) {
    this.config = options.config;
    this.clock = options.clock ?? Date.now;
    this.log = options.log ?? ((line) => process.stderr.write(`skewer coordinator: ${line}\n`));
    this.emit = options.onEvent ?? (() => undefined);
    this.policy = resolveStrategies(this.config);
    this.agents = new AgentRegistry(this.config.agentLostMs);
    if (options.signer.study !== this.config.name) throw new Error(`the coordinator key is study '${options.signer.study}'s, not '${this.config.name}'s`);
    this.gate = new Gate([new StudyTrust(this.config.name, options.signer.publicKey)], this.clock);
    this.dispatcher = new Dispatcher(
      options.transport,
      this.config,
      options.dataset,
      options.signer,
      (message, attempts) => this.onExhausted(message, attempts),
      this.log,
      this.clock,
    );
    const outage = options.outage;
    this.guard = new OutageGuard({
      budgetMs: outage?.limit ?? Math.max(OUTAGE_BUDGET_MS, 3 * this.config.ackWaitMs),
      ...(outage && { giveUp: (what: string, _error: unknown, forMs: number) => outage.error(what, forMs) }),
      clock: this.clock,
      log: this.log,
      fail: (error) => this.fail(error),
      onRetry: (what) => {
        if (what === 'pump') setTimeout(() => this.kick(), RETRY_PUMP_MS).unref();
      },
    });
  }

  async run(signal: AbortSignal): Promise<StudyOutcome> {
    const { transport, config } = this.options;
    const bucket = await openCoordinatorBucket(this.options, this.log);
    this.store = new TrialStore(bucket.kv, this.clock);
    // The study's encoder bucket exists before an agent looks for it: under least privilege agents
    // may write it but not create it (configs/nats-least-privilege.conf).
    await transport.objects(encoderBucketName(config.name));
    const keeper = bucket.keeperFor(await this.openStudy());
    keeper?.start();
    try {
      return await this.runOpened(bucket.kv, signal);
    } finally {
      await keeper?.stop();
    }
  }

  private async runOpened(kv: KvStore<StudyRecordValue>, signal: AbortSignal): Promise<StudyOutcome> {
    this.startedAt = this.clock();
    const stored = await this.store.trials();
    for (const trial of stored) this.trials.set(trial.id, trial);
    for (const event of replayHistory(stored)) this.emit(event);
    for (const rerun of await this.store.reruns()) this.emit(eventFromRerun(rerun));
    this.agents.restore(await this.store.agents(), this.startedAt);
    for (const trial of stored) {
      const open = trial.state === 'running' ? trial.attempts.find((a) => a.outcome === undefined) : undefined;
      if (open) this.agents.expect(open.agent, this.startedAt);
    }
    this.cleanups.push(
      this.store.onChange((before, after) => {
        this.trials.set(after.id, after);
        for (const event of eventsFromTrialChange(before, after, this.clock())) this.emit(event);
      }),
    );
    const finished = new Promise<void>((resolve, reject) => {
      this.done = resolve;
      this.fail = reject;
    });
    const stop = new AbortController();
    // Over NATS, a watch of the whole bucket: its records pass through studyRecordKv, which refuses
    // and restores one written back to an older version (or deleted) while the study runs.
    if (!this.options.kv) void this.guardRecords(kv, stop.signal);
    const onAbort = (): void => this.done();
    signal.addEventListener('abort', onAbort, { once: true });
    const onDrain = (): void => this.kick();
    this.options.drain?.addEventListener('abort', onDrain, { once: true });
    const onFatal = (): void => this.fail(this.options.fatal!.reason);
    if (this.options.fatal?.aborted) onFatal();
    this.options.fatal?.addEventListener('abort', onFatal, { once: true });
    try {
      await this.dispatcher.publishQueueSettings();
      this.listen(stop.signal);
      // Exhausted items of unfinished trials may have piled up while no coordinator listened.
      for (const trial of this.trials.values()) if (!isFinished(trial.state)) await this.dispatcher.open(trial.resources.class);
      if (this.options.requeueUnfinished) await this.requeueUnfinished();
      this.kick();
      await finished;
    } finally {
      this.closed = true;
      signal.removeEventListener('abort', onAbort);
      this.options.drain?.removeEventListener('abort', onDrain);
      this.options.fatal?.removeEventListener('abort', onFatal);
      stop.abort();
      for (const cleanup of this.cleanups) cleanup();
      this.dispatcher.close();
      await this.pumper.current?.catch(() => undefined);
    }
    const trials = await this.store.trials();
    const complete = this.isComplete(trials);
    if (complete) {
      await this.store.setStudyState('finished');
      this.emit(studyFinishedEvent(trials, this.policy.direction, this.clock()));
    } else {
      await recordStop(this.store, this.options.agentsStopWithUs ? this.agents : undefined, this.clock());
    }
    const after = complete ? trials : await this.store.trials();
    const best = bestOf(after, this.policy.direction);
    return { trials: after, finished: complete, ...(best && { best }) };
  }

  private async guardRecords(kv: KvStore<StudyRecordValue>, signal: AbortSignal): Promise<void> {
    try {
      for await (const _ of kv.watch('', signal)) {
        // Nothing to do here: checking (and restoring) is the bucket's own.
      }
    } catch (error) {
      if (!signal.aborted) this.log(`the study bucket's watch ended: ${(error as Error).message}; rolled-back records are restored when next read`);
    }
  }

  private async openStudy(): Promise<StoredStudy> {
    const { config, mode, signer } = this.options;
    const record = await openStudyRecord(this.store, config, mode, signer.publicKey, this.log);
    this.emit(studyStartedEvent(record, this.clock()));
    return record;
  }

  // ------------------------------------------------------------------ listening

  private listen(signal: AbortSignal): void {
    const { transport, config } = this.options;
    const bus = transport.bus(envelopeCodec);
    this.relay = new PruneRelay(config, this.policy, this.trials, this.store, bus, this.options.signer, this.clock);
    this.cleanups.push(bus.subscribe(reportSubjectsOf(config.name), (envelope, subject) => this.guard.run('report', () => this.onBus(envelope, subject))));
    this.cleanups.push(bus.subscribe(heartbeatSubjectsOf(config.name), (envelope, subject) => this.guard.run('heartbeat', () => this.onBus(envelope, subject))));
    void this.consumeResults(signal).catch((error) => this.fail(error));
    const reaper = setInterval(() => this.guard.run('reaper', () => this.reap()), Math.max(50, Math.floor(config.heartbeatMs / 2)));
    this.cleanups.push(() => clearInterval(reaper));
  }

  private async consumeResults(signal: AbortSignal): Promise<void> {
    const name = resultQueueName(this.config.name);
    const queue = await this.options.transport.workQueue(name, envelopeCodec, RESULT_QUEUE_OPTIONS);
    await consumeResults(queue, name, this.gate, (message) => this.applyResult(message), this.log, signal);
  }

  private async applyResult(message: ResultMessage): Promise<void> {
    if (!this.trials.has(message.trialId)) {
      this.log(`${message.type} for unknown trial ${message.trialId} ignored`);
      return;
    }
    if (message.type === 'trial-started') {
      this.agents.expect(message.agent, this.clock()); // its heartbeats may not have reached us yet
      await this.store.update(message.trialId, (t) => applyStarted(t, message, this.config));
      return;
    }
    const { rerun } = await storeOutcome(this.store, message, this.config, this.clock());
    if (rerun) {
      this.log(`trial ${message.trialId} ran again: attempt ${rerun.attempt} on ${rerun.agent} ended ${rerun.outcome} after the trial had finished; recorded, the first result is kept`);
      this.emit(eventFromRerun(rerun));
    }
    this.kick();
  }

  private async onBus(envelope: Envelope, subject: string): Promise<void> {
    const admitted = this.gate.admitBus(envelope);
    if (!admitted.ok) {
      this.log(`rejected a message on ${subject}: ${admitted.reason}`);
      return;
    }
    const message: BusMessage = admitted.message;
    const now = this.clock();
    if (message.type === 'heartbeat') {
      const change = this.agents.heartbeat(message.agent, now);
      if (change === 'same') {
        this.announceAgent(message.agent.name); // keeps "last heartbeat" fresh; nothing to store
      } else {
        await this.saveAgent(message.agent.name);
        this.kick();
      }
    } else if (message.type === 'agent-leaving') {
      if (this.agents.markLeft(message.agent)) await this.saveAgent(message.agent);
    } else if (message.type === 'report') {
      await this.relay.onReport(message);
    } else if (message.type === 'batch') {
      // Shown, never stored: only the current attempt of a running trial, the journal untouched.
      const trial = this.trials.get(message.trialId);
      if (trial?.state === 'running' && trial.attempts.at(-1)?.attempt === message.attempt) {
        this.emit({ type: 'trial-batch', at: now, trialId: message.trialId, attempt: message.attempt, batch: message.batch });
      }
    }
  }

  private async saveAgent(name: string): Promise<void> {
    await this.store.putAgent(this.agents.record(name)!);
    this.announceAgent(name);
  }

  private announceAgent(name: string): void {
    for (const event of eventsFromAgentChange(undefined, this.agents.record(name)!, this.clock())) this.emit(event);
  }

  // ------------------------------------------------------------------ lost agents and stuck trials

  private async reap(): Promise<void> {
    const outage = this.options.outage;
    // Heartbeats could not reach us while the server was away: give agents time to be heard again.
    if (outage && (outage.down || this.clock() - outage.backAt < this.config.agentLostMs)) return;
    const context: ReaperContext = {
      agents: this.agents,
      trials: this.trials,
      store: this.store,
      now: this.clock(),
      saveAgent: (name) => this.saveAgent(name),
      limits: this.config,
    };
    if (await reapLostAgents(context)) this.kick();
    if (context.now - this.startedAt < this.config.agentLostMs) return; // agents may not have spoken yet
    const failed = await sweepUnrunnable(context, this.options.failUnrunnable ?? false);
    if (failed.length) this.kick();
  }

  /** A notice fails the trial only when the study's records bear it out (exhaustion.ts). */
  private async onExhausted(message: TrialMessage, attempts: number): Promise<void | 'refused'> {
    const verdict = judgeExhaustion(this.trials.get(message.trialId), message, (agent) => this.agents.isLive(agent));
    if (verdict.kind === 'ignore') return;
    if (verdict.kind === 'refuse') {
      this.log(`max-deliveries notice for trial ${message.trialId} refused: ${verdict.reason}`);
      return 'refused';
    }
    if (verdict.kind === 'defer') throw new Error(`max-deliveries notice for trial ${message.trialId} deferred: ${verdict.reason}`);
    const now = this.clock();
    await this.store.update(message.trialId, (t) => {
      const closed = closeOpenAttempt(t, 'lost', now, 'lease expired') ?? t;
      const history = closed.attempts.map((a) => `#${a.attempt} on ${a.agent}: ${a.outcome ?? 'no outcome'}${a.error ? ` (${a.error})` : ''}`);
      return { ...closed, state: 'failed', error: `gave up after ${attempts} deliveries: ${history.join('; ') || 'never started'}` };
    });
    this.kick();
  }

  // ------------------------------------------------------------------ dispatch

  private async requeueUnfinished(): Promise<void> {
    const now = this.clock();
    for (const trial of [...this.trials.values()]) {
      if (isFinished(trial.state) || trial.dispatches === 0) continue;
      await this.store.update(trial.id, (t) => closeOpenAttempt(t, 'interrupted', now, 'the study was interrupted') ?? t);
      await this.dispatch(this.trials.get(trial.id)!);
    }
  }

  /** Runs `pump` now or right after the current one: never two at once (the sampler asks in order). */
  private kick(): void {
    this.pumper.kick();
  }

  private async pump(): Promise<void> {
    for (const trial of this.trials.values()) {
      if (trial.state === 'waiting' && trial.dispatches === 0 && trial.work) await this.dispatch(trial);
    }
    if (this.options.drain?.aborted) {
      if ([...this.trials.values()].every((t) => isFinished(t.state))) this.done();
      return;
    }
    // Ask in order (the sampler sees every earlier trial), then store and queue them concurrently.
    const launches: Array<Promise<void>> = [];
    while (!this.closed && !this.exhausted && this.trials.size < this.config.trials && this.inFlight() < this.parallelism()) {
      const asked = proposeFromStore(this.policy, this.trials.values());
      if (!asked) {
        this.exhausted = true;
        break;
      }
      const trial = buildTrial(this.config, asked, this.clock());
      this.trials.set(trial.id, trial);
      launches.push(this.launch(trial));
    }
    await Promise.all(launches);
    if (this.isComplete([...this.trials.values()])) this.done();
  }

  private async launch(trial: StoredTrial): Promise<void> {
    if (!(await this.store.create(trial))) {
      throw new UserError(`trial ${trial.id} of study '${this.config.name}' was created by someone else`, {
        where: studyBucketName(this.config.name),
        hint: 'Another coordinator is running this study; stop one of them.',
      });
    }
    if (trial.state !== 'failed') await this.dispatch(trial);
  }

  private inFlight(): number {
    let count = 0;
    for (const trial of this.trials.values()) if (!isFinished(trial.state)) count += 1;
    return count;
  }

  private parallelism(): number {
    return this.config.parallelism ?? Math.max(1, this.agents.liveSlots()) + 1;
  }

  private isComplete(trials: readonly StoredTrial[]): boolean {
    const target = this.exhausted ? trials.length : this.config.trials;
    return trials.length >= target && trials.every((t) => isFinished(t.state));
  }

  private async dispatch(trial: StoredTrial): Promise<void> {
    const dispatch = await this.dispatcher.dispatch(trial);
    await this.store.update(trial.id, (t) => ({ ...t, dispatches: dispatch }));
  }
}
