/**
 * Whole-model check of a backend (wasm, or webgpu on Dawn) against the pure-JS `cpu` backend: one training step's
 * gradients for the same weights and batch on both. Batch norm runs in inference mode (moving
 * statistics) and dropout is off, so the comparison is well conditioned: in training mode, a
 * per-batch variance near zero amplifies float rounding differences into large gradient differences.
 */
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../core/index.ts';
import { selectBackend, type BackendName } from './backend.ts';
import { stepGradients } from './train-step.ts';

export interface GradientCheckOptions {
  /** Images per batch (default 2). */
  batchSize?: number;
  /** Classes of the one-hot labels; must match the model's output (default 2). */
  numClasses?: number;
  /** Seed of the input batch and labels (default 'gradient-check'). */
  seed?: string | number;
  /** The backend checked against cpu (default 'wasm'). */
  backend?: 'wasm' | 'webgpu';
}

export interface GradientComparison {
  /** Largest per-weight relative error: max |tested - cpu| / max |cpu| over one weight's gradient. */
  maxRelativeError: number;
  /** The weight where it occurs. */
  worstWeight: string;
  perWeight: Array<{ weight: string; relativeError: number }>;
  /** The backend checked and the loss on it and on cpu. */
  backend: 'wasm' | 'webgpu';
  loss: { tested: number; cpu: number };
}

/** max |actual - expected| / max |expected| (the absolute difference when expected is all zeros). */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) throw new Error(`cannot compare ${actual.length} values with ${expected.length}`);
  let difference = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    difference = Math.max(difference, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  return scale === 0 ? difference : difference / scale;
}

interface StepResult {
  names: string[];
  grads: Float32Array[];
  loss: number;
}

// Reads are asynchronous: webgpu in Node cannot read synchronously (tfjs does it through a canvas).
async function runStep(model: tf.LayersModel, images: Float32Array, imageShape: number[], labels: Int32Array, numClasses: number): Promise<StepResult> {
  const x = tf.tensor(images, imageShape);
  const y = tf.oneHot(tf.tensor1d(labels, 'int32'), numClasses);
  try {
    const { loss, grads } = stepGradients(model, x, y, { training: false });
    try {
      const values = await Promise.all([...grads.values()].map(async (g) => Float32Array.from(await g.data())));
      return { names: [...grads.keys()], grads: values, loss: (await loss.data())[0]! };
    } finally {
      tf.dispose([loss, ...grads.values()]);
    }
  } finally {
    tf.dispose([x, y]);
  }
}

/**
 * Builds the model on the tested backend, computes one step's gradients there, rebuilds it on cpu with the same
 * weights and compares. `build` must return a fresh model with a softmax output of `numClasses`.
 * Restores the backend that was active before the call.
 */
export async function compareGradients(
  build: () => tf.LayersModel | Promise<tf.LayersModel>,
  inputShape: readonly number[],
  options: GradientCheckOptions = {},
): Promise<GradientComparison> {
  const batchSize = options.batchSize ?? 2;
  const numClasses = options.numClasses ?? 2;
  const rng = createRng(options.seed ?? 'gradient-check');
  const imageShape = [batchSize, ...inputShape];
  const images = Float32Array.from({ length: imageShape.reduce((a, b) => a * b, 1) }, () => rng.next());
  const labels = Int32Array.from({ length: batchSize }, (_, i) => i % numClasses);
  const previous = tf.getBackend() as BackendName | undefined;
  const backend = options.backend ?? 'wasm';

  await selectBackend(backend);
  const testedModel = await build();
  let tested: StepResult;
  let weights: Array<{ shape: number[]; values: Float32Array }>;
  try {
    weights = await Promise.all(testedModel.getWeights().map(async (w) => ({ shape: w.shape, values: Float32Array.from(await w.data()) })));
    tested = await runStep(testedModel, images, imageShape, labels, numClasses);
  } finally {
    testedModel.dispose();
  }

  await selectBackend('cpu');
  const cpuModel = await build();
  let cpu: StepResult;
  try {
    const tensors = weights.map((w) => tf.tensor(w.values, w.shape));
    cpuModel.setWeights(tensors);
    tf.dispose(tensors);
    cpu = await runStep(cpuModel, images, imageShape, labels, numClasses);
  } finally {
    cpuModel.dispose();
    if (previous && previous !== 'cpu') await selectBackend(previous);
  }

  if (tested.grads.length !== cpu.grads.length) throw new Error(`${backend} model has ${tested.grads.length} trainable weights, cpu model ${cpu.grads.length}`);
  const perWeight = tested.names.map((weight, i) => ({ weight, relativeError: relativeError(tested.grads[i]!, cpu.grads[i]!) }));
  const worst = perWeight.reduce((a, b) => (b.relativeError > a.relativeError ? b : a), { weight: '', relativeError: 0 });
  return { maxRelativeError: worst.relativeError, worstWeight: worst.weight, perWeight, backend, loss: { tested: tested.loss, cpu: cpu.loss } };
}
