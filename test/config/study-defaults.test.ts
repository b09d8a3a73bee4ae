// One default sampler, one owner of direction: the study file, the Study API and the README agree,
// and what a study file cannot mean is refused when it is parsed, with the zod path.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ConfigError } from '../../src/core/errors.ts';
import { baseSpecOf, parseStudyConfig, parseStoredStudyConfig } from '../../src/config/study.ts';
import { specFromParams } from '../../src/config/trial.ts';
import { DEFAULT_SAMPLER, createStudy } from '../../src/search/index.ts';
import { directionOf, valueNameOf } from '../../src/objectives/index.ts';

const SPACE = { x1: { type: 'float', low: -5, high: 10 }, x2: { type: 'float', low: 0, high: 15 } } as const;
const image = { name: 'img', trials: 4, space: { learningRate: { type: 'float', low: 1e-4, high: 1e-2, log: true } }, base: { dataset: { path: '/data' } } };
const branin = { name: 'fn', trials: 4, space: SPACE, objective: { function: 'branin' } };

function refused(value: unknown, pattern: RegExp): void {
  assert.throws(() => parseStudyConfig(value), (e: unknown) => e instanceof ConfigError && pattern.test(e.message), `refused with ${pattern}`);
}

test('the default sampler is one thing: the study schema, createStudy and the README say the same', () => {
  assert.deepEqual(parseStudyConfig(branin).sampler, { type: DEFAULT_SAMPLER });
  const study = createStudy({ space: SPACE, seed: 1, direction: 'minimize' });
  assert.equal(study.samplerName, DEFAULT_SAMPLER);
  const asked = study.ask();
  assert.ok(asked && typeof asked.params.x1 === 'number', 'createStudy without a sampler asks');
  const readme = readFileSync('README.md', 'utf8');
  const stated = /default sampler is `(\w+)`/.exec(readme);
  assert.ok(stated, 'README names the default sampler as "default sampler is `NAME`"');
  assert.equal(stated[1], DEFAULT_SAMPLER);
});

test('unknown samplers, pruners and their options fail at parse time, with the field path', () => {
  refused({ ...branin, sampler: 'annealing' }, /sampler/);
  refused({ ...branin, sampler: { type: 'tpe', startupTrails: 4 } }, /sampler[\s\S]*startupTrails/);
  refused({ ...branin, sampler: { type: 'gp', startupTrials: 0 } }, /sampler\.startupTrials/);
  refused({ ...branin, pruner: { type: 'asha', minResource: 1, reductionFactor: 3 } }, /pruner\.maxResource/);
  refused({ ...branin, pruner: { type: 'median', warmup: 2 } }, /pruner[\s\S]*warmup/);
  assert.deepEqual(parseStudyConfig({ ...branin, sampler: 'tpe', pruner: 'none' }).sampler, { type: 'tpe' });
});

test('the metric owns the direction: an image study refuses direction, and names its metric instead', () => {
  refused({ ...image, direction: 'minimize' }, /direction: remove it: an image study always maximises its metric/);
  refused({ ...image, direction: 'maximize' }, /direction: remove it/);
  refused({ ...branin, direction: 'minimize' }, /direction: remove it: objective 'branin' says its own direction/);
  refused({ ...branin, metric: 'prAuc' }, /metric: a benchmark objective study has no image metric/);
  refused({ ...image, metric: 'accuracy' }, /metric: use one of balancedAccuracy/);
  refused({ ...image, metric: 'minorityRecallAtPrecision' }, /needs a precision floor/);
  assert.equal(directionOf(parseStudyConfig(image)), 'maximize');
  assert.equal(directionOf(parseStudyConfig(branin)), 'minimize');
  assert.deepEqual(valueNameOf(parseStudyConfig(image)), { id: 'balancedAccuracy', label: 'bal.acc' });
  assert.deepEqual(valueNameOf(parseStudyConfig({ ...image, metric: 'minorityF1' })), { id: 'minorityF1', label: 'min.F1' });
  // A config stored by an earlier skewer carries the direction it filled in; it still resumes.
  assert.equal(directionOf(parseStoredStudyConfig({ ...branin, direction: 'maximize' }, 'stored')), 'minimize');
});

test("a study's base sets repeated k-fold for every trial; a value out of range is refused at base.repeats", () => {
  const config = parseStudyConfig({ ...image, base: { ...image.base, repeats: 3 } });
  assert.equal(baseSpecOf(config).repeats, 3);
  assert.equal(specFromParams(baseSpecOf(config), { learningRate: 0.001 }).repeats, 3, 'every trial of the study inherits it');
  assert.equal(specFromParams(baseSpecOf(parseStudyConfig(image)), { learningRate: 0.001 }).repeats, 1, 'one k-fold by default');
  refused({ ...image, base: { ...image.base, repeats: 11 } }, /base\.repeats/);
  refused({ ...image, base: { ...image.base, repeats: 0 } }, /base\.repeats/);
});
