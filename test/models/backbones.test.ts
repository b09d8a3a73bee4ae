import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../src/core/errors.ts';
import { BACKBONES, backboneInfo, buildBackbone, buildModel, type BackboneName } from '../../src/models/backbones/index.ts';

/** Keras `include_top=False` parameter counts, and the pooled feature size. */
const KERAS_REFERENCE: Partial<Record<BackboneName, { params: number; features: number }>> = {
  mobilenetv2: { params: 2_257_984, features: 1280 },
  densenet121: { params: 7_037_504, features: 1024 },
  densenet201: { params: 18_321_984, features: 1920 },
  efficientnetb3: { params: 10_783_535, features: 1536 },
};

before(async () => {
  await tf.setBackend('cpu');
});

test('parameter counts without the top match the Keras references, and info agrees', () => {
  for (const name of BACKBONES) {
    const model = buildBackbone(name, { resolution: 32, seed: 1 });
    const reference = KERAS_REFERENCE[name];
    if (reference) {
      assert.equal(model.countParams(), reference.params, `${name} parameters`);
      assert.deepEqual(model.outputs[0]!.shape, [null, reference.features], `${name} feature shape`);
    } else {
      assert.ok(model.countParams() >= 50_000 && model.countParams() <= 150_000, `small-cnn has ${model.countParams()} parameters`);
    }
    assert.equal(backboneInfo(name, 32).paramsWithoutTop, model.countParams(), `${name} info`);
    model.dispose();
  }
});

test('parameter counts do not depend on resolution, FLOPs grow with the pixel count', () => {
  const small = backboneInfo('mobilenetv2', 32);
  const large = backboneInfo('mobilenetv2', 64);
  assert.equal(small.paramsWithoutTop, large.paramsWithoutTop);
  const ratio = large.flopsPerImage / small.flopsPerImage;
  assert.ok(ratio > 3.5 && ratio < 4.5, `FLOP ratio 64/32 px = ${ratio}`);
});

test('FLOPs per image are 2 x multiply-adds of convolutions and dense layers', () => {
  // small-cnn at 32 px: 3x3 convs 3->16 at 32x32, 16->32 at 16x16, 32->64 at 8x8, 64->128 at 4x4.
  const macs = 32 * 32 * 9 * 3 * 16 + 16 * 16 * 9 * 16 * 32 + 8 * 8 * 9 * 32 * 64 + 4 * 4 * 9 * 64 * 128;
  assert.equal(backboneInfo('small-cnn', 32).flopsPerImage, 2 * macs);
  // Published multiply-adds at 224 px: MobileNetV2 300M, DenseNet-121 2.87G.
  const mobilenet = backboneInfo('mobilenetv2', 224).flopsPerImage / 2;
  assert.ok(Math.abs(mobilenet / 300e6 - 1) < 0.05, `MobileNetV2 MACs ${mobilenet}`);
  const densenet = backboneInfo('densenet121', 224).flopsPerImage / 2;
  assert.ok(Math.abs(densenet / 2.87e9 - 1) < 0.05, `DenseNet-121 MACs ${densenet}`);
});

test('an unknown backbone or too small a resolution is a UserError that says what to use', () => {
  assert.throws(() => buildBackbone('resnet50' as BackboneName, { resolution: 32, seed: 1 }), (error: unknown) => {
    assert.ok(error instanceof UserError);
    assert.match(error.hint ?? '', /small-cnn, mobilenetv2, densenet121, densenet201, efficientnetb3/);
    return true;
  });
  assert.throws(() => buildBackbone('densenet121', { resolution: 16, seed: 1 }), (error: unknown) => {
    assert.ok(error instanceof UserError);
    assert.match(error.hint ?? '', /at least 32 px/);
    return true;
  });
});

function weightValues(model: tf.LayersModel): Float32Array[] {
  return model.getWeights().map((w) => w.dataSync() as Float32Array);
}

test('the same seed gives the same weights, another seed other weights', async () => {
  for (const name of ['small-cnn', 'mobilenetv2'] as const) {
    const a = await buildModel(name, { resolution: 32, numClasses: 2, seed: 7 });
    const b = await buildModel(name, { resolution: 32, numClasses: 2, seed: 7 });
    const c = await buildModel(name, { resolution: 32, numClasses: 2, seed: 8 });
    assert.deepEqual(weightValues(a), weightValues(b), `${name} seed 7 twice`);
    assert.notDeepEqual(weightValues(a), weightValues(c), `${name} seeds 7 and 8`);
    for (const m of [a, b, c]) m.dispose();
  }
});

test('buildModel adds dropout and a dense softmax head over numClasses', async () => {
  const model = await buildModel('small-cnn', { resolution: 32, numClasses: 3, seed: 1, dropout: 0.5 });
  const backbone = buildBackbone('small-cnn', { resolution: 32, seed: 1 });
  // small-cnn pools its last 128 maps two ways (average and max) into 256 features.
  assert.deepEqual(backbone.outputs[0]!.shape, [null, 2 * 128]);
  assert.equal(model.countParams(), backbone.countParams() + 2 * 128 * 3 + 3);
  assert.deepEqual(model.layers.slice(-2).map((l) => l.name), ['head_dropout', 'head_dense']);
  const x = tf.randomUniform([4, 32, 32, 3], 0, 1, 'float32', 3);
  const probabilities = model.predict(x) as tf.Tensor;
  assert.deepEqual(probabilities.shape, [4, 3]);
  for (const row of probabilities.arraySync() as number[][]) {
    assert.ok(Math.abs(row.reduce((s, p) => s + p, 0) - 1) < 1e-5);
  }
  tf.dispose([x, probabilities]);
  model.dispose();
  backbone.dispose();
});

test('freeze makes the first layers untrainable; a bad value is a UserError', async () => {
  const all = await buildModel('small-cnn', { resolution: 32, numClasses: 2, seed: 1, freeze: 'all' });
  assert.deepEqual(all.trainableWeights.map((w) => w.originalName), ['head_dense/kernel', 'head_dense/bias']);
  const some = await buildModel('small-cnn', { resolution: 32, numClasses: 2, seed: 1, freeze: 5 });
  const trainable = some.trainableWeights.map((w) => w.originalName);
  // Layers 0-4: input, block1 conv/bn/relu/pool: frozen; block2 onwards trains.
  assert.ok(!trainable.includes('block1_conv/kernel'));
  assert.ok(trainable.includes('block2_conv/kernel'));
  await assert.rejects(buildModel('small-cnn', { resolution: 32, numClasses: 2, seed: 1, freeze: 1000 }), UserError);
  all.dispose();
  some.dispose();
});

test('frozen batch norm keeps its moving statistics while the rest trains', async () => {
  const x = tf.randomUniform([4, 32, 32, 3], 0, 1, 'float32', 4);
  const outputs = async (freeze: 'all' | 0) => {
    const model = await buildModel('small-cnn', { resolution: 32, numClasses: 2, seed: 1, dropout: 0, freeze });
    const training = (model.apply(x, { training: true }) as tf.Tensor).arraySync();
    const inference = (model.apply(x, { training: false }) as tf.Tensor).arraySync();
    const movingMean = Array.from(model.getLayer('block1_bn').getWeights()[2]!.dataSync());
    model.dispose();
    return { training, inference, movingMean };
  };
  const frozen = await outputs('all');
  assert.deepEqual(frozen.training, frozen.inference);
  assert.deepEqual(frozen.movingMean, Array(16).fill(0));
  const trainable = await outputs(0);
  assert.notDeepEqual(trainable.training, trainable.inference);
  assert.notDeepEqual(trainable.movingMean, Array(16).fill(0));
  x.dispose();
});
