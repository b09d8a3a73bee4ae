// The study file's `sampler:` object carries every TPE and GP option (issue 14): each parses, reaches
// the sampler (a study run with it proposes differently from the default), and an unknown or
// out-of-range option is refused with its zod path before anything is stored.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../src/core/errors.ts';
import { parseStudyConfig } from '../../src/config/study.ts';
import { createSampler, createStudy, type SamplerConfig } from '../../src/search/index.ts';

const SPACE = { x1: { type: 'float', low: -5, high: 10 }, x2: { type: 'float', low: 0, high: 15 } } as const;
const branin = { name: 'fn', trials: 4, space: SPACE, objective: { function: 'branin' } };
const f = (x1: number, x2: number) => (x2 - (5.1 / (4 * Math.PI ** 2)) * x1 ** 2 + (5 / Math.PI) * x1 - 6) ** 2 + 10 * (1 - 1 / (8 * Math.PI)) * Math.cos(x1) + 10;

function parsed(sampler: unknown): SamplerConfig {
  return parseStudyConfig({ ...branin, sampler }).sampler as SamplerConfig;
}

function refused(sampler: unknown, pattern: RegExp): void {
  assert.throws(() => parseStudyConfig({ ...branin, sampler }), (e: unknown) => e instanceof ConfigError && pattern.test(e.message), `refused with ${pattern}`);
}

/** 10 sequential trials, then 4 asked at once (3 of them with trials in flight): every proposal, as text. */
function proposals(sampler: unknown): string[] {
  const study = createStudy({ space: SPACE, seed: 7, direction: 'minimize', sampler: createSampler(parsed(sampler)) });
  const out: string[] = [];
  for (let i = 0; i < 10; i++) {
    const t = study.ask()!;
    out.push(JSON.stringify(t.params));
    study.tell(t.id, f(t.params.x1 as number, t.params.x2 as number));
  }
  for (let i = 0; i < 4; i++) out.push(JSON.stringify(study.ask()!.params));
  return out;
}

test('every TPE and GP option parses from the study file as written', () => {
  const tpe = { type: 'tpe', startupTrials: 4, candidates: 32, gamma: 0.2, priorWeight: 0.5, bandwidth: 'optuna', bandwidthMagnitude: 0.2, considerEndpoints: true, magicClip: false, conditional: 'joint', constantLiar: false };
  assert.deepEqual(parsed(tpe), tpe);
  const gp = { type: 'gp', startupTrials: 4, parallel: 'qei', parallelExploitation: false, kernel: 'product', anchors: 3, acquisition: { randomCandidates: 100, polishStarts: 2 } };
  assert.deepEqual(parsed(gp), gp);
  assert.equal(parsed({ type: 'gp', parallelExploitation: 'ucb' }).type, 'gp');
});

test('an unknown, misplaced or out-of-range sampler option fails with its path', () => {
  refused({ type: 'tpe', constantLair: false }, /sampler[\s\S]*constantLair/);
  refused({ type: 'tpe', gamma: 0 }, /sampler\.gamma/);
  refused({ type: 'tpe', gamma: 1.5 }, /sampler\.gamma/);
  refused({ type: 'tpe', bandwidth: 'silverman' }, /sampler\.bandwidth/);
  refused({ type: 'tpe', priorWeight: -1 }, /sampler\.priorWeight/);
  refused({ type: 'tpe', conditional: 'independent' }, /sampler\.conditional/);
  refused({ type: 'tpe', parallel: 'qei' }, /sampler[\s\S]*parallel/); // a GP option on TPE
  refused({ type: 'gp', constantLiar: true }, /sampler[\s\S]*constantLiar/); // a TPE option on the GP
  refused({ type: 'gp', parallel: 'kriging' }, /sampler\.parallel/);
  refused({ type: 'gp', parallelExploitation: true }, /sampler\.parallelExploitation/);
  refused({ type: 'gp', anchors: 0 }, /sampler\.anchors/);
  refused({ type: 'gp', kernel: 'additive' }, /sampler\.kernel/);
  refused({ type: 'gp', acquisition: { randomCandidate: 10 } }, /sampler\.acquisition[\s\S]*randomCandidate/);
  refused({ type: 'gp', acquisition: { polishStarts: -1 } }, /sampler\.acquisition\.polishStarts/);
  refused({ type: 'random', startupTrials: 3 }, /sampler[\s\S]*startupTrials/);
});

test('the TPE options reach the sampler: each changes what a seeded study proposes', () => {
  const base = { type: 'tpe', startupTrials: 4 };
  const reference = proposals(base);
  assert.deepEqual(proposals({ ...base, gamma: 0.1 }), reference, 'gamma 0.1 is the default rule (Optuna: 10%, at most 25)');
  assert.deepEqual(proposals(base), reference, 'seeded: the same study proposes the same points');
  for (const option of [{ gamma: 0.5 }, { priorWeight: 4 }, { bandwidth: 'optuna' }, { bandwidthMagnitude: 0.5 }, { candidates: 3 }]) {
    assert.notDeepEqual(proposals({ ...base, ...option }), reference, `${JSON.stringify(option)} changes the proposals`);
  }
  // The constant liar only matters with trials in flight: the sequential part is unchanged.
  const noLiar = proposals({ ...base, constantLiar: false });
  assert.deepEqual(noLiar.slice(0, 11), reference.slice(0, 11));
  assert.notDeepEqual(noLiar.slice(11), reference.slice(11), 'constantLiar: false changes the asks made with trials in flight');
});

test('the GP options reach the sampler: each changes what a seeded study proposes', () => {
  const base = { type: 'gp', startupTrials: 4 };
  const reference = proposals(base);
  assert.notDeepEqual(proposals({ ...base, acquisition: { randomCandidates: 20, polishStarts: 1 } }).slice(4, 10), reference.slice(4, 10), 'acquisition budget changes the sequential asks');
  for (const option of [{ parallel: 'qei' }, { parallel: 'penalised' }, { parallelExploitation: false }]) {
    const run = proposals({ ...base, ...option });
    assert.deepEqual(run.slice(0, 11), reference.slice(0, 11), `${JSON.stringify(option)} leaves the sequential asks alone`);
    assert.notDeepEqual(run.slice(11), reference.slice(11), `${JSON.stringify(option)} changes the asks made with trials in flight`);
  }
  // The kernel only differs where a space has both numeric and categorical dimensions.
  assert.deepEqual(proposals({ ...base, kernel: 'product' }), reference, 'a numeric-only space keeps the product kernel');
  const mixed = { ...SPACE, arm: { type: 'categorical' as const, values: ['a', 'b', 'c'] } };
  const mixedProposals = (kernel: string) => {
    const study = createStudy({ space: mixed, seed: 7, direction: 'minimize', sampler: createSampler(parsed({ ...base, kernel })) });
    const out: string[] = [];
    for (let i = 0; i < 10; i++) {
      const t = study.ask()!;
      out.push(JSON.stringify(t.params));
      study.tell(t.id, f(t.params.x1 as number, t.params.x2 as number) + (t.params.arm === 'b' ? 0 : 5));
    }
    return out;
  };
  assert.notDeepEqual(mixedProposals('product'), mixedProposals('sum-product'), 'on a mixed space the kernel changes the proposals');
});
