import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UserError } from '../../src/core/errors.ts';
import { createStudy, trialId } from '../../src/search/index.ts';
import { parseSearchSpace } from '../../src/config/space.ts';

const SPACE = parseSearchSpace({ x: { type: 'float', low: 0, high: 1 }, mode: { type: 'categorical', values: ['a', 'b'] } });

test('trial ids are stable zero-padded numbers', () => {
  assert.equal(trialId(0), '0000');
  assert.equal(trialId(42), '0042');
  assert.equal(trialId(12345), '12345');
  const study = createStudy({ space: SPACE, sampler: 'random', seed: 1, direction: 'maximize' });
  assert.deepEqual([study.ask()!.id, study.ask()!.id], ['0000', '0001']);
});

test('minimize: trials() hold negated values (larger is better), best() and its value are in the user direction', () => {
  const study = createStudy({ space: SPACE, sampler: 'random', seed: 1, direction: 'minimize' });
  const ids = [study.ask()!.id, study.ask()!.id, study.ask()!.id];
  study.tell(ids[0]!, 3);
  study.tell(ids[1]!, 1);
  study.report(ids[2]!, 1, 5);
  study.tell(ids[2]!, { state: 'pruned' });
  assert.deepEqual(study.trials().map((t) => t.value), [-3, -1, undefined]);
  assert.deepEqual(study.trials()[2]!.reports, [{ step: 1, value: -5 }]);
  const best = study.best()!;
  assert.equal(best.id, ids[1]);
  assert.equal(best.value, 1);
});

test('best() is undefined until a trial completes; ties go to the earliest', () => {
  const study = createStudy({ space: SPACE, sampler: 'random', seed: 1, direction: 'maximize' });
  const a = study.ask()!;
  const b = study.ask()!;
  assert.equal(study.best(), undefined);
  study.tell(b.id, 0.5);
  study.tell(a.id, 0.5);
  assert.equal(study.best()!.id, a.id);
});

test('tell is idempotent for the same outcome and an error for a different one', () => {
  const study = createStudy({ space: SPACE, sampler: 'random', seed: 1, direction: 'maximize' });
  const t = study.ask()!;
  study.tell(t.id, 0.8);
  study.tell(t.id, 0.8);
  assert.equal(study.trials().length, 1);
  assert.throws(() => study.tell(t.id, 0.9), (e: unknown) => e instanceof UserError && /already complete with 0\.8; cannot tell it 0\.9/.test(e.message) && e.where === `trial ${t.id}`);
  assert.throws(() => study.tell(t.id, { state: 'failed' }), /already complete/);
  const f = study.ask()!;
  study.tell(f.id, { state: 'failed' });
  study.tell(f.id, { state: 'failed' });
  assert.throws(() => study.tell(f.id, { state: 'pruned' }), /already failed/);
});

test('bad calls are clear errors: unknown ids, non-finite values, bad steps', () => {
  const study = createStudy({ space: SPACE, sampler: 'random', seed: 1, direction: 'maximize' });
  const t = study.ask()!;
  assert.throws(() => study.tell('9999', 1), (e: unknown) => e instanceof UserError && /unknown trial '9999'/.test(e.message));
  assert.throws(() => study.report('9999', 1, 1), /unknown trial/);
  assert.throws(() => study.tell(t.id, Number.NaN), /objective value must be finite/);
  assert.throws(() => study.report(t.id, 1, Number.POSITIVE_INFINITY), /report value must be finite/);
  assert.throws(() => study.report(t.id, -1, 0.5), /report step must be a finite number >= 0/);
  assert.throws(() => study.tell(t.id, { state: 'complete' } as never), /unknown outcome state 'complete'/);
});

test('reports: a repeated step replaces the earlier value, reports stay in step order, a finished trial answers prune', () => {
  const study = createStudy({ space: SPACE, sampler: 'random', seed: 1, direction: 'maximize' });
  const t = study.ask()!;
  study.report(t.id, 2, 0.2);
  study.report(t.id, 1, 0.1);
  study.report(t.id, 2, 0.25);
  assert.deepEqual(study.trials()[0]!.reports, [{ step: 1, value: 0.1 }, { step: 2, value: 0.25 }]);
  study.tell(t.id, 0.3);
  assert.equal(study.report(t.id, 3, 0.9), 'prune');
  assert.equal(study.trials()[0]!.reports.length, 2);
});

test('restoring: numbering continues after the stored trials, in-flight trials can still be told, corrupt history is refused', () => {
  const first = createStudy({ space: SPACE, sampler: 'random', seed: 5, direction: 'maximize' });
  const a = first.ask()!;
  const b = first.ask()!;
  first.tell(a.id, 0.4);
  const restored = createStudy({ space: SPACE, sampler: 'random', seed: 5, direction: 'maximize', trials: first.trials() });
  restored.tell(b.id, 0.6);
  assert.equal(restored.ask()!.number, 2);
  assert.equal(restored.best()!.id, b.id);
  const twice = [...first.trials(), first.trials()[0]!];
  assert.throws(() => createStudy({ space: SPACE, sampler: 'random', seed: 5, direction: 'maximize', trials: twice }), /has trial id '0000' twice/);
});

test('the space is validated when the study is created', () => {
  assert.throws(() => createStudy({ space: { x: { type: 'float', low: 1, high: 0 } } as never, sampler: 'random', seed: 1, direction: 'maximize' }), /x\.high/);
});
