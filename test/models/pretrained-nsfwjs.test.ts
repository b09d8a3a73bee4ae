// A real Keras-trained MobileNetV2 (nsfwjs's 224 px layers model, a dev dependency, shipped as
// base64 JS modules) loads into skewer's `mobilenetv2` by layer name, mismatches are refused by
// name, freeze depth holds, and the loaded model trains a step.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../src/core/errors.ts';
import { buildBackbone, buildModel } from '../../src/models/backbones/index.ts';
import { assignWeightsByName, readWeights } from '../../src/models/weights.ts';
import { asClassifier, logitsOf } from '../../src/training/fit.ts';
import { trainingLoss } from '../../src/training/losses.ts';

const require = createRequire(import.meta.url);
interface Manifest { paths: string[]; weights: Array<{ name: string; shape: number[]; quantization?: { min: number; scale: number; dtype: string } }> }
// The package exports only its entry points: find its model files beside the resolved entry.
const modelDir = path.join(path.dirname(require.resolve('nsfwjs')), '..', 'models', 'mobilenet_v2');
const packaged = require(path.join(modelDir, 'model.min.js')) as { modelTopology: object; weightsManifest: Manifest[] };
const shard = Buffer.from(require(path.join(modelDir, 'group1-shard1of1.min.js')) as string, 'base64');

let dir: string;
/** Writes the packaged model as a tfjs model directory, after `edit` of its manifest. */
async function writeModel(name: string, edit: (weights: Manifest['weights']) => Manifest['weights'] = (w) => w): Promise<string> {
  const target = path.join(dir, name);
  const weights = edit(structuredClone(packaged.weightsManifest[0]!.weights));
  await mkdir(target, { recursive: true });
  await writeFile(path.join(target, 'model.json'), JSON.stringify({ format: 'layers-model', modelTopology: packaged.modelTopology, weightsManifest: [{ paths: ['shard.bin'], weights }] }));
  await writeFile(path.join(target, 'shard.bin'), shard);
  return target;
}

before(async () => {
  await tf.setBackend('cpu');
  dir = await mkdtemp(path.join(os.tmpdir(), 'skewer-nsfwjs-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const valuesOf = (model: tf.LayersModel, name: string) => Array.from(model.weights.find((w) => w.originalName === name)!.read().dataSync());

test('the nsfwjs MobileNetV2 backbone loads by layer name: Conv1 holds the file\'s dequantised bytes, freeze holds, one step trains', async () => {
  const weightsPath = await writeModel('ok');
  const model = await buildModel('mobilenetv2', { resolution: 64, numClasses: 2, seed: 1, weights: { path: weightsPath }, freeze: 40 });
  try {
    // Conv1/kernel is the shard's first weight: uint8 bytes, value = min + scale * byte.
    const spec = packaged.weightsManifest[0]!.weights[0]!;
    assert.equal(spec.name, 'Conv1/kernel');
    const conv1 = valuesOf(model, 'Conv1/kernel');
    assert.equal(conv1.length, 3 * 3 * 3 * 32);
    for (let i = 0; i < conv1.length; i += 37) assert.ok(Math.abs(conv1[i]! - (spec.quantization!.min + spec.quantization!.scale * shard[i]!)) < 1e-6);
    // Every backbone weight came from the file: the same tensors readWeights decodes.
    const file = await readWeights(weightsPath);
    const backboneWeights = model.weights.filter((w) => !w.originalName.startsWith('head_dense/'));
    assert.ok(backboneWeights.length > 250, `${backboneWeights.length} weights`);
    for (const w of backboneWeights) assert.deepEqual(Array.from(w.read().dataSync()), Array.from(file[w.originalName]!.dataSync()), w.originalName);
    tf.dispose(file);

    // freeze: 40 layers from the input are not trainable; one step changes the rest only.
    const frozen = model.layers.flatMap((l) => (l.trainable ? [] : l.weights.map((w) => w.originalName)));
    assert.ok(frozen.includes('Conv1/kernel') && !frozen.includes('Conv_1/kernel'));
    const classifier = asClassifier(model);
    assert.ok(!classifier.variables.some((v) => frozen.includes(v.name.replace(/_\d+$/, ''))));
    const before = new Map(model.weights.map((w) => [w.originalName, Array.from(w.read().dataSync())]));
    const x = tf.randomUniform([2, 64, 64, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
    const y = tf.tensor2d([[1, 0], [0, 1]]);
    const optimizer = tf.train.sgd(0.1);
    const loss = optimizer.minimize(() => trainingLoss({ kind: 'ce', classWeights: [1, 1], focalGamma: 0, augmixJsdWeight: 0 }, logitsOf(classifier, x, true), y), true, classifier.variables)!;
    assert.ok(Number.isFinite(loss.dataSync()[0]));
    for (const name of frozen) assert.deepEqual(valuesOf(model, name), before.get(name), `${name} moved while frozen`);
    assert.notDeepEqual(valuesOf(model, 'Conv_1/kernel'), before.get('Conv_1/kernel'));
    assert.notDeepEqual(valuesOf(model, 'head_dense/kernel'), before.get('head_dense/kernel'));
    tf.dispose([x, y, loss]);
    optimizer.dispose();
  } finally {
    model.dispose();
  }
});

test('a layer missing from the file or a weight of the wrong shape is refused, naming it', async () => {
  const renamed = await writeModel('renamed', (weights) => weights.map((w) => (w.name === 'block_3_expand/kernel' ? { ...w, name: 'block_3_expand_renamed/kernel' } : w)));
  await assert.rejects(
    buildModel('mobilenetv2', { resolution: 64, numClasses: 2, seed: 1, weights: { path: renamed } }),
    (error: unknown) => error instanceof UserError && /weights do not fit mobilenetv2 \(1 of \d+\): block_3_expand\/kernel missing/.test(error.message),
  );
  const model = buildBackbone('mobilenetv2', { resolution: 64, seed: 1 });
  const file = await readWeights(await writeModel('shape'));
  const narrow = tf.zeros([3, 3, 3, 16]);
  try {
    assert.throws(
      () => assignWeightsByName(model, { ...file, 'Conv1/kernel': narrow }, 'nsfwjs', 'convert the right model'),
      /Conv1\/kernel has shape \[3,3,3,16\], expected \[3,3,3,32\]/,
    );
  } finally {
    tf.dispose([...Object.values(file), narrow]);
    model.dispose();
  }
});
