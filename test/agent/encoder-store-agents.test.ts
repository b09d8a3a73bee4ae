// Two agents' trial runners (real child processes), each with its own encoder cache and its own
// connection to a real nats-server, run two SimCLR trials with one encoder key: pretraining runs
// once in total; the second trial's child asks its agent over IPC and reads the encoder from the store.
import assert from 'node:assert/strict';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { childProcessRunner } from '../../src/agent/index.ts';
import type { TrialProgress } from '../../src/core/result.ts';
import { objectEncoderStore, studyEncoderStores } from '../../src/transport/encoder-archive.ts';
import { PROTOCOL_VERSION, type TrialMessage } from '../../src/transport/messages.ts';
import { encoderBucketName } from '../../src/transport/subjects.ts';
import { sharedNatsServer } from '../helpers/shared-nats.ts';
import { tinyDataset, tinySpec } from '../training/fixtures.ts';

const server = sharedNatsServer();

async function agentRunner(label: string) {
  const transport = await server.connect();
  const encoderCacheDir = await mkdtemp(path.join(tmpdir(), `skewer-agent-${label}-encoders-`));
  // As `skewer agent` does: the store of the trial's study, its bucket opened on first use.
  return { encoderCacheDir, runner: childProcessRunner({ stdio: 'ignore', encoderCacheDir, encoderStore: studyEncoderStores(transport) }) };
}

test('two agents, separate caches, one key: the first pretrains and publishes, the second fetches the encoder from the store', async () => {
  const spec = tinySpec(await tinyDataset(), { pretraining: { method: 'simclr', epochs: 2, batchSize: 8, projectionDim: 8 } });
  const trial = (trialId: string): TrialMessage => ({
    v: PROTOCOL_VERSION, type: 'trial', study: 'simclr', trialId, number: Number(trialId), params: {},
    work: { kind: 'training', spec }, resources: { class: 'cpu', memoryBytes: 1 },
    attemptOffset: 0, maxAttempts: 1, retryDelayMs: 0, ackWaitMs: 60_000,
  });
  // The study's coordinator makes its encoder bucket (coordinator.ts); agents only bind to it.
  await (await server.connect()).objects(encoderBucketName('simclr'));
  const [a, b] = [await agentRunner('a'), await agentRunner('b')];
  const phases = (progress: TrialProgress[]): number => progress.filter((p) => p.phase === 'pretrain').length;
  const progressA: TrialProgress[] = [];
  const first = await a.runner.run(trial('0'), { onProgress: (p) => progressA.push(p), signal: AbortSignal.timeout(240_000) });
  const progressB: TrialProgress[] = [];
  const second = await b.runner.run(trial('1'), { onProgress: (p) => progressB.push(p), signal: AbortSignal.timeout(240_000) });
  assert.equal(first.result?.pretraining?.source, 'pretrained');
  assert.equal(second.result?.pretraining?.source, 'store');
  assert.equal(second.result?.pretraining?.key, first.result?.pretraining?.key);
  assert.equal(phases(progressA), 2, 'agent a pretrained (2 epochs)');
  assert.equal(phases(progressB), 0, 'agent b did not pretrain');
  // Each agent's encoder landed in its own cache folder.
  const key = first.result!.pretraining!.key;
  assert.deepEqual(await readdir(a.encoderCacheDir), [key]);
  assert.deepEqual(await readdir(b.encoderCacheDir), [key]);
  // It travelled through study simclr's own encoder bucket, and no other study's.
  const look = await server.connect();
  const probe = await mkdtemp(path.join(tmpdir(), 'skewer-agent-probe-'));
  assert.equal(await objectEncoderStore(await look.objects(encoderBucketName('simclr'))).fetch(key, probe), true);
  assert.equal(await objectEncoderStore(await look.objects(encoderBucketName('another'))).fetch(key, await mkdtemp(path.join(tmpdir(), 'skewer-agent-probe-'))), false);
});
