/**
 * tfjs' webgpu backend (`@tensorflow/tfjs-backend-webgpu`) on Dawn (`webgpu` npm package). Loaded
 * only where training runs (the trial child process, `skewer train`, `doctor`, benches): dawn.node
 * is a native library and keeps its process alive while its GPU object is referenced, so
 * `releaseWebgpu()` drops every reference once training is done.
 *
 * We register the tfjs backend ourselves instead of letting the package do it on import: the
 * package asks `navigator.gpu` for an adapter without a feature level, which Dawn's OpenGL ES
 * backend (Mesa llvmpipe, the software GPU the tests use) never answers, and it cannot be told
 * which of several adapters to use. Dawn's globals (GPUBufferUsage, …) and `navigator.gpu` are set
 * before the backend object is made, since its constructor checks for them.
 */
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { DAWN_BACKENDS, isSoftwareAdapter, type DawnBackend, type FeatureLevel, type GpuAdapter } from './webgpu-adapters.ts';

type Dawn = { create: (options: string[]) => GPU; globals: object };

let dawnModule: Promise<Dawn> | null = null;
function loadDawn(): Promise<Dawn> {
  // Headless: Mesa's EGL must not look for an X or Wayland display (it is read when Dawn opens EGL).
  process.env.EGL_PLATFORM ??= 'surfaceless';
  dawnModule ??= import('webgpu').then((module) => {
    Object.assign(globalThis, module.globals);
    return module as unknown as Dawn;
  });
  return dawnModule;
}

/** Dawn's own options for one backend (`SKEWER_DAWN_FLAGS`, comma separated, adds toggles). */
function dawnOptions(backend: DawnBackend): string[] {
  const extra = process.env.SKEWER_DAWN_FLAGS?.split(',').map((s) => s.trim()).filter(Boolean) ?? [];
  return [`backend=${backend}`, ...extra];
}

/** Backends to ask, from `SKEWER_DAWN_BACKENDS` (e.g. `vulkan`) or all of DAWN_BACKENDS. */
export function dawnBackendsFromEnv(env: NodeJS.ProcessEnv = process.env): DawnBackend[] {
  const text = env.SKEWER_DAWN_BACKENDS?.trim();
  if (!text) return [...DAWN_BACKENDS];
  const names = text.split(',').map((s) => s.trim());
  const bad = names.filter((n) => !(DAWN_BACKENDS as readonly string[]).includes(n));
  if (bad.length) throw new Error(`SKEWER_DAWN_BACKENDS: unknown Dawn backend ${bad.join(', ')}; use ${DAWN_BACKENDS.join(', ')}`);
  return names as DawnBackend[];
}

async function requestAdapter(gpu: GPU, featureLevel: FeatureLevel): Promise<GPUAdapter | null> {
  // featureLevel is newer than @webgpu/types' request options.
  return gpu.requestAdapter({ powerPreference: 'high-performance', featureLevel } as GPURequestAdapterOptions);
}

function describe(adapter: GPUAdapter, dawnBackend: DawnBackend, featureLevel: FeatureLevel): GpuAdapter {
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  const fields = { vendor: info.vendor ?? '', architecture: info.architecture ?? '', device: info.device ?? '', description: info.description ?? '' };
  return {
    dawnBackend,
    featureLevel,
    ...fields,
    software: isSoftwareAdapter({ ...fields, isFallbackAdapter: info.isFallbackAdapter }),
    maxBufferSize: adapter.limits.maxBufferSize,
    maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
  };
}

/** Every adapter Dawn offers on the backends asked (one per backend and device). */
export async function listAdapters(backends: readonly DawnBackend[] = dawnBackendsFromEnv()): Promise<GpuAdapter[]> {
  const dawn = await loadDawn();
  const found: GpuAdapter[] = [];
  for (const backend of backends) {
    let gpu: GPU | null = dawn.create(dawnOptions(backend));
    for (const level of ['core', 'compatibility'] as const) {
      const adapter = await requestAdapter(gpu, level);
      if (adapter) {
        found.push(describe(adapter, backend, level));
        break;
      }
    }
    gpu = null; // drop the reference so Dawn lets the process exit
  }
  return found;
}

interface Active {
  gpu: GPU;
  device: GPUDevice;
  adapter: GpuAdapter;
}
let active: Active | null = null;

/** Makes `adapter` tfjs' `webgpu` backend and activates it. */
export async function activateWebgpu(adapter: GpuAdapter): Promise<void> {
  if (active) throw new Error(`the webgpu backend is already active on ${active.adapter.description}; release it first`);
  const dawn = await loadDawn();
  // Imported while navigator.gpu is unset, so the package does not register its own 'webgpu'.
  const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
  const gpu = dawn.create(dawnOptions(adapter.dawnBackend));
  const gpuAdapter = await requestAdapter(gpu, adapter.featureLevel);
  if (!gpuAdapter) throw new Error(`Dawn no longer offers the ${adapter.dawnBackend} adapter ${adapter.description}`);
  const limits = gpuAdapter.limits;
  const device = await gpuAdapter.requestDevice({
    requiredFeatures: gpuAdapter.features.has('timestamp-query') ? ['timestamp-query'] : [],
    // The limits tfjs asks for when it makes its own device: the adapter's maxima.
    requiredLimits: {
      maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
      maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
      maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
      maxBufferSize: limits.maxBufferSize,
      maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
      maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
    },
  });
  const g = globalThis as { navigator?: { gpu?: GPU } };
  if (g.navigator) g.navigator.gpu = gpu;
  else g.navigator = { gpu };
  active = { gpu, device, adapter };
  if (tf.findBackend('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', () => new WebGPUBackend(device, gpuAdapter.info), 0);
  const ok = await tf.setBackend('webgpu');
  if (!ok) {
    releaseWebgpu();
    throw new Error(`tf.setBackend('webgpu') failed on ${adapter.description}`);
  }
  await tf.ready();
}

/** Versions of the two packages of this backend. */
export function webgpuVersions(): Record<string, string> {
  const require = createRequire(import.meta.url);
  const version = (name: string) => {
    try {
      return (require(`${name}/package.json`) as { version: string }).version;
    } catch {
      return 'unknown (bundled)'; // a bundle (scripts/gpu-bundle.sh) carries no package.json
    }
  };
  return { 'tfjs-backend-webgpu': version('@tensorflow/tfjs-backend-webgpu'), webgpu: version('webgpu') };
}

/** The adapter the webgpu backend now runs on, if any. */
export function activeAdapter(): GpuAdapter | null {
  return active?.adapter ?? null;
}

/**
 * Frees the GPU and every reference to Dawn so the process can exit: disposes tfjs' backend,
 * destroys the device, removes `navigator.gpu`. Safe to call when nothing is active.
 */
export function releaseWebgpu(): void {
  if (!active) return;
  if (tf.findBackend('webgpu')) {
    if (tf.getBackend() === 'webgpu') tf.engine().reset();
    tf.removeBackend('webgpu');
  }
  active.device.destroy();
  const g = globalThis as { navigator?: { gpu?: GPU } };
  if (g.navigator?.gpu === active.gpu) delete g.navigator.gpu;
  active = null;
}
