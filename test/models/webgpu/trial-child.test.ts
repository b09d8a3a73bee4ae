// A webgpu agent's trial: the agent's child-process runner with SKEWER_BACKEND=webgpu (what an
// agent advertising webgpu sets) trains in the child, on the GPU adapter, and the child exits.
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { childProcessRunner } from '../../../src/agent/index.ts';
import { parseTrialSpec } from '../../../src/config/trial.ts';
import { PROTOCOL_VERSION, type TrialMessage } from '../../../src/transport/messages.ts';
import { writePatchDataset } from '../../helpers/patch-dataset.ts';
import { MISSING_GPU_HINT } from './require-gpu.ts';

/** Trial processes of this test process still alive. */
function trialChildren(): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(process.pid), '-f', 'src/agent/child\\.ts'], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  } catch (error) {
    if ((error as { status?: number }).status === 1) return [];
    throw error;
  }
}

test('a trial child process of a webgpu agent trains on webgpu and exits', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'skewer-webgpu-child-'));
  const data = path.join(root, 'data');
  await writePatchDataset(data, 32, { defect: 12, ok: 20 });
  const spec = parseTrialSpec({ dataset: { path: data, minorityClass: 'defect' }, seed: 3, folds: 2, holdout: 2, backbone: 'small-cnn', resolution: 32, batchSize: 8, epochs: 1 });
  const trial: TrialMessage = {
    v: PROTOCOL_VERSION, type: 'trial', study: 'webgpu', trialId: '0000', number: 0, params: {},
    work: { kind: 'training', spec }, resources: { class: 'gpu', memoryBytes: 1 },
    attemptOffset: 0, maxAttempts: 1, retryDelayMs: 0, ackWaitMs: 60_000,
  };
  const runner = childProcessRunner({ env: { SKEWER_BACKEND: 'webgpu' }, stdio: 'ignore' });
  const started = performance.now();
  const run = await runner.run(trial, { onProgress: () => undefined, signal: AbortSignal.timeout(180_000) }).catch((error: Error) => {
    throw new Error(`${/no usable tfjs backend/.test(String(error.message ?? error)) ? MISSING_GPU_HINT : ''} ${error.message}`);
  });
  const result = run.result!;
  process.stderr.write(`  webgpu trial child: ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  assert.equal(result.backend, 'webgpu');
  assert.equal(result.folds.length, 2);
  assert.ok(Number.isFinite(run.value));
  for (let i = 0; i < 50 && trialChildren().length > 0; i++) await sleep(100);
  assert.deepEqual(trialChildren(), [], 'the trial process exited after its result');
});
