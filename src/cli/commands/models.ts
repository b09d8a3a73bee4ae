import { UserError } from '../../core/errors.ts';
import {
  BACKBONES,
  backboneDefaults,
  backboneInfo,
  estimateTrainingMemory,
  largestFittingBatch,
  selectBackend,
  WASM_HEAP_BYTES,
  type BackboneName,
  type MemoryEstimate,
} from '../../models/index.ts';
import type { RegisterCommand } from './register.ts';

const DEFAULT_RESOLUTION = 224;
const DEFAULT_BATCHES = [8, 32];

export interface BackboneRow {
  name: BackboneName;
  supported: boolean;
  minResolution: number;
  defaultResolution: number;
  paramsWithoutTop: number;
  flopsPerImage?: number;
  memory?: Array<{ batchSize: number } & MemoryEstimate & { fitsWasm: boolean }>;
  /** Largest batch whose training step fits the wasm 4 GiB heap (0: none). */
  wasmMaxBatch?: number;
  preprocessing: string;
}

export interface ModelsReport {
  resolution: number;
  batchSizes: number[];
  wasmHeapBytes: number;
  backbones: BackboneRow[];
}

function parsePositiveInt(value: string, where: string, hint: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`expected a positive integer, got "${value}"`, { where, hint });
  return n;
}

/** Parameters, FLOPs and training-memory estimates of every backbone at one resolution. */
export function describeBackbones(resolution: number, batchSizes: readonly number[]): ModelsReport {
  const backbones = BACKBONES.map((name): BackboneRow => {
    // Parameter counts do not depend on resolution: read them at the smallest size that builds.
    const base = backboneInfo(name, backboneDefaults(name).minResolution);
    const row = { name, minResolution: base.minResolution, defaultResolution: base.defaultResolution, paramsWithoutTop: base.paramsWithoutTop, preprocessing: base.preprocessing };
    if (resolution < base.minResolution) return { ...row, supported: false };
    const info = backboneInfo(name, resolution);
    return {
      ...row,
      supported: true,
      flopsPerImage: info.flopsPerImage,
      memory: batchSizes.map((batchSize) => {
        const estimate = estimateTrainingMemory(name, { resolution, batchSize });
        return { batchSize, ...estimate, fitsWasm: estimate.bytes <= WASM_HEAP_BYTES };
      }),
      wasmMaxBatch: largestFittingBatch(name, resolution, WASM_HEAP_BYTES),
    };
  });
  return { resolution, batchSizes: [...batchSizes], wasmHeapBytes: WASM_HEAP_BYTES, backbones };
}

const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)} GiB`;

export function formatBackbones(report: ModelsReport): string {
  const header = ['backbone', 'params (no top)', 'GFLOP/image', ...report.batchSizes.map((b) => `train mem b${b}`), 'wasm max batch', 'ref px'];
  const rows = report.backbones.map((b) => [
    b.name,
    b.paramsWithoutTop.toLocaleString('en-US'),
    b.flopsPerImage === undefined ? `needs >= ${b.minResolution} px` : (b.flopsPerImage / 1e9).toFixed(3),
    ...report.batchSizes.map((_, i) => {
      const m = b.memory?.[i];
      return m === undefined ? '-' : `${gib(m.bytes)}${m.fitsWasm ? '' : ' *'}`;
    }),
    b.wasmMaxBatch === undefined ? '-' : String(b.wasmMaxBatch),
    String(b.defaultResolution),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [
    `backbones at ${report.resolution} px (input RGB in [0, 1]; training memory = one Adam step, estimated)`,
    '',
    line(header),
    ...rows.map(line),
    '',
    '* does not fit the wasm 4 GiB heap: use a smaller batch or a native backend (@tensorflow/tfjs-node or -gpu)',
    '',
  ].join('\n');
}

/** `skewer models`: what each backbone costs, before choosing one for a search space. */
export const register: RegisterCommand = (program) => {
  program
    .command('models')
    .description('list backbones: parameters, FLOPs per image, training memory per batch at a resolution')
    .option('--resolution <px>', 'input size in pixels', String(DEFAULT_RESOLUTION))
    .option('--batch <sizes>', 'comma-separated batch sizes for the memory estimate', DEFAULT_BATCHES.join(','))
    .option('--json', 'print one JSON document instead of the table')
    .action(async (flags: { resolution: string; batch: string; json?: boolean }) => {
      const resolution = parsePositiveInt(flags.resolution, '--resolution', 'e.g. --resolution 64');
      const batchSizes = flags.batch.split(',').map((b) => parsePositiveInt(b.trim(), '--batch', 'e.g. --batch 8,32'));
      // Counting parameters builds each backbone; on wasm (what trials here use) rather than the
      // pure-JS default, which is slower and prints tfjs' "install the node backend" banner.
      await selectBackend('wasm');
      const report = describeBackbones(resolution, batchSizes);
      process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatBackbones(report));
    });
};
