import { availableParallelism, cpus, freemem, totalmem } from 'node:os';
import sharp from 'sharp';
import { parseBackendPreference, selectBackend, wasmKernelStatus, type BackendInfo } from '../../models/index.ts';
import type { RegisterCommand } from './register.ts';

export interface DoctorReport {
  backend: BackendInfo;
  /** Our wasm kernels in place (added = missing from wasm, overridden = replaced slow/wrong ones). */
  wasmKernels: { added: string[]; overridden: string[] };
  versions: Record<string, string>;
  machine: { cpuModel: string; cpus: number; totalMemoryBytes: number; freeMemoryBytes: number; platform: string; arch: string };
  /** Trial processes a local agent should run: one per core on single-threaded backends. */
  suggestedTrialProcesses: number;
}

export async function diagnose(preference: string): Promise<DoctorReport> {
  const backend = await selectBackend(parseBackendPreference(preference));
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
  lines.push(
    'versions',
    ...Object.entries(report.versions).map(([name, version]) => `  ${name.padEnd(22)} ${version}`),
    `machine   ${machine.cpus} x ${machine.cpuModel}, ${gib(machine.totalMemoryBytes)} memory (${gib(machine.freeMemoryBytes)} free), ${machine.platform}/${machine.arch}`,
    `agent     run ${report.suggestedTrialProcesses} trial process${report.suggestedTrialProcesses === 1 ? '' : 'es'} at once on this machine`,
    '',
  );
  return lines.join('\n');
}

/** `skewer doctor`: which tfjs backend trials will use here, why, and what the machine offers. */
export const register: RegisterCommand = (program) => {
  program
    .command('doctor')
    .description('show the tfjs backend chosen here and why the others were not, threads, versions, CPUs and memory')
    .option('--backend <name>', 'auto, tensorflow, wasm or cpu (default: $SKEWER_BACKEND or auto)', 'auto')
    .option('--json', 'print one JSON document')
    .action(async (flags: { backend: string; json?: boolean }) => {
      const report = await diagnose(flags.backend);
      process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatDoctor(report));
    });
};
