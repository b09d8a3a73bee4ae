import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import type { ModelsReport } from '../../src/cli/commands/models.ts';
import { formatBackbones } from '../../src/cli/commands/models.ts';

function skewer(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', ...args], { encoding: 'utf8' });
}

test('skewer models --json lists the Keras reference parameter counts, FLOPs and memory per batch', () => {
  const run = skewer('models', '--json', '--resolution', '32', '--batch', '2,8');
  assert.equal(run.status, 0, run.stderr);
  const report = JSON.parse(run.stdout) as ModelsReport;
  const params = Object.fromEntries(report.backbones.map((b) => [b.name, b.paramsWithoutTop]));
  assert.deepEqual(
    { mobilenetv2: params['mobilenetv2'], densenet121: params['densenet121'], densenet201: params['densenet201'], efficientnetb3: params['efficientnetb3'] },
    { mobilenetv2: 2_257_984, densenet121: 7_037_504, densenet201: 18_321_984, efficientnetb3: 10_783_535 },
  );
  assert.equal(report.resolution, 32);
  for (const b of report.backbones) {
    assert.ok(b.supported && b.flopsPerImage! > 0, b.name);
    assert.deepEqual(b.memory!.map((m) => m.batchSize), [2, 8]);
    // At 32 px tfjs' Adam update (18x the weights) can outweigh the activations: never less with a larger batch.
    assert.ok(b.memory![1]!.bytes >= b.memory![0]!.bytes, `${b.name} memory does not shrink with batch`);
  }
  // The table names what does not fit on wasm.
  const table = formatBackbones({ ...report, backbones: report.backbones.map((b) => ({ ...b, memory: b.memory!.map((m) => ({ ...m, fitsWasm: b.name !== 'densenet201' })) })) });
  assert.match(table, /densenet201 .* \*/);
  assert.doesNotMatch(table, /small-cnn .* \*/);
});

test('skewer models refuses a bad resolution with a clear message and no stack trace', () => {
  const run = skewer('models', '--resolution', 'big');
  assert.notEqual(run.status, 0);
  assert.match(run.stderr, /--resolution: expected a positive integer, got "big"/);
  assert.doesNotMatch(run.stderr, /at .*\.ts:\d+/);
});
