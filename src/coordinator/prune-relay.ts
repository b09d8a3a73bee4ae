/**
 * From an agent's progress report to a prune command: the report is recorded on its trial (so a
 * restarted coordinator's pruner sees the same history), the pruner decides from the stored
 * reports, and a prune decision is published once per attempt. The pruner only decides; the agent acts (kills the trial
 * process and reports `pruned`).
 */
import type { StudyConfig } from '../config/study.ts';
import { pruningValueOf } from '../core/result.ts';
import { sealBus, type Envelope, type StudySigner } from '../transport/auth/index.ts';
import { PROTOCOL_VERSION, type BusMessage, type StoredTrial } from '../transport/messages.ts';
import { pruneSubject } from '../transport/subjects.ts';
import type { Bus } from '../transport/types.ts';
import { mergeReports } from './outcomes.ts';
import type { TrialStore } from './store.ts';
import { judgeFromStore, type SearchPolicy } from './strategies.ts';

export type ReportMessage = Extract<BusMessage, { type: 'report' }>;

export class PruneRelay {
  private readonly sent = new Set<string>();

  constructor(
    private readonly config: StudyConfig,
    private readonly policy: SearchPolicy,
    private readonly trials: ReadonlyMap<string, StoredTrial>,
    private readonly store: TrialStore,
    private readonly bus: Bus<Envelope>,
    private readonly signer: StudySigner,
    private readonly clock: () => number,
  ) {}

  /** Reports of another attempt, or of a trial no longer running, are stale and ignored. */
  async onReport(message: ReportMessage): Promise<void> {
    const trial = this.trials.get(message.trialId);
    const current = trial?.attempts.at(-1);
    if (!trial || trial.state !== 'running' || current?.attempt !== message.attempt) return;
    const { progress } = message;
    if (progress.phase === 'pretrain') {
      // Pretraining has no validation value: shown (like a fold), never judged by the pruner.
      await this.store.update(trial.id, (t) => {
        t.progress = progress;
        return t;
      });
      return;
    }
    const report = { step: progress.step, value: pruningValueOf(progress) };
    if (!Number.isFinite(report.value)) return; // a diverging trial fails itself; nothing to judge
    const after = await this.store.update(trial.id, (t) => {
      t.progress = progress;
      t.reports = mergeReports(t.reports, [report]);
      return t;
    });
    if (after?.state !== 'running') return;
    const decision = judgeFromStore(this.policy, this.trials.values(), trial.id);
    const key = `${trial.id}/${message.attempt}`;
    if (decision !== 'prune' || this.sent.has(key)) return;
    this.sent.add(key);
    const prune: BusMessage = {
      v: PROTOCOL_VERSION,
      type: 'prune',
      study: this.config.name,
      trialId: trial.id,
      attempt: message.attempt,
      reason: `pruned by ${JSON.stringify(this.config.pruner)} at step ${report.step}`,
    };
    this.bus.publish(pruneSubject(this.config.name, trial.id), sealBus(this.signer, prune, this.clock()));
  }
}
