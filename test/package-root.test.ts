// The README's library example, through the package's own name: the Study API is the package root.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createPruner, createStudy, parseSearchSpace } from 'skewer';

test("import 'skewer' gives the ask/tell Study; a TPE study finds Branin's minimum region", () => {
  const space = parseSearchSpace({
    x1: { type: 'float', low: -5, high: 10 },
    x2: { type: 'float', low: 0, high: 15 },
  });
  const study = createStudy({ space, sampler: 'tpe', seed: 42, direction: 'minimize', pruner: createPruner({ type: 'none' }) });
  const branin = (x1: number, x2: number): number =>
    (x2 - (5.1 / (4 * Math.PI ** 2)) * x1 ** 2 + (5 / Math.PI) * x1 - 6) ** 2 + 10 * (1 - 1 / (8 * Math.PI)) * Math.cos(x1) + 10;
  for (let i = 0; i < 40; i++) {
    const trial = study.ask();
    assert.ok(trial, 'a continuous space is never exhausted');
    assert.equal(study.report(trial.id, 0, 1), 'continue');
    study.tell(trial.id, branin(trial.params['x1'] as number, trial.params['x2'] as number));
  }
  const best = study.best();
  assert.ok(best);
  assert.equal(study.trials().length, 40);
  assert.ok(best.value < 2, `best Branin value after 40 TPE trials: ${best.value} (minimum 0.398)`);
});
