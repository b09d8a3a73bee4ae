/**
 * `npm run bench:train`: how fast one training step runs, per backbone, resolution and backend.
 * For each (backbone, resolution) on wasm: ms per Adam step (batch 8 by default), images/s and the
 * achieved GFLOP/s (3 x forward FLOPs per image: forward + input and weight gradients) against the
 * machine's measured wasm matrix-multiply GFLOP/s. Extra rows for small-cnn at 64 px: the pure-JS
 * `cpu` backend (the wasm-over-cpu speed-up) and wasm with the stock kernels (what our overrides
 * bring); plus a table of our wasm kernels against the stock ones on the same inputs.
 * Where batch 8 would exceed the wasm 4 GiB heap (estimated), the largest batch that fits runs
 * instead (noted); combinations where not even one image fits are skipped with the reason.
 * Each measurement runs in its own child process (a fresh wasm heap). Big backbones at 224 px are
 * slow on a small machine, so they time 1-3 steps after one warm-up step (see `defaultSteps`).
 *
 *   npm run bench:train -- [--backbones small-cnn,mobilenetv2] [--resolutions 64,128] [--batch 8]
 *                          [--steps N] [--no-kernels] [--webgpu | --webgpu-tiny] [--out bench/results/train.json]
 * `--webgpu` adds the webgpu rows of bench/gpu-rows.ts (a GPU adapter is needed; `--webgpu-tiny`
 * shrinks them for a software GPU).
 * Prints tables and writes the JSON (default bench/results/train.json).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BACKBONES, backboneDefaults, estimateTrainingMemory, isBackboneName, largestFittingBatch, WASM_HEAP_BYTES, type BackboneName } from '../src/models/index.ts';
import { formatGpuRows, GPU_ROWS, measureGpuRow, tinyRows, type GpuRow } from './gpu-rows.ts';
import type { Job, StepResult, Variant } from './train-worker.ts';

const WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'train-worker.ts');
const MATMUL_SIZE = 1024;

interface Options {
  backbones: BackboneName[];
  resolutions: number[];
  batchSize: number;
  steps?: number;
  kernels: boolean;
  webgpu: 'off' | 'full' | 'tiny';
  out: string;
}

function parseArgs(argv: string[]): Options {
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const list = (flag: string) => value(flag)?.split(',').map((s) => s.trim()).filter(Boolean);
  const backbones = list('--backbones') ?? [...BACKBONES];
  for (const name of backbones) if (!isBackboneName(name)) throw new Error(`--backbones: unknown backbone '${name}' (use ${BACKBONES.join(', ')})`);
  const resolutions = (list('--resolutions') ?? ['64', '128', '224']).map(Number);
  if (resolutions.some((r) => !Number.isInteger(r) || r < 8)) throw new Error('--resolutions: integers >= 8, e.g. 64,128');
  const batchSize = Number(value('--batch') ?? 8);
  const steps = value('--steps') === undefined ? undefined : Number(value('--steps'));
  const out = value('--out') ?? 'bench/results/train.json';
  const webgpu = argv.includes('--webgpu-tiny') ? 'tiny' : argv.includes('--webgpu') ? 'full' : 'off';
  return { backbones: backbones as BackboneName[], resolutions, batchSize, steps, kernels: !argv.includes('--no-kernels'), webgpu, out };
}

/** Timed steps after the warm-up: fewer where one step takes many seconds on wasm. */
function defaultSteps(backbone: BackboneName, resolution: number, variant: Variant): number {
  if (variant === 'cpu') return 1;
  if (backbone === 'small-cnn') return resolution <= 64 ? 10 : 5;
  if (resolution <= 64) return 3;
  return resolution <= 128 ? 2 : 1;
}

function runWorker<T>(job: Job): T {
  const child = spawnSync(process.execPath, ['--import', 'tsx', WORKER, JSON.stringify(job)], { encoding: 'utf8', maxBuffer: 16 * 2 ** 20 });
  const line = child.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (child.status !== 0 || !line) throw new Error(`worker failed for ${JSON.stringify(job)}: ${child.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return JSON.parse(line.slice('RESULT '.length)) as T;
}

interface Row {
  backbone: BackboneName;
  resolution: number;
  backend: Variant;
  batchSize: number;
  estimatedBytes?: number;
  skipped?: string;
  note?: string;
  steps?: number;
  msPerStep?: number;
  firstStepMs?: number;
  imagesPerSecond?: number;
  achievedGflops?: number;
  fractionOfMatmul?: number;
}

const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;

/**
 * One row. A batch whose estimated memory exceeds the wasm heap is reduced to the largest that fits
 * (noted in the row); when not even one image fits, the row is skipped with the reason.
 */
function measure(backbone: BackboneName, resolution: number, variant: Variant, options: Options): Row {
  const row: Row = { backbone, resolution, backend: variant, batchSize: options.batchSize };
  if (resolution < backboneDefaults(backbone).minResolution) return { ...row, skipped: `needs >= ${backboneDefaults(backbone).minResolution} px` };
  const requested = estimateTrainingMemory(backbone, { resolution, batchSize: options.batchSize }).bytes;
  if (variant !== 'cpu' && requested > WASM_HEAP_BYTES) {
    const fits = largestFittingBatch(backbone, resolution, WASM_HEAP_BYTES);
    const why = `batch ${options.batchSize} needs ~${gib(requested)} > wasm 4 GiB heap`;
    if (fits < 1) return { ...row, estimatedBytes: requested, skipped: `${why}, even batch 1 does not fit: needs a native backend` };
    row.batchSize = fits;
    row.note = `${why}: ran batch ${fits}`;
  }
  row.estimatedBytes = estimateTrainingMemory(backbone, { resolution, batchSize: row.batchSize }).bytes;
  const steps = options.steps ?? defaultSteps(backbone, resolution, variant);
  const warmup = variant !== 'cpu';
  process.stderr.write(`  ${backbone} ${resolution}px ${variant} batch ${row.batchSize}: ${warmup ? 'warm-up + ' : ''}${steps} step(s)...`);
  const started = performance.now();
  try {
    const result = runWorker<StepResult>({ kind: 'step', backbone, resolution, batchSize: row.batchSize, variant, steps, warmup });
    process.stderr.write(` ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
    const gflops = (3 * result.flopsPerImage * row.batchSize) / (result.msPerStep / 1000) / 1e9;
    return {
      ...row,
      steps,
      msPerStep: result.msPerStep,
      firstStepMs: result.firstStepMs,
      imagesPerSecond: row.batchSize / (result.msPerStep / 1000),
      achievedGflops: gflops,
    };
  } catch (error) {
    process.stderr.write(' failed\n');
    return { ...row, skipped: (error as Error).message };
  }
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

function main(): void {
  const options = parseArgs(process.argv.slice(2));
  const started = Date.now();
  // The machine's matmul rate, measured before and after the steps (best of both): a load spike
  // from other processes during one measurement must not become the reference.
  process.stderr.write(`measuring wasm matmul ${MATMUL_SIZE}^3...\n`);
  const matmulBefore = runWorker<{ gflops: number; ms: number }>({ kind: 'matmul', size: MATMUL_SIZE });
  const rows: Row[] = [];
  for (const backbone of options.backbones) {
    for (const resolution of options.resolutions) {
      rows.push(measure(backbone, resolution, 'wasm', options));
      if (resolution === 64 && backbone === 'small-cnn') {
        rows.push(measure(backbone, resolution, 'wasm-stock', options));
        rows.push(measure(backbone, resolution, 'cpu', options));
      }
    }
  }
  const gpuRows: GpuRow[] = options.webgpu === 'off' ? [] : (options.webgpu === 'tiny' ? tinyRows() : [...GPU_ROWS]).map((spec) => measureGpuRow(spec, 300_000));
  const kernels = options.kernels ? runWorker<Array<{ name: string; stockMs: number; oursMs: number }>>({ kind: 'kernels' }) : [];
  const matmulAfter = runWorker<{ gflops: number; ms: number }>({ kind: 'matmul', size: MATMUL_SIZE });
  const matmul = matmulAfter.gflops > matmulBefore.gflops ? matmulAfter : matmulBefore;
  for (const row of rows) if (row.achievedGflops !== undefined) row.fractionOfMatmul = row.achievedGflops / matmul.gflops;

  const fmt = (v: number | undefined, digits = 1) => (v === undefined ? '-' : v.toFixed(digits));
  process.stdout.write(`\nwasm matmul ${MATMUL_SIZE}^3: ${matmul.gflops.toFixed(1)} GFLOP/s (single thread); GFLOP/s of a step = 3 x forward FLOPs / time\n\n`);
  process.stdout.write(
    table(
      ['backbone', 'px', 'backend', 'batch', 'steps', 'ms/step', 'first ms', 'img/s', 'GFLOP/s', '% of matmul', 'note'],
      rows.map((r) => [
        r.backbone, String(r.resolution), r.backend, r.skipped ? '-' : String(r.batchSize), r.steps === undefined ? '-' : String(r.steps), fmt(r.msPerStep, 0), fmt(r.firstStepMs, 0),
        fmt(r.imagesPerSecond, 2), fmt(r.achievedGflops, 2), r.fractionOfMatmul === undefined ? '-' : `${(100 * r.fractionOfMatmul).toFixed(0)}%`, r.skipped ?? r.note ?? '',
      ]),
    ) + '\n',
  );
  if (gpuRows.length) process.stdout.write(`\nwebgpu on ${gpuRows.find((r) => r.adapter)?.adapter ?? 'no adapter'} (warm-up = first step, shaders compiled)\n${formatGpuRows(gpuRows)}\n`);
  const wasm = rows.find((r) => r.backbone === 'small-cnn' && r.resolution === 64 && r.backend === 'wasm')?.msPerStep;
  const speedups: Record<string, number> = {};
  for (const variant of ['cpu', 'wasm-stock'] as const) {
    const other = rows.find((r) => r.backbone === 'small-cnn' && r.resolution === 64 && r.backend === variant)?.msPerStep;
    if (wasm && other) speedups[`small-cnn@64 wasm over ${variant}`] = other / wasm;
  }
  for (const [name, ratio] of Object.entries(speedups)) process.stdout.write(`${name}: ${ratio.toFixed(1)}x faster per step\n`);
  if (kernels.length) {
    process.stdout.write(`\nour wasm kernels vs stock (best of 5, alternating)\n`);
    process.stdout.write(table(['kernel', 'stock ms', 'ours ms', 'speed-up'], kernels.map((k) => [k.name, fmt(k.stockMs, 2), fmt(k.oursMs, 2), `${(k.stockMs / k.oursMs).toFixed(1)}x`])) + '\n');
  }
  const result = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, loadAverage: os.loadavg() },
    node: process.version,
    batchSize: options.batchSize,
    flopsModel: 'training step = 3 x forward FLOPs (2 x multiply-adds of conv, depthwise and dense layers)',
    matmul: { size: MATMUL_SIZE, ...matmul, before: matmulBefore.gflops, after: matmulAfter.gflops },
    rows,
    webgpuRows: gpuRows,
    speedups,
    kernels,
    seconds: (Date.now() - started) / 1000,
  };
  mkdirSync(path.dirname(options.out), { recursive: true });
  writeFileSync(options.out, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(
    `\nwrote ${options.out} in ${result.seconds.toFixed(0)} s (load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}: ` +
      `other processes skew absolute figures; ratios within this run are comparable)\n`,
  );
}

main();
