/**
 * A realistic stored study for report tests, built without training: 24 trials of a space with a
 * log range (learningRate), a conditional range (focalGamma, only with loss focal) and categoricals
 * in a declared order; complete, pruned and failed trials with intermediate reports over 3 folds
 * of 4 epochs; two agents (one lost), one trial retried, whose lost first attempt also finished late
 * (a rerun record); every complete result carries pooled
 * out-of-fold predictions. All of it from one seeded rng. `writeReportStudy` stores it as the
 * embedded journal, as `skewer search` would.
 */
import { parseStudyConfig, type StudyConfig } from '../../src/config/study.ts';
import { specFromParams } from '../../src/config/trial.ts';
import { journaledKv, studyDir } from '../../src/coordinator/index.ts';
import type { TrialResult } from '../../src/core/result.ts';
import { createRng } from '../../src/core/rng.ts';
import type { Params } from '../../src/core/trial.ts';
import { createMemoryTransport } from '../../src/transport/index.ts';
import { studyRecordCodec, type StoredAgent, type StoredRerun, type StoredTrial, type StudyRecordValue } from '../../src/transport/messages.ts';
import { STUDY_KEY, agentKey, rerunKey, studyBucketName, trialKey } from '../../src/transport/subjects.ts';
import { T0, makeResult } from '../ui/fixtures/study-events.ts';

export const EPOCHS = 4;
export const FOLDS = 3;

export function reportConfig(name: string, root = '/tmp/skewer-report-fixture'): StudyConfig {
  return parseStudyConfig({
    name,
    seed: 5,
    trials: 24,
    sampler: { type: 'random' },
    pruner: { type: 'median' },
    space: {
      loss: { type: 'categorical', values: ['ce', 'focal', 'logit-adjusted'] },
      focalGamma: { type: 'float', low: 0.5, high: 5, when: { loss: ['focal'] } },
      learningRate: { type: 'float', low: 1e-4, high: 1e-1, log: true },
      sampling: { type: 'categorical', values: ['none', 'oversample', 'balanced-batch'] },
      minorityWeight: { type: 'int', low: 1, high: 10 },
    },
    base: { dataset: { path: `${root}/data` }, resolution: 32, epochs: EPOCHS, folds: FOLDS, batchSize: 8, backbone: 'small-cnn', backend: 'wasm', holdout: 4, seed: 3 },
  });
}

/** A result whose pooled out-of-fold scores separate the classes by `quality` (0: chance, 1: well). */
function resultFor(quality: number, seed: number): TrialResult {
  const rng = createRng(`result/${seed}`);
  const recall = (base: number) => Math.min(1, Math.max(0, base + 0.08 * rng.normal()));
  const base = makeResult([0, 1, 2].map(() => [recall(0.5 + 0.4 * quality), recall(0.6 + 0.3 * quality)] as const));
  const labels: number[] = [];
  const scores: number[] = [];
  const folds: number[] = [];
  for (let fold = 0; fold < FOLDS; fold++) {
    for (let i = 0; i < 100; i++) {
      const label = i < 20 ? 0 : 1;
      const score = 1 / (1 + Math.exp(-((label === 0 ? 1.5 : -1.5) * quality + rng.normal())));
      labels.push(label);
      scores.push(Math.round(score * 1e6) / 1e6);
      folds.push(fold);
    }
  }
  const thresholds = [0.41, 0.45, 0.43];
  return {
    ...base,
    folds: base.folds.map((f, i) => ({ ...f, outOfFold: { ...f.outOfFold, threshold: thresholds[i]! } })),
    finalThreshold: { threshold: 0.44, rule: 'out-of-fold', criterion: 'balancedAccuracy', predictions: 300 },
    outOfFoldPredictions: { labels, scores, folds },
  };
}

export function reportTrials(config: StudyConfig, count = 24): StoredTrial[] {
  const rng = createRng('report-fixture');
  return Array.from({ length: count }, (_, number): StoredTrial => {
    const loss = rng.pick(['ce', 'focal', 'logit-adjusted']);
    const learningRate = 10 ** rng.uniform(-4, -1);
    const params: Params = { loss, learningRate, sampling: rng.pick(['none', 'oversample', 'balanced-batch']), minorityWeight: rng.int(1, 10), ...(loss === 'focal' ? { focalGamma: rng.uniform(0.5, 5) } : {}) };
    // Quality peaks at learningRate 1e-2.5: importance should rank it first.
    const quality = Math.max(0, 1 - Math.abs(Math.log10(learningRate) + 2.5) / 1.5);
    const state: StoredTrial['state'] = number === 7 ? 'failed' : number % 5 === 3 ? 'pruned' : 'complete';
    const steps = state === 'pruned' ? EPOCHS + 2 : state === 'failed' ? 0 : EPOCHS * FOLDS;
    const reports = Array.from({ length: steps }, (_, step) => ({ step: step + 1, value: Math.min(1, 0.5 + 0.35 * quality * (1 - Math.exp(-(step % EPOCHS + 1) / 2)) + 0.02 * rng.normal()) }));
    const result = state === 'complete' ? resultFor(quality, number) : undefined;
    const start = T0 + number * 40_000;
    const retried = number === 4;
    const agent = number % 2 === 0 ? 'agent-a' : 'agent-b';
    const attempts = [
      ...(retried ? [{ attempt: 1, agent: 'agent-b', startedAt: start, endedAt: start + 15_000, outcome: 'lost' as const }] : []),
      { attempt: retried ? 2 : 1, agent, startedAt: start + (retried ? 16_000 : 0), endedAt: start + 38_000, outcome: state },
    ];
    return {
      v: 1,
      type: 'trial',
      id: `t-${number}`,
      number,
      state,
      params,
      work: { kind: 'training', spec: specFromParams(config.base as never, params) },
      resources: { class: 'cpu', memoryBytes: 1e6 },
      dispatches: 1,
      attempts,
      reports,
      ...(result ? { value: result.objective.mean, result } : {}),
      ...(state === 'failed' ? { error: 'out of memory' } : {}),
      createdAt: start,
      updatedAt: start + 38_000,
    };
  });
}

export function reportAgents(): StoredAgent[] {
  const info = (name: string) => ({ name, backend: 'wasm', slots: 1, busy: 0, gpus: 0, memoryBytes: 8e9, classes: ['cpu' as const], running: [], startedAt: T0 });
  return [
    { v: 1, type: 'agent', info: info('agent-a'), lastHeartbeat: T0 + 1_000_000, lost: false, left: true },
    { v: 1, type: 'agent', info: info('agent-b'), lastHeartbeat: T0 + 900_000, lost: true },
  ];
}

/**
 * Trial 4's first attempt, lost on agent-b, kept running there and finished after attempt 2 had:
 * its late outcome is recorded, not applied.
 */
export function reportReruns(trials: readonly StoredTrial[]): StoredRerun[] {
  const first = trials.find((t) => t.number === 4)!.attempts[0]!;
  return [{ v: 1, type: 'rerun', trialId: 't-4', attempt: first.attempt, agent: first.agent, startedAt: first.startedAt, endedAt: first.startedAt + 45_000, outcome: 'complete', value: 0.61, at: first.startedAt + 45_100 }];
}

/** Stores the fixture study as an embedded journal under `root` (what `skewer report --dir root` reads). */
export async function writeReportStudy(root: string, name: string): Promise<StudyConfig> {
  const config = reportConfig(name, root);
  const transport = createMemoryTransport();
  const kv = journaledKv(await transport.kv<StudyRecordValue>(studyBucketName(name), studyRecordCodec), studyDir(name, root));
  await kv.put(STUDY_KEY, { v: 1, type: 'study', name, config: config as unknown as Record<string, unknown>, state: 'finished', createdAt: T0, updatedAt: T0 + 1_000_000 });
  const trials = reportTrials(config);
  for (const trial of trials) await kv.put(trialKey(trial.id), trial);
  for (const rerun of reportReruns(trials)) await kv.put(rerunKey(rerun.trialId, rerun.attempt, rerun.agent, rerun.startedAt), rerun);
  for (const agent of reportAgents()) await kv.put(agentKey(agent.info.name), agent);
  await transport.close();
  return config;
}
