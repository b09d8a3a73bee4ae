/**
 * From an agent's progress report to a prune command: the report is recorded on its trial (so a
 * restarted coordinator's pruner sees the same history), the Study's pruner decides, and a prune
 * decision is published once per attempt. The pruner only decides; the agent acts (kills the trial
 * process and reports `pruned`).
 */
import type { StudyConfig } from '../config/study.ts';
import type { Study } from '../search/index.ts';
import { PROTOCOL_VERSION, type BusMessage, type StoredTrial } from '../transport/messages.ts';
import { pruneSubject } from '../transport/subjects.ts';
import type { Bus } from '../transport/types.ts';
import { mergeReports } from './outcomes.ts';
import type { TrialStore } from './store.ts';

export type ReportMessage = Extract<BusMessage, { type: 'report' }>;

export class PruneRelay {
  private readonly sent = new Set<string>();

  constructor(
    private readonly config: StudyConfig,
    private readonly trials: ReadonlyMap<string, StoredTrial>,
    private readonly store: TrialStore,
    private readonly study: Study,
    private readonly bus: Bus<BusMessage>,
  ) {}

  /** Reports of another attempt, or of a trial no longer running, are stale and ignored. */
  async onReport(message: ReportMessage): Promise<void> {
    const trial = this.trials.get(message.trialId);
    const current = trial?.attempts.at(-1);
    if (!trial || trial.state !== 'running' || current?.attempt !== message.attempt) return;
    const { progress } = message;
    const report = { step: progress.step, value: progress.validationValue };
    const decision = this.study.report(trial.id, report.step, report.value);
    await this.store.update(trial.id, (t) => {
      t.progress = progress;
      t.reports = mergeReports(t.reports, [report]);
      return t;
    });
    const key = `${trial.id}/${message.attempt}`;
    if (decision !== 'prune' || this.sent.has(key)) return;
    this.sent.add(key);
    this.bus.publish(pruneSubject(this.config.name, trial.id), {
      v: PROTOCOL_VERSION,
      type: 'prune',
      study: this.config.name,
      trialId: trial.id,
      reason: `pruned by ${this.config.pruner === 'none' ? 'pruner' : JSON.stringify(this.config.pruner)} at step ${report.step}`,
    });
  }
}
