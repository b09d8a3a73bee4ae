// End to end on the software GPU: `skewer train --backend webgpu` learns a synthetic defect task
// well above chance, reports webgpu as its backend, and its process exits by itself once training is
// done (Dawn keeps a process alive while its GPU object is referenced).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { writePatchDataset } from '../../helpers/patch-dataset.ts';
import { MISSING_GPU_HINT } from './require-gpu.ts';

const EXIT_LIMIT_MS = 240_000;

function skewer(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), path.resolve('src/cli/run.ts'), ...args], { cwd, env: { ...process.env, SKEWER_BACKEND: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`skewer ${args.join(' ')} did not exit within ${EXIT_LIMIT_MS / 1000} s (is Dawn still referenced?)\n${stderr.slice(-2000)}`));
    }, EXIT_LIMIT_MS);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - started });
    });
  });
}

test('skewer train --backend webgpu learns a synthetic defect task well above chance and exits by itself', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'skewer-webgpu-train-'));
  await writePatchDataset(path.join(root, 'data'), 32, { defect: 24, ok: 56 });
  const spec = {
    dataset: { path: './data', minorityClass: 'defect' },
    seed: 7,
    folds: 2,
    holdout: 4,
    backbone: 'small-cnn',
    resolution: 32,
    batchSize: 16,
    epochs: 6,
    learningRate: 0.003,
    sampling: 'balanced-batch',
  };
  await writeFile(path.join(root, 'spec.yaml'), stringify(spec));
  const run = await skewer(['train', 'spec.yaml', '--backend', 'webgpu', '--json'], root);
  assert.equal(run.code, 0, `${run.stderr.includes('no usable tfjs backend') ? MISSING_GPU_HINT : ''}\n${run.stderr.slice(-3000)}`);
  const { result } = JSON.parse(run.stdout) as { result: { backend: string; balancedAccuracy: { mean: number } } };
  process.stderr.write(`  webgpu train: balanced accuracy ${result.balancedAccuracy.mean.toFixed(3)}, ${(run.ms / 1000).toFixed(1)} s including exit\n`);
  assert.equal(result.backend, 'webgpu');
  assert.ok(result.balancedAccuracy.mean > 0.75, `balanced accuracy ${result.balancedAccuracy.mean} is not clearly above chance (0.5)`);
});
