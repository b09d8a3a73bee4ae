// Shared by the kernel tests: run the same computation on the cpu and wasm backends and compare.
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../../src/core/index.ts';
import { selectBackend } from '../../../src/models/index.ts';

/** Activates wasm (with our kernels) and cpu once; later calls just switch. */
export async function useBackend(name: 'wasm' | 'cpu'): Promise<void> {
  await selectBackend(name);
}

/** Fresh normal random values for a shape, from a seed that names the case. */
export function randomValues(shape: number[], seed: string): Float32Array {
  const rng = createRng(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return Float32Array.from({ length: size }, () => rng.normal());
}

/** max |a - b| / max |b|: the relative error used throughout the kernel checks. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} vs ${expected.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  return scale === 0 ? diff : diff / scale;
}

/** Runs `compute` on a backend inside tidy and returns plain copies of the outputs. */
export async function runOn(name: 'wasm' | 'cpu', compute: () => tf.Tensor[]): Promise<Float32Array[]> {
  await useBackend(name);
  const outputs = tf.tidy(compute);
  const values = outputs.map((t) => Float32Array.from(t.dataSync()));
  tf.dispose(outputs);
  return values;
}

/** Largest relative error between the two backends over all outputs of `compute`. */
export async function wasmVsCpu(compute: () => tf.Tensor[]): Promise<number> {
  const expected = await runOn('cpu', compute);
  const actual = await runOn('wasm', compute);
  return Math.max(...actual.map((values, i) => relativeError(values, expected[i]!)));
}

/** Tensors the engine tracks and buffers the wasm backend holds: both must stay flat. */
export function liveCounts(): { tensors: number; wasmBuffers: number } {
  return { tensors: tf.memory().numTensors, wasmBuffers: tf.findBackend('wasm')!.numDataIds() };
}
