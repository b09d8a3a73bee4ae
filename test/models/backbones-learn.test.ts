import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../src/core/rng.ts';
import { buildModel } from '../../src/models/backbones/index.ts';
import { selectBackend } from '../../src/models/index.ts';

const SIZE = 32;

/** Noise images; the "defective" half carries a dark 6x6 patch at a random place. */
function patches(seed: string, count: number): { x: tf.Tensor4D; y: tf.Tensor2D; labels: number[] } {
  const rng = createRng(seed);
  const values = new Float32Array(count * SIZE * SIZE * 3);
  const labels: number[] = [];
  for (let i = 0; i < count; i++) {
    const defective = i % 2;
    const offset = i * SIZE * SIZE * 3;
    for (let j = 0; j < SIZE * SIZE * 3; j++) values[offset + j] = rng.uniform(0.4, 0.6);
    if (defective) {
      const px = rng.int(0, SIZE - 6);
      const py = rng.int(0, SIZE - 6);
      for (let y = py; y < py + 6; y++) for (let x = px; x < px + 6; x++) for (let c = 0; c < 3; c++) values[offset + (y * SIZE + x) * 3 + c]! -= 0.3;
    }
    labels.push(defective);
  }
  return { x: tf.tensor4d(values, [count, SIZE, SIZE, 3]), y: tf.oneHot(tf.tensor1d(labels, 'int32'), 2) as tf.Tensor2D, labels };
}

test('small-cnn learns a local defect on wasm within a few epochs and generalises to new images', async () => {
  await selectBackend('wasm');
  const train = patches('train', 256);
  const unseen = patches('unseen', 64);
  const model = await buildModel('small-cnn', { resolution: SIZE, numClasses: 2, seed: 1 });
  model.compile({ optimizer: tf.train.adam(3e-3), loss: 'categoricalCrossentropy' });
  await model.fit(train.x, train.y, { epochs: 6, batchSize: 16, shuffle: false, verbose: 0 });
  const predicted = (model.predict(unseen.x) as tf.Tensor).argMax(-1).dataSync();
  const accuracy = unseen.labels.filter((label, i) => predicted[i] === label).length / unseen.labels.length;
  assert.ok(accuracy >= 0.9, `accuracy on unseen images ${accuracy}`);
  tf.dispose([train.x, train.y, unseen.x, unseen.y]);
  model.dispose();
});
