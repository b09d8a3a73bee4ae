/**
 * The GPU adapters Dawn (the `webgpu` npm package, prebuilt `dawn.node` inside) finds here, and the
 * rule that picks the one that trains. Dawn exposes one adapter per (backend, device); its OpenGL ES
 * backend only answers requests for the `compatibility` feature level, which tfjs never asks for,
 * so every backend is asked for `core` first and then `compatibility`.
 *
 * A software adapter (Mesa llvmpipe / lavapipe, SwiftShader) runs shaders on the CPU, far slower
 * than wasm for training: `auto` never picks one, `--backend webgpu` may (that is how the tests run).
 */
export const DAWN_BACKENDS = ['vulkan', 'opengles'] as const;
export type DawnBackend = (typeof DAWN_BACKENDS)[number];
export type FeatureLevel = 'core' | 'compatibility';

export interface GpuAdapter {
  /** Dawn's backend that exposes it. */
  dawnBackend: DawnBackend;
  /** The feature level it was obtained with (OpenGL ES: compatibility). */
  featureLevel: FeatureLevel;
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** Runs on the CPU (llvmpipe, lavapipe, SwiftShader, or Dawn's fallback flag). */
  software: boolean;
  /** Largest buffer one tensor can live in. */
  maxBufferSize: number;
  /** Largest buffer one shader may bind: the largest single tensor a kernel can read or write. */
  maxStorageBufferBindingSize: number;
}

const SOFTWARE_NAMES = /llvmpipe|lavapipe|softpipe|swiftshader|software rasterizer|microsoft basic render/i;

/** Whether an adapter described this way runs on the CPU. */
export function isSoftwareAdapter(info: { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean }): boolean {
  if (info.isFallbackAdapter) return true;
  return SOFTWARE_NAMES.test([info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' '));
}

/** One line naming an adapter: backend, description/device, software or not. */
export function adapterName(adapter: GpuAdapter): string {
  const what = [adapter.description || adapter.device || 'unnamed adapter', adapter.vendor && `vendor ${adapter.vendor}`].filter(Boolean).join(', ');
  return `${what} (${adapter.dawnBackend}${adapter.software ? ', software' : ''})`;
}

export type AdapterChoice = { adapter: GpuAdapter; reason: string } | { adapter: null; reason: string };

/**
 * Which adapter trains: the first hardware one (Vulkan before OpenGL ES, `core` before
 * `compatibility`), else, when `allowSoftware`, the first software one. Pure, so tests can stub
 * the adapter list.
 */
export function pickAdapter(adapters: readonly GpuAdapter[], options: { allowSoftware: boolean }): AdapterChoice {
  const rank = (a: GpuAdapter) => DAWN_BACKENDS.indexOf(a.dawnBackend) * 2 + (a.featureLevel === 'core' ? 0 : 1);
  const ordered = [...adapters].sort((a, b) => rank(a) - rank(b));
  const hardware = ordered.find((a) => !a.software);
  if (hardware) return { adapter: hardware, reason: `hardware adapter ${adapterName(hardware)}` };
  if (adapters.length === 0) {
    return { adapter: null, reason: `Dawn finds no adapter on ${DAWN_BACKENDS.join(' or ')} (no GPU driver: a Vulkan ICD, or EGL/GLES for OpenGL ES)` };
  }
  const software = ordered[0]!;
  if (options.allowSoftware) return { adapter: software, reason: `software adapter ${adapterName(software)}, asked for by name (--backend webgpu)` };
  return {
    adapter: null,
    reason: `only software adapters (${ordered.map(adapterName).join('; ')}): slower than wasm for training, never chosen by auto; --backend webgpu uses one`,
  };
}
