// A saved classifier loads with stock @tensorflow/tfjs alone: every backbone's inference copy has
// only stock layers, and a process that imports nothing of skewer predicts what skewer predicts.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { BACKBONES, buildModel } from '../../src/models/backbones/index.ts';
import { hasCustomLayers, toStockModel } from '../../src/models/portable.ts';
import { saveLayersModel } from '../../src/models/weights.ts';

let dir: string;
before(async () => {
  await tf.setBackend('cpu');
  dir = await mkdtemp(path.join(os.tmpdir(), 'skewer-portable-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Loads each model dir with plain tfjs in a fresh process and prints its predictions on `input`. */
const STOCK_LOADER = `
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import path from 'node:path';
const [input, ...dirs] = JSON.parse(process.argv[1]);
await tf.setBackend('cpu');
const out = {};
for (const dir of dirs) {
  const json = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8'));
  const weights = readFileSync(path.join(dir, json.weightsManifest[0].paths[0]));
  const model = await tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest[0].weights,
    weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
  }));
  const x = tf.tensor4d(input.data, input.shape);
  out[dir] = Array.from(model.predict(x).dataSync());
}
process.stdout.write(JSON.stringify(out));
`;

test('every backbone saves as stock layers that plain tfjs loads and runs to the same predictions', async () => {
  const resolution = 32;
  const input = { shape: [2, resolution, resolution, 3], data: Array.from({ length: 2 * resolution * resolution * 3 }, (_, i) => ((i * 7919) % 256) / 255) };
  const expected = new Map<string, number[]>();
  for (const name of BACKBONES) {
    const model = await buildModel(name, { resolution, numClasses: 2, seed: 5 });
    const stock = toStockModel(model);
    assert.equal(hasCustomLayers(stock), false, `${name}: no skewer layer left`);
    const out = path.join(dir, name);
    await saveLayersModel(stock, out);
    const topology = await readFile(path.join(out, 'model.json'), 'utf8');
    assert.doesNotMatch(topology, /Skewer|"Normalization"/, `${name}: the saved topology names no custom class`);
    const x = tf.tensor4d(input.data, input.shape as [number, number, number, number]);
    expected.set(out, Array.from((model.predict(x) as tf.Tensor).dataSync()));
    x.dispose();
  }
  const printed = execFileSync(process.execPath, ['--input-type=module', '-e', STOCK_LOADER, JSON.stringify([input, ...expected.keys()])], {
    encoding: 'utf8',
    cwd: process.cwd(),
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' },
  });
  const got = JSON.parse(printed) as Record<string, number[]>;
  for (const [out, want] of expected) {
    const have = got[out]!;
    assert.equal(have.length, want.length);
    const worst = Math.max(...have.map((v, i) => Math.abs(v - want[i]!)));
    assert.ok(worst < 1e-4, `${path.basename(out)}: stock tfjs predicts what skewer predicts (max |diff| ${worst})`);
  }
});
