// `metric: minorityF1` ranks by that metric everywhere: the study's best, the TUI's board, status
// and export, and the trials are told which metric they are judged by.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TrialRunner } from '../../src/agent/index.ts';
import { parseStudyConfig } from '../../src/config/study.ts';
import { openStudyReader } from '../../src/coordinator/index.ts';
import { exportRecipes } from '../../src/export/index.ts';
import { statusTable } from '../../src/cli/commands/status.ts';
import { createMemoryTransport } from '../../src/transport/index.ts';
import { foldStudyEvents, rankTrials } from '../../src/ui/index.ts';
import { scoreLabel } from '../../src/ui/selectors.ts';
import { makeResult, summarize } from '../ui/fixtures/study-events.ts';
import { runStudy } from './harness.ts';

// Per recipe: fold recalls (defect, ok) whose balanced accuracy ranks the recipes one way, and a
// minority F1 that ranks them the other way.
const RECIPES: Record<string, { recalls: [number, number]; f1: number }> = {
  none: { recalls: [0.9, 0.9], f1: 0.3 },
  'balanced-batch': { recalls: [0.7, 0.7], f1: 0.5 },
  oversample: { recalls: [0.6, 0.6], f1: 0.8 },
};

test('a minorityF1 study ranks by minority F1 in the study, the board, status and export', async () => {
  const metrics: unknown[] = [];
  const runner: TrialRunner = {
    kind: 'in-process',
    async run(trial) {
      assert.equal(trial.work?.kind, 'training');
      const spec = trial.work.kind === 'training' ? trial.work.spec : undefined;
      metrics.push(spec?.metric);
      const recipe = RECIPES[String(trial.params.sampling)]!;
      const result = { ...makeResult([recipe.recalls, recipe.recalls, recipe.recalls]), metric: spec!.metric, objective: summarize([recipe.f1, recipe.f1, recipe.f1]) };
      return { value: result.objective.mean, result }; // what src/agent/execute.ts returns
    },
  };
  const config = parseStudyConfig({
    name: 'f1',
    seed: 1,
    trials: 3,
    metric: 'minorityF1',
    sampler: 'grid',
    space: { sampling: { type: 'categorical', values: ['none', 'balanced-batch', 'oversample'] } },
    base: { dataset: { path: '/nowhere/data' }, backbone: 'small-cnn', resolution: 32, epochs: 1, folds: 3 },
    ackWaitMs: 300, retryDelayMs: 10, heartbeatMs: 50, agentLostMs: 400,
  });
  const transport = createMemoryTransport({ onInvalid: () => undefined });
  try {
    const { outcome, events } = await runStudy(config, [{ name: 'a', runner }], { transport });
    assert.deepEqual(metrics, [{ name: 'minorityF1' }, { name: 'minorityF1' }, { name: 'minorityF1' }], 'every trial is judged by the study metric');
    const byValue = (t: { params: Record<string, unknown> }) => String(t.params.sampling);
    assert.equal(outcome.best && byValue(outcome.best), 'oversample', 'the study best is the best F1, not the best balanced accuracy');
    const view = foldStudyEvents(events);
    assert.equal(scoreLabel(view), 'min.F1');
    assert.deepEqual(rankTrials(view).map(byValue), ['oversample', 'balanced-batch', 'none']);
    const reader = await openStudyReader({ study: 'f1', transport });
    const status = await statusTable(reader);
    assert.match(status, /maximize minorityF1; best #\d+ = 0\.8\b/);
    const [top] = await exportRecipes({ reader, datasetHash: async () => undefined });
    assert.equal(top!.spec.sampling, 'oversample');
    assert.deepEqual(top!.spec.metric, { name: 'minorityF1' });
    assert.equal((top!.spec.provenance as { objective: { metric: string } }).objective.metric, 'minorityF1');
  } finally {
    await transport.close();
  }
});
