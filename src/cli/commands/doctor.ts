import { availableParallelism, cpus, freemem, totalmem } from 'node:os';
import sharp from 'sharp';
import {
  adapterName,
  gpuLimits,
  listAdapters,
  parseBackendPreference,
  pickAdapter,
  releaseBackends,
  selectBackend,
  wasmKernelStatus,
  type BackendInfo,
  type GpuAdapter,
} from '../../models/index.ts';
import type { RegisterCommand } from './register.ts';

export interface DoctorReport {
  backend: BackendInfo;
  /** Our wasm kernels in place (added = missing from wasm, overridden = replaced slow/wrong ones). */
  wasmKernels: { added: string[]; overridden: string[] };
  versions: Record<string, string>;
  machine: { cpuModel: string; cpus: number; totalMemoryBytes: number; freeMemoryBytes: number; platform: string; arch: string };
  /** Trial processes a local agent should run: one per core on single-threaded backends. */
  suggestedTrialProcesses: number;
  /** Every adapter Dawn finds, which one webgpu trains on and why (auto takes hardware ones only). */
  webgpu: { adapters: GpuAdapter[]; auto: string; byName: string; gpuMemory?: { bytes: number; source: string } };
}

async function webgpuSection(): Promise<DoctorReport['webgpu']> {
  let adapters: GpuAdapter[];
  try {
    adapters = await listAdapters();
  } catch (error) {
    const why = `Dawn (the webgpu package) does not load: ${(error as Error).message.split('\n')[0]}`;
    return { adapters: [], auto: why, byName: why };
  }
  const auto = pickAdapter(adapters, { allowSoftware: false });
  const byName = pickAdapter(adapters, { allowSoftware: true });
  const limits = byName.adapter ? gpuLimits(byName.adapter) : undefined;
  return {
    adapters,
    auto: auto.adapter ? `auto trains on ${auto.reason}` : `auto does not use webgpu: ${auto.reason}`,
    byName: byName.adapter ? `--backend webgpu trains on ${byName.reason}` : `--backend webgpu fails: ${byName.reason}`,
    ...(limits && { gpuMemory: { bytes: limits.memoryBytes, source: limits.memorySource } }),
  };
}

export async function diagnose(preference: string): Promise<DoctorReport> {
  const backend = await selectBackend(parseBackendPreference(preference));
  const webgpu = await webgpuSection();
  const cores = availableParallelism();
  return {
    backend,
    wasmKernels: wasmKernelStatus(),
    versions: { node: process.versions.node, ...backend.versions, sharp: sharp.versions.sharp ?? 'unknown', libvips: sharp.versions.vips },
    machine: {
      cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
      cpus: cores,
      totalMemoryBytes: totalmem(),
      freeMemoryBytes: freemem(),
      platform: process.platform,
      arch: process.arch,
    },
    suggestedTrialProcesses: backend.gpu ? 1 : Math.max(1, Math.floor(cores / backend.threads)),
    webgpu,
  };
}

const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;

export function formatDoctor(report: DoctorReport): string {
  const { backend, machine } = report;
  const lines = [
    `backend   ${backend.name} (${backend.package})${backend.gpu ? ' on GPU' : ''}`,
    `          ${backend.reason}`,
    `threads   ${backend.threads} per training process${backend.name === 'wasm' ? ' (wasm multithreading is off in Node)' : ''}`,
    ...(backend.rejected.length ? ['not used', ...backend.rejected.map((r) => `  ${r.name}: ${r.reason}`)] : []),
  ];
  if (backend.name === 'wasm') {
    lines.push(`kernels   added ${report.wasmKernels.added.join(', ')}`, `          replaced ${report.wasmKernels.overridden.join(', ')}`);
  }
  if (backend.adapter) lines.push(`adapter   ${adapterName(backend.adapter)}`);
  const mib = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MiB`;
  lines.push(`webgpu    ${report.webgpu.adapters.length} Dawn adapter${report.webgpu.adapters.length === 1 ? '' : 's'}`);
  for (const a of report.webgpu.adapters) {
    lines.push(
      `  ${a.dawnBackend.padEnd(9)} ${a.description || a.device || 'unnamed'}`,
      `            vendor '${a.vendor}', architecture '${a.architecture}', device '${a.device}', ${a.software ? 'SOFTWARE (runs on the CPU)' : 'hardware'}, feature level ${a.featureLevel}`,
      `            maxBufferSize ${mib(a.maxBufferSize)}, maxStorageBufferBindingSize ${mib(a.maxStorageBufferBindingSize)}`,
    );
  }
  lines.push(`  ${report.webgpu.auto}`, `  ${report.webgpu.byName}`);
  if (report.webgpu.gpuMemory) lines.push(`  GPU memory for the step estimate: ${gib(report.webgpu.gpuMemory.bytes)} (${report.webgpu.gpuMemory.source})`);
  lines.push(
    'versions',
    ...Object.entries(report.versions).map(([name, version]) => `  ${name.padEnd(22)} ${version}`),
    `machine   ${machine.cpus} x ${machine.cpuModel}, ${gib(machine.totalMemoryBytes)} memory (${gib(machine.freeMemoryBytes)} free), ${machine.platform}/${machine.arch}`,
    `agent     run ${report.suggestedTrialProcesses} trial process${report.suggestedTrialProcesses === 1 ? '' : 'es'} at once on this machine`,
    '',
  );
  return lines.join('\n');
}

/** `skewer doctor`: which tfjs backend trials will use here, why, the GPU adapters, and what the machine offers. */
export const register: RegisterCommand = (program) => {
  program
    .command('doctor')
    .description('show the tfjs backend chosen here and why the others were not, threads, versions, CPUs and memory')
    .option('--backend <name>', 'auto, tensorflow, webgpu, wasm or cpu (default: $SKEWER_BACKEND or auto)', 'auto')
    .option('--json', 'print one JSON document')
    .action(async (flags: { backend: string; json?: boolean }) => {
      try {
        const report = await diagnose(flags.backend);
        process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatDoctor(report));
      } finally {
        releaseBackends(); // let the process exit (Dawn holds it while referenced)
      }
    });
};
