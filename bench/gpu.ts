/**
 * `npm run bench:gpu`: the prepared check for a machine with a real GPU, one script of at most
 * ~8 minutes that writes one JSON file:
 *   1. every Dawn adapter (Vulkan first), and the one webgpu trains on;
 *   2. the webgpu gradient checks against cpu: kernel level (conv, depthwise, pooling backprops)
 *      and one whole training step of every backbone at 32 px (relative error < 1e-4);
 *   3. the webgpu bench rows (bench/gpu-rows.ts): small-cnn 64 px, mobilenetv2 224, densenet121
 *      224 batch 16, efficientnetb3 300, densenet201 600 batch 8; warm-up apart from steady state;
 *   4. tf.profile of one DenseNet-121 step: the kernels that take the time;
 *   5. the targets checked: DenseNet-121 224 px >= 100 images/s, DenseNet-201 600 px batch 8
 *      epoch of 1,800 images <= 300 s.
 * Exit 0 when the gradient checks pass (a failed bench row is recorded, not fatal), 1 otherwise.
 *
 *   npm run bench:gpu -- [--tiny] [--out bench/results/gpu.json]
 * `--tiny` (or SKEWER_BENCH_TINY=1) shrinks the rows to 32 px batch 2 and allows a software adapter:
 * how it is proven to work on the CI machine's software GPU (Mesa llvmpipe), in about 3 minutes.
 * Without it, a software adapter is refused (its figures would say nothing about a GPU).
 * On a machine without Node.js (the lent H200), run the bundle: see scripts/gpu-bundle.sh.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BACKBONES, buildModel } from '../src/models/backbones/index.ts';
import { adapterName, compareGradients, compareKernelGradients, DAWN_BACKENDS, listAdapters, pickAdapter, releaseBackends, selectBackend } from '../src/models/index.ts';
import { formatGpuRows, GPU_ROWS, measureGpuRow, profileGpuStep, tinyRows, type GpuRow } from './gpu-rows.ts';

const TOLERANCE = 1e-4;
const argv = process.argv.slice(2);
const tiny = argv.includes('--tiny') || process.env.SKEWER_BENCH_TINY === '1';
const outIndex = argv.indexOf('--out');
const out = outIndex >= 0 ? argv[outIndex + 1]! : 'bench/results/gpu.json';
const started = performance.now();
const say = (line: string) => process.stderr.write(`${line}\n`);

const report: Record<string, unknown> = { date: new Date().toISOString(), tiny, machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memoryBytes: os.totalmem() }, node: process.version };
function write(): void {
  report.seconds = (performance.now() - started) / 1000;
  mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  say(`wrote ${out} after ${(report.seconds as number).toFixed(0)} s`);
}

// 1. Adapters.
const adapters = await listAdapters([...DAWN_BACKENDS]);
report.adapters = adapters;
say(`Dawn adapters: ${adapters.length ? '' : 'none'}`);
for (const a of adapters) say(`  ${adapterName(a)}: vendor '${a.vendor}', architecture '${a.architecture}', maxStorageBufferBindingSize ${a.maxStorageBufferBindingSize}, maxBufferSize ${a.maxBufferSize}`);
const choice = pickAdapter(adapters, { allowSoftware: tiny });
report.chosen = choice;
if (!choice.adapter) {
  report.error = `no adapter to measure: ${choice.reason}`;
  say(report.error as string);
  write();
  process.exit(1);
}
say(`webgpu trains on ${choice.reason}`);

// 2. Gradient checks (in this process; SKEWER_BACKEND-independent: webgpu asked for by name).
if (!tiny) process.env.SKEWER_DAWN_BACKENDS ??= choice.adapter.dawnBackend;
await selectBackend('webgpu');
const kernels = await compareKernelGradients('webgpu');
for (const k of kernels) say(`  kernel ${k.name}: input ${k.input.toExponential(2)}, filter ${k.filter.toExponential(2)}`);
const backbones: Array<{ backbone: string; maxRelativeError: number; worstWeight: string; lossDifference: number; seconds: number }> = [];
for (const name of BACKBONES) {
  const t0 = performance.now();
  const c = await compareGradients(() => buildModel(name, { resolution: 32, numClasses: 2, seed: 1 }), [32, 32, 3], { batchSize: 1, seed: name, backend: 'webgpu' });
  backbones.push({ backbone: name, maxRelativeError: c.maxRelativeError, worstWeight: c.worstWeight, lossDifference: Math.abs(c.loss.tested - c.loss.cpu), seconds: (performance.now() - t0) / 1000 });
  say(`  ${name} 32 px: max relative error ${c.maxRelativeError.toExponential(2)} at ${c.worstWeight}`);
}
releaseBackends();
const gradientsPass = kernels.every((k) => k.input < TOLERANCE && k.filter < TOLERANCE) && backbones.every((b) => b.maxRelativeError < TOLERANCE);
report.gradients = { tolerance: TOLERANCE, pass: gradientsPass, kernels, backbones };
write(); // keep what we have should a row hang the GPU

// 3. Bench rows, each in its own process under a time limit: at worst ~1 + 4 + 2 + 1 minutes in all.
const rows: GpuRow[] = [];
for (const spec of tiny ? tinyRows() : GPU_ROWS) {
  rows.push(measureGpuRow(spec, spec.backbone === 'densenet201' && !tiny ? 120_000 : 60_000));
  report.rows = rows;
  write();
}
process.stdout.write(`\nwebgpu on ${adapterName(choice.adapter)}${tiny ? ' (tiny rows: 32 px, batch 2)' : ''}\n${formatGpuRows(rows)}\n`);

// 4. Where the time goes: one profiled DenseNet-121 step.
const profile = profileGpuStep(tiny ? { backbone: 'densenet121', resolution: 32, batchSize: 2 } : { backbone: 'densenet121', resolution: 224, batchSize: 16 }, 60_000);
report.profile = profile;
if ('kernels' in profile) {
  process.stdout.write(`\nkernels of one densenet121 step (${profile.timed ? 'GPU time' : 'no GPU timer: by calls'})\n`);
  for (const k of profile.kernels.slice(0, 10)) process.stdout.write(`  ${k.name.padEnd(28)} ${String(k.calls).padStart(5)} calls  ${k.totalMs.toFixed(1).padStart(9)} ms\n`);
}
write();

// 5. Targets (meaningful on the full rows only).
const find = (backbone: string) => rows.find((r) => r.backbone === backbone);
const d121 = find('densenet121');
const d201 = find('densenet201');
report.targets = tiny
  ? { note: 'tiny run: targets apply to the full rows on a real GPU' }
  : {
      densenet121_224_imagesPerSecond: { measured: d121?.imagesPerSecond ?? null, target: 100, met: (d121?.imagesPerSecond ?? 0) >= 100 },
      densenet201_600_epochSeconds: { measured: d201?.epochSeconds ?? null, target: 300, met: d201?.epochSeconds !== undefined && d201.epochSeconds <= 300 },
    };
write();
process.exit(gradientsPass ? 0 : 1);
