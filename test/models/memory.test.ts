import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ResourceError } from '../../src/core/errors.ts';
import { assertFitsBackend, estimateTrainingMemory, largestFittingBatch, WASM_HEAP_BYTES } from '../../src/models/memory.ts';

test('the estimate grows with batch and resolution, and its parts add up', () => {
  for (const name of ['small-cnn', 'mobilenetv2', 'densenet121'] as const) {
    const base = estimateTrainingMemory(name, { resolution: 64, batchSize: 8 });
    const biggerBatch = estimateTrainingMemory(name, { resolution: 64, batchSize: 16 });
    const biggerImages = estimateTrainingMemory(name, { resolution: 128, batchSize: 8 });
    assert.ok(biggerBatch.bytes > base.bytes, `${name} batch`);
    assert.ok(biggerImages.bytes > base.bytes, `${name} resolution`);
    assert.equal(biggerBatch.parts.weights, base.parts.weights, 'weights do not depend on batch');
    const sum = base.parts.weights + base.parts.optimizer + base.parts.activations + base.parts.workspace;
    assert.ok(Math.abs(sum - base.bytes) <= 4, `${name} parts sum ${sum} vs ${base.bytes}`);
  }
  assert.ok(estimateTrainingMemory('densenet201', { resolution: 64, batchSize: 8 }).bytes > estimateTrainingMemory('densenet121', { resolution: 64, batchSize: 8 }).bytes);
});

test('DenseNet-121 at 224 px, batch 8 is refused on wasm, naming the largest batch that fits', () => {
  let named = 0;
  assert.throws(
    () => assertFitsBackend('densenet121', { resolution: 224, batchSize: 8, backend: 'wasm' }),
    (error: unknown) => {
      assert.ok(error instanceof ResourceError);
      assert.match(error.message, /densenet121 at 224 px, batch 8 needs a native backend or a smaller batch: estimated \d+\.\d\d GiB > wasm 4 GiB heap/);
      const match = /use batch size (\d+) or less/.exec(error.hint ?? '');
      assert.ok(match, `hint names a batch: ${error.hint}`);
      named = Number(match[1]);
      return true;
    },
  );
  assert.ok(named >= 1 && named < 8);
  assert.equal(named, largestFittingBatch('densenet121', 224, WASM_HEAP_BYTES));
  assert.doesNotThrow(() => assertFitsBackend('densenet121', { resolution: 224, batchSize: named, backend: 'wasm' }));
  assert.throws(() => assertFitsBackend('densenet121', { resolution: 224, batchSize: named + 1, backend: 'wasm' }), ResourceError);
  // The same recipe is fine natively with enough memory, and refused when memory is short.
  assert.doesNotThrow(() => assertFitsBackend('densenet121', { resolution: 224, batchSize: 8, backend: 'tensorflow', availableBytes: 64 * 2 ** 30 }));
  assert.throws(() => assertFitsBackend('densenet121', { resolution: 224, batchSize: 8, backend: 'tensorflow', availableBytes: 2 ** 30 }), /GiB available on tensorflow/);
});

test('small-cnn at 64 px, batch 32 fits on wasm; a hopeless size says even batch 1 does not fit', () => {
  assert.doesNotThrow(() => assertFitsBackend('small-cnn', { resolution: 64, batchSize: 32, backend: 'wasm' }));
  assert.throws(
    () => assertFitsBackend('densenet201', { resolution: 1024, batchSize: 2, backend: 'wasm' }),
    (error: unknown) => error instanceof ResourceError && /even batch 1 does not fit/.test(error.hint ?? ''),
  );
});
