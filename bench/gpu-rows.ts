/**
 * The webgpu rows of the training benchmark, shared by `npm run bench:train -- --webgpu` and
 * `npm run bench:gpu`: ms per Adam step and images/s for the recipes the GPU path is for (up to
 * the seed's task, DenseNet-201 at 600 px batch 8), with the first step (shader compilation, the
 * warm-up) reported apart from the steady state, and the projected epoch time for 1,800 images.
 * Each row runs in its own child process (a fresh GPU device) under a time limit.
 * `tiny` shrinks every row to 32 px, batch 2, 2 steps: what a software GPU can run in a minute or two.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { estimateTrainingMemory, largestTensorBytes, type BackboneName } from '../src/models/index.ts';
import type { Job, KernelProfile, StepResult } from './train-worker.ts';

const WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'train-worker.ts');
/** Images in one epoch of the seed's task. */
export const EPOCH_IMAGES = 1800;

export interface GpuRowSpec {
  backbone: BackboneName;
  resolution: number;
  batchSize: number;
  steps: number;
}

export const GPU_ROWS: readonly GpuRowSpec[] = [
  { backbone: 'small-cnn', resolution: 64, batchSize: 8, steps: 20 },
  { backbone: 'mobilenetv2', resolution: 224, batchSize: 8, steps: 5 },
  { backbone: 'densenet121', resolution: 224, batchSize: 16, steps: 5 },
  { backbone: 'efficientnetb3', resolution: 300, batchSize: 8, steps: 3 },
  { backbone: 'densenet201', resolution: 600, batchSize: 8, steps: 2 },
];

export function tinyRows(): GpuRowSpec[] {
  return GPU_ROWS.map((row) => ({ ...row, resolution: 32, batchSize: 2, steps: 2 }));
}

export interface GpuRow extends GpuRowSpec {
  backend: 'webgpu';
  adapter?: string;
  /** The first step: every shader compiled (warm-up). */
  warmupMs?: number;
  /** Steady state, after the warm-up. */
  msPerStep?: number;
  imagesPerSecond?: number;
  /** EPOCH_IMAGES / images per second. */
  epochSeconds?: number;
  estimatedBytes: number;
  largestTensorBytes: number;
  memoryBytes?: { afterWarmup: number; afterSteps: number };
  failed?: string;
}

function runWorker(job: Job, timeoutMs: number): { line?: string; failed?: string } {
  // SKEWER_BENCH_WORKER: a bundled worker (scripts/gpu-bundle.sh) where tsx is not installed.
  const worker = process.env.SKEWER_BENCH_WORKER ? [process.env.SKEWER_BENCH_WORKER] : ['--import', 'tsx', WORKER];
  const child = spawnSync(process.execPath, [...worker, JSON.stringify(job)], { encoding: 'utf8', maxBuffer: 16 * 2 ** 20, timeout: timeoutMs });
  const line = child.stdout?.split('\n').find((l) => l.startsWith('RESULT '));
  if (child.status === 0 && line) return { line: line.slice('RESULT '.length) };
  const why = child.error?.message.includes('ETIMEDOUT') ? `timed out after ${timeoutMs / 1000} s` : (child.stderr ?? '').trim().split('\n').filter((l) => !l.startsWith('Warning:')).slice(-3).join(' | ');
  return { failed: why || `worker exited ${child.status}` };
}

/** The kernels that take the time in one webgpu step (tf.profile; GPU-timed where timestamp queries work). */
export function profileGpuStep(spec: Omit<GpuRowSpec, 'steps'>, timeoutMs: number): KernelProfile | { failed: string } {
  process.stderr.write(`  webgpu profile ${spec.backbone} ${spec.resolution}px batch ${spec.batchSize}...\n`);
  const { line, failed } = runWorker({ kind: 'profile', backbone: spec.backbone, resolution: spec.resolution, batchSize: spec.batchSize }, timeoutMs);
  return line ? (JSON.parse(line) as KernelProfile) : { failed: failed! };
}

export function measureGpuRow(spec: GpuRowSpec, timeoutMs: number): GpuRow {
  const row: GpuRow = {
    ...spec,
    backend: 'webgpu',
    estimatedBytes: estimateTrainingMemory(spec.backbone, spec).bytes,
    largestTensorBytes: largestTensorBytes(spec.backbone, spec),
  };
  const job: Job = { kind: 'step', backbone: spec.backbone, resolution: spec.resolution, batchSize: spec.batchSize, variant: 'webgpu', steps: spec.steps, warmup: true };
  process.stderr.write(`  webgpu ${spec.backbone} ${spec.resolution}px batch ${spec.batchSize}: warm-up + ${spec.steps} step(s)...`);
  const started = performance.now();
  const { line, failed } = runWorker(job, timeoutMs);
  process.stderr.write(` ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
  if (!line) return { ...row, failed: failed! };
  const result = JSON.parse(line) as StepResult;
  const imagesPerSecond = spec.batchSize / (result.msPerStep / 1000);
  return {
    ...row,
    ...(result.adapter && { adapter: result.adapter }),
    warmupMs: result.firstStepMs,
    msPerStep: result.msPerStep,
    imagesPerSecond,
    epochSeconds: EPOCH_IMAGES / imagesPerSecond,
    ...(result.memoryBytes && { memoryBytes: result.memoryBytes }),
  };
}

export function formatGpuRows(rows: readonly GpuRow[]): string {
  const fmt = (v: number | undefined, digits = 1) => (v === undefined ? '-' : v.toFixed(digits));
  const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)}`;
  const header = ['backbone', 'px', 'batch', 'warm-up ms', 'ms/step', 'img/s', `epoch s (${EPOCH_IMAGES})`, 'est. GiB', 'mem flat', 'note'];
  const cells = rows.map((r) => [
    r.backbone, String(r.resolution), String(r.batchSize), fmt(r.warmupMs, 0), fmt(r.msPerStep, 0), fmt(r.imagesPerSecond, 2), fmt(r.epochSeconds, 0), gib(r.estimatedBytes),
    r.memoryBytes ? (r.memoryBytes.afterSteps === r.memoryBytes.afterWarmup ? 'yes' : `NO (+${r.memoryBytes.afterSteps - r.memoryBytes.afterWarmup} B)`) : '-',
    r.failed ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((v, i) => (i === 0 || i === c.length - 1 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  ');
  return [line(header), ...cells.map(line)].join('\n');
}
