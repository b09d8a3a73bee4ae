import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { parseTrialSpec } from '../../src/config/trial.ts';
import { ConfigError } from '../../src/core/errors.ts';
import type { TrialProgress } from '../../src/core/result.ts';
import { runTrial } from '../../src/training/index.ts';
import { tinyDataset, tinySpec } from './fixtures.ts';

let data: string;

before(async () => {
  data = await tinyDataset();
});

test('repeated k-fold trains every fold of every repeat; its first repeat is the plain k-fold, bit for bit', async () => {
  const plain = await runTrial(tinySpec(data));
  const progress: TrialProgress[] = [];
  const repeated = await runTrial(tinySpec(data, { repeats: 2 }), { onProgress: (p) => progress.push(p) });
  assert.deepEqual(progress.map((p) => [p.fold, p.folds, p.step]), [[0, 4, 1], [1, 4, 2], [2, 4, 3], [3, 4, 4]], 'folds count over the repeats; steps run on');
  assert.deepEqual(repeated.folds.map((f) => [f.fold, f.repeat]), [[0, 0], [1, 0], [2, 1], [3, 1]]);
  // The first repeat: the same splits, the same model seeds, the same threshold rule as one k-fold.
  assert.deepEqual(repeated.folds.slice(0, 2).map(({ repeat: _, ...rest }) => rest), plain.folds);
  const scoresOf = (fold: number) => repeated.outOfFoldPredictions!.scores.filter((_, i) => repeated.outOfFoldPredictions!.folds[i] === fold);
  assert.notDeepEqual(scoresOf(2), scoresOf(0), 'the second repeat is another draw and other models');
  // 58 non-holdout images, each validated once per repeat.
  for (const repeat of [0, 1]) assert.equal(repeated.folds.filter((f) => f.repeat === repeat).reduce((n, f) => n + f.validationCount, 0), 58);
  assert.equal(repeated.outOfFoldPredictions!.labels.length, 116);
  assert.deepEqual([...new Set(repeated.outOfFoldPredictions!.folds)], [0, 1, 2, 3]);
  assert.equal(repeated.finalThreshold.predictions, 116);
  assert.equal(repeated.balancedAccuracy.n, 4);
  assert.equal(repeated.objective.mean, repeated.folds.reduce((s, f) => s + f.objective, 0) / 4);
  assert.equal(progress.at(-1)!.pruningValue, repeated.objective.mean, 'pruners see the mean over every fold so far');
});

test('repeats defaults to 1 and a bad value names its path', () => {
  assert.equal(tinySpec(data).repeats, 1);
  assert.throws(
    () => parseTrialSpec({ dataset: { path: data }, repeats: 0 }),
    (e: unknown) => e instanceof ConfigError && /repeats/.test(e.message),
  );
});
