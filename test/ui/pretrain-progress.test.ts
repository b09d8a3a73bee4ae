// A SimCLR pretraining epoch (progress phase 'pretrain') reads as pretraining, not as fold 1.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StudyEvent } from '../../src/core/events.ts';
import { formatPlainEvent } from '../../src/ui/plain.ts';
import { foldStudyEvents, reduceStudyView } from '../../src/ui/view-state.ts';

test('the plain reporter prints a pretrain progress line with its NT-Xent, and fold lines as before', () => {
  const created: StudyEvent = { type: 'trial-created', at: 1, trialId: 't1', number: 0, params: {} };
  const before = foldStudyEvents([created]);
  const progress = (phase: 'pretrain' | undefined): StudyEvent => ({
    type: 'trial-progress',
    at: 2,
    trialId: 't1',
    progress: { ...(phase && { phase }), fold: 0, folds: phase ? 1 : 3, epoch: 1, epochs: 5, step: phase ? 0 : 2, loss: 3.25, validationValue: phase ? Number.NaN : 0.7, validationBalancedAccuracy: phase ? Number.NaN : 0.7 },
  });
  const pretrain = progress('pretrain');
  const line = formatPlainEvent(pretrain, before, reduceStudyView(before, pretrain));
  assert.match(line ?? '', /pretrain epoch 2\/5: NT-Xent 3\.2500/);
  assert.doesNotMatch(line ?? '', /fold/);
  const fold = progress(undefined);
  assert.match(formatPlainEvent(fold, before, reduceStudyView(before, fold)) ?? '', /fold 1\/3 epoch 2\/5/);
});
