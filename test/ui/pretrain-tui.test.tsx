/** @jsxRuntime automatic */
// A trial in SimCLR pretraining shows in the live UI's running panel like a fold: "pretrain", its
// bar filling with pretraining epochs, and no validation value (there is none yet), then fold rows.
import './fixtures/force-color.ts';
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { cleanup } from 'ink-testing-library';
import { mount, NOW, until } from './fixtures/mount.tsx';

afterEach(() => cleanup());

test('a pretraining trial shows "pretrain" with its epoch bar, then fold progress once the folds start', async () => {
  const { frame, store } = mount();
  store.dispatch({
    type: 'trial-progress',
    at: NOW,
    trialId: 't4',
    progress: { phase: 'pretrain', fold: 0, folds: 1, epoch: 2, epochs: 4, step: 0, loss: 4.5, validationValue: Number.NaN, validationBalancedAccuracy: Number.NaN },
  });
  const text = await until(frame, /#4 +a1 +pretrain /);
  const row = text.split('\n').find((line) => /^\s+#4 +a1 +pretrain /.test(line))!;
  assert.doesNotMatch(row, /fold/);
  // Epoch 3 of 4 (0-based 2): both bars three quarters full.
  const [, outerDone, outerLeft, , epochDone, epochLeft] = row.match(/pretrain (█+)(░+) ep (\d)\/4 (█+)(░+) val —/)!;
  assert.equal(outerDone!.length / (outerDone!.length + outerLeft!.length), 0.75);
  assert.equal(epochDone!.length / (epochDone!.length + epochLeft!.length), 0.75);
  store.dispatch({ type: 'trial-progress', at: NOW, trialId: 't4', progress: { fold: 0, folds: 3, epoch: 0, epochs: 2, step: 1, loss: 0.5, validationValue: 0.6, validationBalancedAccuracy: 0.6 } });
  const after = await until(frame, /#4 +a1 +fold 1\/3 /);
  assert.doesNotMatch(after, /pretrain/);
});
