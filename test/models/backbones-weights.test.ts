import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../src/core/errors.ts';
import { buildBackbone, buildModel, SeededDropout } from '../../src/models/backbones/index.ts';
import { loadLayersModel, saveLayersModel } from '../../src/models/weights.ts';

let dir: string;

before(async () => {
  await tf.setBackend('cpu');
  dir = await mkdtemp(path.join(os.tmpdir(), 'skewer-weights-'));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function namedValues(model: tf.LayersModel, names: readonly string[]): Map<string, number[]> {
  const wanted = new Set(names);
  return new Map(model.weights.filter((w) => wanted.has(w.originalName)).map((w) => [w.originalName, Array.from(w.read().dataSync())]));
}

test('pretrained weights load by layer name into a freshly seeded build (EfficientNet-B3, custom layers included)', async () => {
  const source = buildBackbone('efficientnetb3', { resolution: 32, seed: 1 });
  // Give the non-trainable Normalization weights distinctive values, as ImageNet statistics would.
  const mean = source.getLayer('normalization').weights[0]!;
  mean.write(tf.tensor1d([0.485, 0.456, 0.406]));
  const saved = await saveLayersModel(source, path.join(dir, 'effnet'));
  const backboneNames = source.weights.map((w) => w.originalName);

  const model = await buildModel('efficientnetb3', { resolution: 32, numClasses: 2, seed: 2, weights: { path: path.dirname(saved) } });
  const fresh = await buildModel('efficientnetb3', { resolution: 32, numClasses: 2, seed: 2 });
  assert.deepEqual(namedValues(model, backboneNames), namedValues(source, backboneNames));
  assert.notDeepEqual(namedValues(fresh, ['stem_conv/kernel']), namedValues(model, ['stem_conv/kernel']));
  // The head is not in the file: it keeps its seeded initial values.
  assert.deepEqual(namedValues(model, ['head_dense/kernel']), namedValues(fresh, ['head_dense/kernel']));

  // The whole topology (Normalization, drop-connect SeededDropout) round-trips through model.json.
  const reloaded = await loadLayersModel(saved);
  assert.ok(reloaded.layers.some((l) => l instanceof SeededDropout));
  const x = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 5);
  const expected = source.predict(x) as tf.Tensor;
  const actual = reloaded.predict(x) as tf.Tensor;
  assert.ok(tf.max(tf.abs(tf.sub(expected, actual))).dataSync()[0]! < 1e-5);
  tf.dispose([x, expected, actual]);
  for (const m of [source, model, fresh, reloaded]) m.dispose();
});

test('a trained classifier saves and loads with the same predictions', async () => {
  const model = await buildModel('small-cnn', { resolution: 32, numClasses: 2, seed: 3 });
  const saved = await saveLayersModel(model, path.join(dir, 'small'));
  const reloaded = await loadLayersModel(saved);
  const x = tf.randomUniform([3, 32, 32, 3], 0, 1, 'float32', 9);
  const a = (model.predict(x) as tf.Tensor).arraySync();
  const b = (reloaded.predict(x) as tf.Tensor).arraySync();
  assert.deepEqual(b, a);
  model.dispose();
  reloaded.dispose();
});

test('weights without a path, a missing path, or a file that does not fit are clear UserErrors', async () => {
  await assert.rejects(buildModel('densenet121', { resolution: 32, numClasses: 2, seed: 1, weights: {} }), (error: unknown) => {
    assert.ok(error instanceof UserError);
    assert.equal(error.where, 'weights.path');
    assert.match(error.hint ?? '', /DenseNet121\(weights='imagenet', include_top=False\)/);
    assert.match(error.hint ?? '', /tensorflowjs_converter --input_format keras/);
    return true;
  });
  const missing = path.join(dir, 'nothing-here');
  await assert.rejects(buildModel('mobilenetv2', { resolution: 32, numClasses: 2, seed: 1, weights: { path: missing } }), (error: unknown) => {
    assert.ok(error instanceof UserError);
    assert.equal(error.where, missing);
    assert.match(error.hint ?? '', /tensorflowjs_converter/);
    return true;
  });
  const smallDir = path.join(dir, 'small');
  await assert.rejects(buildModel('mobilenetv2', { resolution: 32, numClasses: 2, seed: 1, weights: { path: smallDir } }), (error: unknown) => {
    assert.ok(error instanceof UserError);
    assert.match(error.message, /weights do not fit mobilenetv2 .*Conv1\/kernel missing/);
    return true;
  });
  const broken = path.join(dir, 'broken.json');
  await writeFile(broken, '{ not json');
  await assert.rejects(buildModel('small-cnn', { resolution: 32, numClasses: 2, seed: 1, weights: { path: broken } }), /invalid JSON/);
});

test('seeded dropout: identity at inference, reproducible masks that change from step to step', () => {
  const x = tf.ones([4, 8]);
  const make = () => new SeededDropout({ rate: 0.5, seed: 11 });
  const a = make();
  const b = make();
  assert.deepEqual(Array.from((a.apply(x, { training: false }) as tf.Tensor).dataSync()), Array(32).fill(1));
  const a1 = Array.from((a.apply(x, { training: true }) as tf.Tensor).dataSync());
  const a2 = Array.from((a.apply(x, { training: true }) as tf.Tensor).dataSync());
  const b1 = Array.from((b.apply(x, { training: true }) as tf.Tensor).dataSync());
  assert.deepEqual(a1, b1, 'same seed, same first mask');
  assert.notDeepEqual(a1, a2, 'a new mask every step');
  assert.ok(a1.every((v) => v === 0 || v === 2));
  const perSample = new SeededDropout({ rate: 0.5, seed: 3, perSample: true });
  const rows = (perSample.apply(tf.ones([16, 2, 2, 1]), { training: true }) as tf.Tensor).reshape([16, 4]).arraySync() as number[][];
  for (const row of rows) assert.ok(row.every((v) => v === row[0]), 'one value per sample');
});
