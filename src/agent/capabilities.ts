/**
 * What this machine offers: the tfjs backend trials will get (`auto`: tfjs-node-gpu proven to load,
 * else webgpu on a hardware adapter, else tfjs-node, else wasm), GPUs and their adapter, memory, and
 * hence which resource classes of trials it consumes. Detection only resolves packages; loading
 * (tfjs, Dawn) happens in child processes, never in the agent (trials run in children too).
 */
import { execFileSync } from 'node:child_process';
import { hostname, totalmem } from 'node:os';
import { UserError } from '../core/errors.ts';
import { NAME_PATTERN, type ResourceClass } from '../transport/subjects.ts';
import { gpuMemory } from '../models/gpu-memory.ts';
import { adapterName, pickAdapter, type GpuAdapter } from '../models/webgpu-adapters.ts';
import { probeAdapters, probeBackend, type AdapterProbe, type BackendProbe } from './backend-probe.ts';

export const AGENT_BACKENDS = ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
export type AgentBackend = (typeof AGENT_BACKENDS)[number];

/** Checks a --backend flag value. */
export function resolveAgentBackend(text: string): AgentBackend {
  if ((AGENT_BACKENDS as readonly string[]).includes(text)) return text as AgentBackend;
  throw new UserError(`unknown backend '${text}'`, { where: '--backend', hint: `Use one of: ${AGENT_BACKENDS.join(', ')}.` });
}

/** The GPU adapter a webgpu agent trains on, as advertised. */
export interface AdvertisedGpu {
  readonly name: string;
  readonly memoryBytes: number;
  readonly software: boolean;
}

export interface Capabilities {
  readonly backend: 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';
  readonly gpus: number;
  readonly memoryBytes: number;
  readonly classes: ResourceClass[];
  readonly gpu?: AdvertisedGpu;
}

function resolves(specifier: string): boolean {
  try {
    import.meta.resolve(specifier);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') return false;
    throw error;
  }
}

function countGpus(): number {
  try {
    return execFileSync('nvidia-smi', ['-L'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5_000 })
      .split('\n')
      .filter((line) => line.startsWith('GPU ')).length;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || (error as { status?: number }).status !== undefined) return 0;
    throw error;
  }
}

/** The classes an agent with this backend and GPU count consumes: its own and those below it. */
export function classesFor(backend: string, gpus: number): ResourceClass[] {
  if ((backend === 'tensorflow' || backend === 'webgpu') && gpus > 0) return ['cpu', 'native', 'gpu'];
  if (backend === 'tensorflow') return ['cpu', 'native'];
  return ['cpu'];
}

export function detectCapabilities(wanted: AgentBackend = 'auto'): Capabilities {
  const gpuPackage = resolves('@tensorflow/tfjs-node-gpu');
  const nativePackage = gpuPackage || resolves('@tensorflow/tfjs-node');
  if (wanted === 'tensorflow' && !nativePackage) {
    throw new UserError('--backend tensorflow needs @tensorflow/tfjs-node or @tensorflow/tfjs-node-gpu', {
      where: '--backend',
      hint: 'Install one (npm install @tensorflow/tfjs-node-gpu on a CUDA machine), or use --backend wasm.',
    });
  }
  if (wanted === 'webgpu') throw new Error('detectCapabilities: webgpu needs the adapter list (checkedCapabilities)');
  const backend = wanted === 'auto' ? (nativePackage ? 'tensorflow' : 'wasm') : wanted;
  const gpus = backend === 'tensorflow' && gpuPackage ? countGpus() : 0;
  return { backend, gpus, memoryBytes: totalmem(), classes: classesFor(backend, gpus) };
}

export interface CheckOptions {
  readonly detect?: (wanted: AgentBackend) => Capabilities;
  readonly probe?: BackendProbe;
  /** Dawn's adapters (default: listed in a child process). */
  readonly adapters?: AdapterProbe;
  /** GPUs nvidia-smi counts (default: asks it). */
  readonly countGpus?: () => number;
  readonly log?: (line: string) => void;
}

/** A webgpu agent on `adapter`: a hardware one takes gpu trials, one slot per GPU; a software one cpu trials. */
export function webgpuCapabilities(adapter: GpuAdapter, gpusCounted: number, env: NodeJS.ProcessEnv = process.env): Capabilities {
  const gpus = adapter.software ? 0 : Math.max(1, gpusCounted);
  const memory = gpuMemory({ software: adapter.software, env });
  return {
    backend: 'webgpu',
    gpus,
    memoryBytes: totalmem(),
    classes: classesFor('webgpu', gpus),
    gpu: { name: adapterName(adapter), memoryBytes: memory.bytes, software: adapter.software },
  };
}

/**
 * The capabilities an agent may advertise: detected, and for a native backend also proven to
 * load (in a child process, once, at start). A native package that is installed but broken is a
 * clear error when asked for by name, and under `auto` the agent falls back to wasm and says why,
 * rather than taking native trials it would fail.
 */
export async function checkedCapabilities(wanted: AgentBackend, options: CheckOptions = {}): Promise<Capabilities> {
  const detect = options.detect ?? detectCapabilities;
  const listAdapters = options.adapters ?? probeAdapters;
  const gpusCounted = options.countGpus ?? countGpus;
  if (wanted === 'webgpu') {
    const choice = pickAdapter(await listAdapters(), { allowSoftware: true });
    if (!choice.adapter) throw new UserError(`--backend webgpu: ${choice.reason}`, { where: '--backend', hint: 'See `npx skewer doctor --backend webgpu`; install a GPU driver (Vulkan) or use --backend wasm.' });
    return webgpuCapabilities(choice.adapter, gpusCounted());
  }
  const detected = detect(wanted);
  if (wanted === 'auto') {
    // tfjs-node-gpu first, but only once a child process proved it loads.
    if (detected.backend === 'tensorflow' && detected.gpus > 0 && (await (options.probe ?? probeBackend)('tensorflow')).ok) return detected;
    const choice = pickAdapter(await listAdapters(), { allowSoftware: false });
    if (choice.adapter) return webgpuCapabilities(choice.adapter, gpusCounted());
    options.log?.(`webgpu not used: ${choice.reason}`);
  }
  if (detected.backend !== 'tensorflow') return detected;
  const probe = await (options.probe ?? probeBackend)('tensorflow');
  if (probe.ok) return detected;
  if (wanted === 'tensorflow') {
    throw new UserError(`--backend tensorflow: the native tfjs package is installed but does not load (${probe.reason})`, {
      where: '--backend',
      hint: 'See `npx skewer doctor --backend tensorflow`; reinstall @tensorflow/tfjs-node(-gpu) for this platform, or use --backend wasm.',
    });
  }
  options.log?.(`the native tfjs package is installed but does not load (${probe.reason}); this agent runs trials on wasm`);
  return detect('wasm');
}

/** `host-pid` with anything NATS cannot carry in a subject token replaced. */
export function defaultAgentName(): string {
  return `${hostname().replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 48)}-${process.pid}`;
}

export function checkAgentNameOption(name: string): string {
  if (!NAME_PATTERN.test(name)) {
    throw new UserError(`invalid agent name '${name}'`, { where: '--name', hint: 'Use 1-64 letters, digits, _ or -.' });
  }
  return name;
}
