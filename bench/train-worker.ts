/**
 * The measurements of `npm run bench:train`, one per child process so each starts with a fresh
 * wasm heap (it only grows) and a cold-free JIT after its own warm-up:
 * - `step`: ms per Adam training step of a backbone + head at a resolution and batch on a backend;
 * - `matmul`: the machine's wasm matrix-multiply GFLOP/s (best of a few 1024³ products);
 * - `kernels`: our wasm kernel overrides against the stock ones, same inputs, alternating runs.
 * Invoked by bench/train.ts as `tsx bench/train-worker.ts '<json job>'`; prints one `RESULT {json}` line.
 */
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../src/core/rng.ts';
import {
  backboneInfo,
  buildModel,
  registerWasmTrainingKernels,
  releaseBackends,
  selectBackend,
  trainStep,
  trainStepAsync,
  type BackboneName,
} from '../src/models/index.ts';

export type Variant = 'wasm' | 'wasm-stock' | 'cpu' | 'webgpu';

export type Job =
  | { kind: 'step'; backbone: BackboneName; resolution: number; batchSize: number; variant: Variant; steps: number; warmup?: boolean }
  | { kind: 'profile'; backbone: BackboneName; resolution: number; batchSize: number }
  | { kind: 'matmul'; size: number }
  | { kind: 'kernels' };

export interface StepResult {
  msPerStep: number;
  stepsTimed: number;
  firstStepMs: number;
  flopsPerImage: number;
  /** webgpu: the adapter it ran on. */
  adapter?: string;
  /** tf.memory() bytes after the warm-up and after the timed steps (flat when nothing leaks). */
  memoryBytes?: { afterWarmup: number; afterSteps: number };
}

async function measureStep(job: Extract<Job, { kind: 'step' }>): Promise<StepResult> {
  if (job.variant === 'webgpu') return measureWebgpuStep(job);
  if (job.variant === 'cpu') await selectBackend('cpu');
  else {
    await selectBackend('wasm');
    // wasm-stock: only the kernels wasm lacks, none of our performance overrides.
    if (job.variant === 'wasm-stock') registerWasmTrainingKernels({ overrides: false });
  }
  const model = await buildModel(job.backbone, { resolution: job.resolution, numClasses: 2, seed: 1 });
  const optimizer = tf.train.adam(1e-3);
  const rng = createRng(`bench/${job.backbone}/${job.resolution}`);
  const size = job.batchSize * job.resolution * job.resolution * 3;
  const images = tf.tensor4d(Float32Array.from({ length: size }, () => rng.next()), [job.batchSize, job.resolution, job.resolution, 3]);
  const labels = tf.oneHot(tf.tensor1d(Array.from({ length: job.batchSize }, (_, i) => i % 2), 'int32'), 2);
  let start = performance.now();
  // Warm-up: XNNPACK operators, JIT, heap growth. Skipped on cpu, where one step takes minutes.
  if (job.warmup ?? true) trainStep(model, optimizer, images, labels);
  const firstStepMs = performance.now() - start;
  start = performance.now();
  for (let i = 0; i < job.steps; i++) trainStep(model, optimizer, images, labels);
  const msPerStep = (performance.now() - start) / job.steps;
  return { msPerStep, stepsTimed: job.steps, firstStepMs, flopsPerImage: backboneInfo(job.backbone, job.resolution).flopsPerImage };
}

/**
 * webgpu: the first step compiles every shader (reported as firstStepMs, the warm-up); the timed
 * steps are steady state. Each step waits for its loss, so GPU work is really done when timed.
 */
async function measureWebgpuStep(job: Extract<Job, { kind: 'step' }>): Promise<StepResult> {
  const backend = await selectBackend('webgpu');
  const model = await buildModel(job.backbone, { resolution: job.resolution, numClasses: 2, seed: 1 });
  const optimizer = tf.train.adam(1e-3);
  const rng = createRng(`bench/${job.backbone}/${job.resolution}`);
  const size = job.batchSize * job.resolution * job.resolution * 3;
  const images = tf.tensor4d(Float32Array.from({ length: size }, () => rng.next()), [job.batchSize, job.resolution, job.resolution, 3]);
  const labels = tf.oneHot(tf.tensor1d(Array.from({ length: job.batchSize }, (_, i) => i % 2), 'int32'), 2);
  let start = performance.now();
  await trainStepAsync(model, optimizer, images, labels);
  const firstStepMs = performance.now() - start;
  const afterWarmup = tf.memory().numBytes;
  start = performance.now();
  for (let i = 0; i < job.steps; i++) await trainStepAsync(model, optimizer, images, labels);
  const msPerStep = (performance.now() - start) / job.steps;
  const afterSteps = tf.memory().numBytes;
  tf.dispose([images, labels]);
  optimizer.dispose();
  model.dispose();
  const adapter = backend.adapter ? `${backend.adapter.description || backend.adapter.device} (${backend.adapter.dawnBackend}${backend.adapter.software ? ', software' : ''})` : 'unknown';
  releaseBackends();
  return { msPerStep, stepsTimed: job.steps, firstStepMs, flopsPerImage: backboneInfo(job.backbone, job.resolution).flopsPerImage, adapter, memoryBytes: { afterWarmup, afterSteps } };
}

export interface KernelProfile {
  /** Whether the GPU timed each kernel (WebGPU timestamp queries); else only counts and bytes. */
  timed: boolean;
  kernels: Array<{ name: string; calls: number; totalMs: number; bytesAdded: number }>;
}

/** tf.profile of one webgpu training step after a warm-up: time per kernel name, largest first. */
async function profileWebgpuStep(job: Extract<Job, { kind: 'profile' }>): Promise<KernelProfile> {
  // Dawn may hide timestamp queries (the per-kernel GPU timer) behind this toggle.
  process.env.SKEWER_DAWN_FLAGS ??= 'enable-dawn-features=allow_unsafe_apis';
  await selectBackend('webgpu');
  const model = await buildModel(job.backbone, { resolution: job.resolution, numClasses: 2, seed: 1 });
  const optimizer = tf.train.adam(1e-3);
  const images = tf.randomUniform([job.batchSize, job.resolution, job.resolution, 3], 0, 1, 'float32', 1);
  const labels = tf.oneHot(tf.tensor1d(Array.from({ length: job.batchSize }, (_, i) => i % 2), 'int32'), 2);
  await trainStepAsync(model, optimizer, images, labels);
  const info = await tf.profile(() => trainStepAsync(model, optimizer, images, labels));
  const byName = new Map<string, { name: string; calls: number; totalMs: number; bytesAdded: number }>();
  for (const k of info.kernels) {
    const entry = byName.get(k.name) ?? { name: k.name, calls: 0, totalMs: 0, bytesAdded: 0 };
    entry.calls += 1;
    entry.totalMs += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    entry.bytesAdded += k.bytesAdded;
    byName.set(k.name, entry);
  }
  const kernels = [...byName.values()];
  const timed = kernels.some((k) => k.totalMs > 0);
  kernels.sort((a, b) => (timed ? b.totalMs - a.totalMs : b.calls - a.calls));
  releaseBackends();
  return { timed, kernels: kernels.slice(0, 15) };
}

async function measureMatmul(size: number): Promise<{ gflops: number; ms: number }> {
  await selectBackend('wasm');
  const a = tf.randomUniform([size, size], -1, 1, 'float32', 1);
  const b = tf.randomUniform([size, size], -1, 1, 'float32', 2);
  let best = Infinity;
  for (let i = 0; i < 6; i++) {
    const start = performance.now();
    const product = tf.matMul(a, b);
    product.dataSync();
    best = Math.min(best, performance.now() - start);
    product.dispose();
  }
  return { gflops: (2 * size ** 3) / (best / 1000) / 1e9, ms: best };
}

type Case = { name: string; run: () => tf.Tensor | tf.Tensor[] };

function kernelCases(): Case[] {
  const t = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);
  const dy1 = t([8, 32, 32, 64], 1) as tf.Tensor4D;
  const dy2 = t([8, 16, 16, 64], 2) as tf.Tensor4D;
  const filter = t([3, 3, 64, 64], 3) as tf.Tensor4D;
  const channelVector = t([1, 1, 1, 64], 4);
  const a = t([256, 1024], 5);
  const b = t([256, 512], 6);
  const c = t([512, 1024], 7);
  const concatenated = t([8, 32, 32, 96], 8);
  const pooled = t([8, 64, 64, 16], 9) as tf.Tensor4D;
  return [
    { name: 'Conv2DBackpropInput 3x3 stride 1', run: () => tf.conv2dTranspose(dy1, filter, [8, 32, 32, 64], 1, 'same') },
    { name: 'Conv2DBackpropInput 3x3 stride 2', run: () => tf.conv2dTranspose(dy2, filter, [8, 32, 32, 64], 2, 'same') },
    { name: 'Tile per-channel vector (BN grad)', run: () => tf.tile(channelVector, [8, 32, 32, 1]) },
    { name: 'BatchMatMul transposeA', run: () => tf.matMul(a, b, true, false) },
    { name: 'BatchMatMul transposeB', run: () => tf.matMul(a, c, false, true) },
    { name: 'SplitV along channels (concat grad)', run: () => tf.split(concatenated, [64, 32], 3) },
    { name: 'Concat along channels', run: () => tf.concat([concatenated, concatenated], 3) },
    { name: 'MaxPoolGrad 2x2 (forward + grad)', run: () => tf.grad((x) => tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid').sum())(pooled) },
  ];
}

function timeOnce(run: Case['run']): number {
  const start = performance.now();
  const out = run();
  for (const tensor of Array.isArray(out) ? out : [out]) tensor.dataSync();
  const ms = performance.now() - start;
  tf.dispose(out);
  return ms;
}

/** Best-of-N per side, alternating stock and ours so background load hits both alike. */
async function measureKernels(): Promise<Array<{ name: string; stockMs: number; oursMs: number }>> {
  await selectBackend('wasm');
  const out: Array<{ name: string; stockMs: number; oursMs: number }> = [];
  for (const { name, run } of kernelCases()) {
    let stockMs = Infinity;
    let oursMs = Infinity;
    for (let i = 0; i < 5; i++) {
      registerWasmTrainingKernels({ overrides: false });
      stockMs = Math.min(stockMs, timeOnce(run));
      registerWasmTrainingKernels();
      oursMs = Math.min(oursMs, timeOnce(run));
    }
    out.push({ name, stockMs, oursMs });
  }
  return out;
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '{}') as Job;
  const result =
    job.kind === 'step' ? await measureStep(job) : job.kind === 'profile' ? await profileWebgpuStep(job) : job.kind === 'matmul' ? await measureMatmul(job.size) : await measureKernels();
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

await main();
