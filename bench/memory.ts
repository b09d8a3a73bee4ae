/**
 * `npm run bench:memory`: the one step-memory estimate (src/core/step-memory.ts, what routing,
 * `skewer models` and `skewer train` use) against the measured peak of a real Adam step
 * (`tf.profile` peak bytes above what was allocated before, plus the weights) for every backbone at
 * three resolutions and three batch sizes, on the backend chosen here (wasm by default). Prints a
 * table of estimate / measured, the cells outside the estimate's stated band (STEP_MEMORY_BAND), and
 * writes bench/results/memory.json.
 *
 * Flags: --backend wasm|cpu|webgpu --resolutions 32,96,160 --batches 1,2,4 --backbones all|a,b --out FILE
 *   --optimizer lean|tfjs: the Adam training uses (src/training/adam.ts, default) or tf.train.adam, to compare
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { STEP_MEMORY_BAND } from '../src/core/step-memory.ts';
import { createOptimizer } from '../src/training/fit.ts';
import { BACKBONES, buildModel, estimateTrainingMemory, parseBackendPreference, selectBackend, type BackboneName } from '../src/models/index.ts';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const backend = await selectBackend(parseBackendPreference(flag('backend', 'wasm')));
const resolutions = flag('resolutions', '32,96,160').split(',').map(Number);
const batches = flag('batches', '1,2,4').split(',').map(Number);
const names = flag('backbones', 'all') === 'all' ? [...BACKBONES] : (flag('backbones', '').split(',') as BackboneName[]);
const out = flag('out', 'bench/results/memory.json');
const optimizerKind = flag('optimizer', 'lean');
if (optimizerKind !== 'lean' && optimizerKind !== 'tfjs') throw new Error(`--optimizer ${optimizerKind}: expected lean or tfjs`);

interface Row {
  backbone: string;
  resolution: number;
  batchSize: number;
  estimateBytes: number;
  /** The estimate without its workspace allowance (runtime + slack): what the measurement sees. */
  modelledBytes: number;
  measuredBytes: number;
  ratio: number;
  stepMs: number;
}

const rows: Row[] = [];
for (const backbone of names) {
  for (const resolution of resolutions) {
    for (const batchSize of batches) {
      const baseline = tf.memory().numBytes; // whatever earlier rows left (nothing, if all is freed)
      const model = await buildModel(backbone, { resolution, numClasses: 2, seed: 1 });
      const optimizer = optimizerKind === 'tfjs' ? tf.train.adam(1e-3) : createOptimizer('adam', 1e-3);
      const images = tf.randomUniform([batchSize, resolution, resolution, 3], 0, 1, 'float32', 1);
      const labels = tf.oneHot(tf.tensor1d(Array.from({ length: batchSize }, (_, i) => i % 2), 'int32'), 2);
      const step = () => optimizer.minimize(() => tf.losses.softmaxCrossEntropy(labels, model.apply(images, { training: true }) as tf.Tensor) as tf.Scalar);
      step(); // Adam's moments exist from the first step on: measure a steady one
      const started = performance.now();
      const profile = await tf.profile(() => {
        step();
      });
      const stepMs = performance.now() - started;
      // The step's absolute peak (weights, Adam's moments, activations, gradients) less the batch itself.
      const measuredBytes = profile.peakBytes - baseline - (images.size + labels.size) * 4;
      const estimate = estimateTrainingMemory(backbone, { resolution, batchSize });
      const modelledBytes = estimate.bytes - estimate.parts.workspace;
      rows.push({ backbone, resolution, batchSize, estimateBytes: estimate.bytes, modelledBytes, measuredBytes, ratio: modelledBytes / measuredBytes, stepMs: Math.round(stepMs) });
      tf.dispose([images, labels]);
      optimizer.dispose();
      model.dispose();
      const r = rows.at(-1)!;
      console.error(`${backbone} ${resolution}px b${batchSize}: modelled ${(r.modelledBytes / 2 ** 20).toFixed(1)} MiB, measured ${(r.measuredBytes / 2 ** 20).toFixed(1)} MiB (${r.ratio.toFixed(2)}x), ${r.stepMs} ms`);
    }
  }
}

const mib = (b: number) => (b / 2 ** 20).toFixed(1).padStart(9);
console.log(`\nstep memory on ${backend.name} (${optimizerKind} Adam): estimate (without workspace) vs measured peak of one Adam step`);
console.log(`${'backbone'.padEnd(15)} ${'px'.padStart(4)} ${'batch'.padStart(5)} ${'estimate MiB'.padStart(12)} ${'measured MiB'.padStart(12)} ${'ratio'.padStart(6)}`);
for (const r of rows) console.log(`${r.backbone.padEnd(15)} ${String(r.resolution).padStart(4)} ${String(r.batchSize).padStart(5)} ${mib(r.modelledBytes).padStart(12)} ${mib(r.measuredBytes).padStart(12)} ${r.ratio.toFixed(2).padStart(6)}`);
const ratios = rows.map((r) => r.ratio);
console.log(`ratio range ${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)} over ${rows.length} cases`);
const outside = rows.filter((r) => r.ratio < STEP_MEMORY_BAND.low || r.ratio > STEP_MEMORY_BAND.high);
console.log(
  outside.length === 0
    ? `all ${rows.length} inside the band ${STEP_MEMORY_BAND.low.toFixed(2)}-${STEP_MEMORY_BAND.high.toFixed(2)}x`
    : `outside the band ${STEP_MEMORY_BAND.low.toFixed(2)}-${STEP_MEMORY_BAND.high.toFixed(2)}x: ${outside.map((r) => `${r.backbone} ${r.resolution} px b${r.batchSize} (${r.ratio.toFixed(2)}x)`).join(', ')}${optimizerKind === 'tfjs' ? ' (the estimate is calibrated for the lean Adam)' : ''}`,
);
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify({ backend: backend.name, optimizer: optimizerKind, createdAt: new Date().toISOString(), rows }, null, 2)}\n`);
console.log(`wrote ${out}`);
// Routing relies on the estimate: a cell outside its band on the optimizer training uses fails the bench.
if (outside.length > 0 && optimizerKind === 'lean') process.exitCode = 1;
