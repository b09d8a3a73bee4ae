/**
 * TrialStore: a study's durable records over any `KvStore` (JetStream KV, or the in-process KV
 * with a journal behind it). Every change is a compare-and-set loop: read, mutate a copy, write
 * only if nobody wrote in between, else read again. State changes go through the one transition
 * table in src/core/trial.ts, and a finished trial never changes again, so a result that arrives
 * twice (at-least-once delivery) is a no-op. A later run's outcome is kept beside it (recordRerun).
 */
import { assertTransition, isFinished, type TrialState } from '../core/trial.ts';
import type { KvStore } from '../transport/types.ts';
import {
  PROTOCOL_VERSION,
  type StoredAgent,
  type StoredRerun,
  type StoredStudy,
  type StoredTrial,
  type StudyRecordValue,
} from '../transport/messages.ts';
import { AGENT_KEY_PREFIX, RERUN_KEY_PREFIX, STUDY_KEY, TRIAL_KEY_PREFIX, agentKey, rerunKey, trialKey } from '../transport/subjects.ts';

export type { StoredTrial, StoredStudy, StoredAgent, StoredRerun, AttemptRecord } from '../transport/messages.ts';

/** Called after every successful write with the record before (undefined if new) and after. */
export type TrialChangeListener = (before: StoredTrial | undefined, after: StoredTrial) => void;

/** A mutation returns the new record, or undefined to leave the stored one unchanged. */
export type TrialMutation = (current: StoredTrial) => StoredTrial | undefined;

const MAX_CAS_ROUNDS = 100;

export class TrialStore {
  private readonly listeners = new Set<TrialChangeListener>();

  constructor(
    readonly kv: KvStore<StudyRecordValue>,
    private readonly clock: () => number = Date.now,
  ) {}

  onChange(listener: TrialChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async study(): Promise<StoredStudy | undefined> {
    const entry = await this.kv.get(STUDY_KEY);
    return entry?.value.type === 'study' ? entry.value : undefined;
  }

  /** Creates the study record; returns false if it exists already. */
  async createStudy(name: string, config: Record<string, unknown>, coordinatorKey?: string): Promise<boolean> {
    const now = this.clock();
    const record: StoredStudy = {
      v: PROTOCOL_VERSION, type: 'study', name, config, state: 'running', ...(coordinatorKey && { coordinatorKey }), createdAt: now, updatedAt: now,
    };
    return (await this.kv.create(STUDY_KEY, record)) !== undefined;
  }

  async setStudyState(state: StoredStudy['state']): Promise<void> {
    for (let round = 0; round < MAX_CAS_ROUNDS; round++) {
      const entry = await this.kv.get(STUDY_KEY);
      if (!entry || entry.value.type !== 'study') throw new Error('study record missing');
      if (entry.value.state === state) return;
      const next: StoredStudy = { ...entry.value, state, updatedAt: this.clock() };
      if ((await this.kv.update(STUDY_KEY, next, entry.revision)) !== undefined) return;
    }
    throw new Error('study record: too many concurrent writers');
  }

  async trials(): Promise<StoredTrial[]> {
    const entries = await this.kv.list(TRIAL_KEY_PREFIX);
    return entries
      .map((e) => e.value)
      .filter((v): v is StoredTrial => v.type === 'trial')
      .sort((a, b) => a.number - b.number);
  }

  async get(id: string): Promise<StoredTrial | undefined> {
    const entry = await this.kv.get(trialKey(id));
    return entry?.value.type === 'trial' ? entry.value : undefined;
  }

  /** Stores a new trial; false if one with that id exists (another coordinator made it). */
  async create(trial: StoredTrial): Promise<boolean> {
    const created = (await this.kv.create(trialKey(trial.id), trial)) !== undefined;
    if (created) this.emit(undefined, trial);
    return created;
  }

  /**
   * Applies `mutate` atomically. Finished trials are immutable: `mutate` is not called for them.
   * Returns the record as stored afterwards (unchanged if the mutation declined), or undefined
   * when the trial does not exist.
   */
  async update(id: string, mutate: TrialMutation): Promise<StoredTrial | undefined> {
    for (let round = 0; round < MAX_CAS_ROUNDS; round++) {
      const entry = await this.kv.get(trialKey(id));
      if (!entry || entry.value.type !== 'trial') return undefined;
      const current = entry.value;
      if (isFinished(current.state)) return current;
      const next = mutate(structuredClone(current));
      if (!next) return current;
      if (next.state !== current.state) checkPath(current.state, next.state);
      const stored = withoutUndefined({ ...next, updatedAt: this.clock() });
      if ((await this.kv.update(trialKey(id), stored, entry.revision)) !== undefined) {
        this.emit(current, stored);
        return stored;
      }
    }
    throw new Error(`trial ${id}: too many concurrent writers`);
  }

  async agents(): Promise<StoredAgent[]> {
    const entries = await this.kv.list(AGENT_KEY_PREFIX);
    return entries.map((e) => e.value).filter((v): v is StoredAgent => v.type === 'agent');
  }

  async putAgent(agent: StoredAgent): Promise<void> {
    await this.kv.put(agentKey(agent.info.name), agent);
  }

  /**
   * Records a late run of a finished trial (reruns.ts) beside it, leaving the trial as it is.
   * Idempotent: true the first time this run is recorded, false for the same run again.
   */
  async recordRerun(rerun: StoredRerun): Promise<boolean> {
    return (await this.kv.create(rerunKey(rerun.trialId, rerun.attempt, rerun.agent, rerun.startedAt), rerun)) !== undefined;
  }

  async reruns(): Promise<StoredRerun[]> {
    const entries = await this.kv.list(RERUN_KEY_PREFIX);
    return entries.map((e) => e.value).filter((v): v is StoredRerun => v.type === 'rerun').sort((a, b) => a.at - b.at);
  }

  private emit(before: StoredTrial | undefined, after: StoredTrial): void {
    for (const listener of this.listeners) listener(before, after);
  }
}

/** `{ progress: undefined }` and `{}` are the same record; keep what is stored and what is returned alike. */
function withoutUndefined(trial: StoredTrial): StoredTrial {
  const record = trial as Record<string, unknown>;
  for (const key of Object.keys(record)) if (record[key] === undefined) delete record[key];
  return trial;
}

/**
 * A mutation may take a trial through `running` on its way to a finished state (a result that
 * arrives for a trial the coordinator had sent back to waiting): each step must be legal.
 */
function checkPath(from: TrialState, to: TrialState): void {
  if (from === 'waiting' && (to === 'complete' || to === 'pruned')) {
    assertTransition('waiting', 'running');
    assertTransition('running', to);
    return;
  }
  assertTransition(from, to);
}
