// A diverging recipe (sgd at lr 9-10 on tiny synthetic images, real tfjs in real trial child
// processes) ends each trial `failed` with the divergence reason, once, within bounded time: in an
// embedded study and in one over a real nats-server. Divergence is deterministic, so it is not
// retried: one attempt per trial.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { openStudyReader, type StoredTrial } from '../../src/coordinator/index.ts';
import { writeSyntheticDataset } from '../../src/data/index.ts';
import { joinArgs, natsSuite, readTrials, spawnSkewer, startAgents, stopAll } from './helpers.ts';

const nats = natsSuite('divergence');
const { dir } = nats;
/** Generous for 2 trials of 1 fold-epoch each on a loaded 2-core machine; a hang would take forever. */
const BOUND_MS = 150_000;

let dataset: Promise<string> | undefined;
function tinyImages(): Promise<string> {
  dataset ??= (async () => {
    const out = path.join(dir, 'data');
    await writeSyntheticDataset({ out, images: 48, minorityFraction: 0.25, size: 32, seed: 5 });
    return out;
  })();
  return dataset;
}

async function writeDivergingStudy(name: string): Promise<string> {
  const file = path.join(dir, `${name}.yaml`);
  const study = {
    name,
    seed: 3,
    sampler: 'random',
    trials: 2,
    parallelism: 1,
    base: {
      dataset: { path: await tinyImages(), minorityClass: 'defect' },
      seed: 1, folds: 2, holdout: 2, backbone: 'small-cnn', resolution: 32, batchSize: 8, epochs: 3, optimizer: 'sgd', backend: 'wasm',
    },
    space: { learningRate: { type: 'float', low: 9, high: 10 } },
    maxAttempts: 3,
    ackWaitMs: 20_000,
    retryDelayMs: 200,
    heartbeatMs: 500,
    agentLostMs: 10_000,
  };
  writeFileSync(file, stringify(study));
  return file;
}

function assertDiverged(trials: readonly StoredTrial[]): void {
  assert.equal(trials.length, 2);
  for (const trial of trials) {
    assert.equal(trial.state, 'failed', `trial ${trial.id}: ${trial.state}`);
    assert.match(trial.error ?? '', /diverged: (loss \S+ at fold 1\/2, epoch \d\/3, batch \d+ \(×\S+ its start|the loss became)/);
    assert.match(trial.error ?? '', /lower the learning rate/);
    assert.equal(trial.attempts.length, 1, `a divergence is not retried: ${JSON.stringify(trial.attempts)}`);
    assert.equal(trial.attempts[0]!.outcome, 'failed');
    assert.equal(trial.value, undefined);
  }
}

test('embedded: a diverging recipe ends its trials failed with the reason, once each, within bounded time', { timeout: BOUND_MS + 30_000 }, async () => {
  const file = await writeDivergingStudy('diverges-embedded');
  const started = Date.now();
  const search = spawnSkewer('search', ['search', file, '--agents', '1', '--no-tui'], dir);
  const timer = setTimeout(() => search.child.kill('SIGKILL'), BOUND_MS);
  const code = await search.exited;
  clearTimeout(timer);
  assert.ok(Date.now() - started < BOUND_MS, `ended in bounded time (${Date.now() - started} ms)`);
  assert.notEqual(code, null, `killed after ${BOUND_MS} ms:\n${search.lines.slice(-15).join('\n')}`);
  assert.match(search.lines.join('\n'), /diverged: /, 'the reason is shown');
  assertDiverged(await (await openStudyReader({ study: 'diverges-embedded', root: dir })).trials());
});

test('over NATS: a diverging recipe ends its trials failed with the reason, once each, within bounded time', { timeout: BOUND_MS + 30_000 }, async () => {
  const file = await writeDivergingStudy('diverges-nats');
  const agents = startAgents(nats.server.url, ['d1'], dir, joinArgs(dir, 'diverges-nats'));
  try {
    const started = Date.now();
    const coordinator = spawnSkewer('coordinator', ['search', file, '--server', nats.server.url, '--no-tui'], dir);
    const timer = setTimeout(() => coordinator.child.kill('SIGKILL'), BOUND_MS);
    const code = await coordinator.exited;
    clearTimeout(timer);
    assert.ok(Date.now() - started < BOUND_MS, `ended in bounded time (${Date.now() - started} ms)`);
    assert.notEqual(code, null, `killed after ${BOUND_MS} ms:\n${coordinator.lines.slice(-15).join('\n')}`);
    assert.match(agents[0]!.lines.join('\n'), /attempt 1 failed: .*diverged: /, 'the agent reports the failure with its reason');
    assertDiverged(await readTrials(nats.server.url, 'diverges-nats'));
  } finally {
    await stopAll(agents);
  }
});
