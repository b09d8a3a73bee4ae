/**
 * Picks the tfjs backend at run time and says why. Order for `auto`: `@tensorflow/tfjs-node-gpu`
 * (CUDA, bring-your-own libtensorflow), `@tensorflow/tfjs-backend-webgpu` on a *hardware* Dawn
 * adapter (never a software one: see webgpu-adapters.ts), `@tensorflow/tfjs-node` (native CPU),
 * `@tensorflow/tfjs-backend-wasm` with our training kernels; the pure-JS `cpu` backend (~300x
 * slower to train) only when asked for. `webgpu` asked for by name may use a software adapter. The native packages
 * are optional dependencies loaded with a dynamic import, so their absence is a reason, not a crash.
 * `SKEWER_BACKEND` overrides `auto` (an explicit preference beats the environment).
 */
import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { ResourceError, UserError } from '../core/index.ts';
import { registerWasmTrainingKernels } from './kernels/index.ts';
import { pickAdapter, type GpuAdapter } from './webgpu-adapters.ts';
import { activateWebgpu, listAdapters, releaseWebgpu, webgpuVersions } from './webgpu.ts';

export const BACKEND_PREFERENCES = ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
export type BackendPreference = (typeof BACKEND_PREFERENCES)[number];
export type BackendName = 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';

export interface BackendInfo {
  /** The tfjs backend name now active. */
  name: BackendName;
  /** The npm package providing it. */
  package: string;
  /** Whether kernels run on a GPU. */
  gpu: boolean;
  /** Threads one training process uses (wasm in Node is single-threaded). */
  threads: number;
  /** Why this one was chosen. */
  reason: string;
  /** Candidates tried before it and why each was not used. */
  rejected: Array<{ name: string; reason: string }>;
  /** Versions of the tfjs packages in play. */
  versions: Record<string, string>;
  /** webgpu: the Dawn adapter it trains on. */
  adapter?: GpuAdapter;
}

interface Activated {
  threads: number;
  versions: Record<string, string>;
  adapter?: GpuAdapter;
}

interface Candidate {
  name: BackendName;
  package: string;
  gpu: boolean;
  /** Loads the package and activates the backend; throws with the reason it cannot. */
  activate: () => Promise<Activated>;
}


async function importOptional(specifier: string): Promise<Record<string, unknown>> {
  try {
    // A variable specifier keeps TypeScript from requiring the (absent) optional package's types.
    return (await import(specifier)) as Record<string, unknown>;
  } catch (error) {
    const code = (error as { code?: string }).code;
    const missingItself = (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String((error as Error).message).includes(`'${specifier}'`);
    if (missingItself) throw new Error(`not installed (optional dependency: \`npm install ${specifier}\` where its prebuilt binaries support the platform)`);
    const first = String((error as Error).message ?? error).split('\n')[0];
    throw new Error(`failed to load: ${first}`);
  }
}

async function activate(name: string): Promise<void> {
  const ok = await tf.setBackend(name);
  if (!ok || tf.getBackend() !== name) throw new Error(`tf.setBackend('${name}') failed to initialise the backend`);
  await tf.ready();
}

function tfjsVersions(): Record<string, string> {
  return Object.fromEntries(Object.entries(tf.version).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

function nativeCandidate(pkg: string, gpu: boolean): Candidate {
  return {
    name: 'tensorflow',
    package: pkg,
    gpu,
    activate: async () => {
      const module = await importOptional(pkg);
      await activate('tensorflow');
      const version = (module.version as Record<string, string> | undefined)?.['tfjs-node'];
      return { threads: availableParallelism(), versions: { ...tfjsVersions(), ...(version ? { [pkg]: version } : {}) } };
    },
  };
}

const wasmCandidate: Candidate = {
  name: 'wasm',
  package: '@tensorflow/tfjs-backend-wasm',
  gpu: false,
  activate: async () => {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    registerWasmTrainingKernels();
    await activate('wasm');
    return { threads: Math.max(1, wasm.getThreadsCount()), versions: { ...tfjsVersions(), 'tfjs-backend-wasm': wasm.version_wasm } };
  },
};

/** Lists Dawn's adapters; replaceable by tests (a stubbed adapter list). */
let adapterSource: () => Promise<GpuAdapter[]> = () => listAdapters();
let webgpuActivation: (adapter: GpuAdapter) => Promise<void> = activateWebgpu;

/** Tests only: stub the adapter list (and the activation) the webgpu candidate sees; returns a restore function. */
export function stubWebgpuForTests(adapters: () => Promise<GpuAdapter[]>, activation: (adapter: GpuAdapter) => Promise<void>): () => void {
  const previous = { adapterSource, webgpuActivation };
  adapterSource = adapters;
  webgpuActivation = activation;
  return () => {
    ({ adapterSource, webgpuActivation } = previous);
  };
}

function webgpuCandidate(allowSoftware: boolean): Candidate {
  return {
    name: 'webgpu',
    package: '@tensorflow/tfjs-backend-webgpu',
    gpu: true,
    activate: async () => {
      const choice = pickAdapter(await adapterSource(), { allowSoftware });
      if (!choice.adapter) throw new Error(choice.reason);
      await webgpuActivation(choice.adapter);
      return { threads: 1, versions: { ...tfjsVersions(), ...webgpuVersions() }, adapter: choice.adapter };
    },
  };
}

const cpuCandidate: Candidate = {
  name: 'cpu',
  package: '@tensorflow/tfjs-backend-cpu',
  gpu: false,
  activate: async () => {
    await activate('cpu');
    return { threads: 1, versions: tfjsVersions() };
  },
};

const nodeGpuCandidate = nativeCandidate('@tensorflow/tfjs-node-gpu', true);
const nodeCpuCandidate = nativeCandidate('@tensorflow/tfjs-node', false);

/** The candidates tried for a preference, in order. */
function candidates(preference: BackendPreference): Candidate[] {
  switch (preference) {
    case 'auto':
      return [nodeGpuCandidate, webgpuCandidate(false), nodeCpuCandidate, wasmCandidate];
    case 'tensorflow':
      return [nodeGpuCandidate, nodeCpuCandidate];
    case 'webgpu':
      return [webgpuCandidate(true)];
    case 'wasm':
      return [wasmCandidate];
    case 'cpu':
      return [cpuCandidate];
  }
}

/** The packages tried for a preference, in order (what `doctor` and the tests show). */
export function candidateOrder(preference: BackendPreference): string[] {
  return candidates(preference).map((c) => c.package);
}

/** Reads SKEWER_BACKEND, or `auto` when unset. */
export function backendPreferenceFromEnv(env: NodeJS.ProcessEnv = process.env): BackendPreference {
  const value = env.SKEWER_BACKEND?.trim();
  if (!value) return 'auto';
  return parseBackendPreference(value, 'SKEWER_BACKEND');
}

export function parseBackendPreference(value: string, where = '--backend'): BackendPreference {
  if ((BACKEND_PREFERENCES as readonly string[]).includes(value)) return value as BackendPreference;
  throw new UserError(`unknown backend '${value}'`, { where, hint: `use one of: ${BACKEND_PREFERENCES.join(', ')}` });
}

const selections = new Map<BackendPreference, Promise<BackendInfo>>();

/**
 * Activates the best available backend for `preference` and describes it. Idempotent: the same
 * preference returns the same BackendInfo (and makes that backend current again). An explicit
 * preference that cannot be met throws a ResourceError naming why.
 */
export function selectBackend(preference: BackendPreference = 'auto'): Promise<BackendInfo> {
  const resolved = preference === 'auto' ? backendPreferenceFromEnv() : parseBackendPreference(preference);
  const cached = selections.get(resolved);
  if (cached) {
    return cached.then(async (info) => {
      if (tf.getBackend() !== info.name) await activate(info.name);
      return info;
    });
  }
  const selection = choose(resolved);
  selections.set(resolved, selection);
  selection.catch(() => selections.delete(resolved));
  return selection;
}

async function choose(preference: BackendPreference): Promise<BackendInfo> {
  const order = candidates(preference);
  const rejected: BackendInfo['rejected'] = [];
  for (const candidate of order) {
    try {
      const { threads, versions, adapter } = await candidate.activate();
      const reason =
        preference === 'auto'
          ? rejected.length === 0
            ? `first choice for auto: ${candidate.package}`
            : `best available for auto after ${rejected.map((r) => r.name).join(', ')}`
          : `requested (${preference})`;
      if (preference === 'auto') rejected.push({ name: 'cpu', reason: 'pure-JS backend, ~300x slower to train; used only when asked for (--backend cpu)' });
      const gpu = candidate.gpu && !(adapter?.software ?? false);
      return { name: candidate.name, package: candidate.package, gpu, threads, reason, rejected, versions, ...(adapter && { adapter }) };
    } catch (error) {
      rejected.push({ name: candidate.package, reason: (error as Error).message });
    }
  }
  throw new ResourceError(`no usable tfjs backend for '${preference}'`, {
    where: preference === 'auto' ? 'backend auto' : `backend ${preference}`,
    hint: rejected.map((r) => `${r.name}: ${r.reason}`).join('; ') + '. Try --backend wasm (always installed) or --backend cpu.',
  });
}

/**
 * Lets the process exit after training: frees the webgpu device and Dawn's references (Dawn keeps
 * a process alive while its GPU object is referenced). Later selections start afresh.
 */
export function releaseBackends(): void {
  selections.clear();
  releaseWebgpu();
}
