// Public surface of src/models: backend selection, wasm training kernels, gradient checks, backbones.
export {
  BACKEND_PREFERENCES,
  backendPreferenceFromEnv,
  parseBackendPreference,
  selectBackend,
  candidateOrder,
  releaseBackends,
  stubWebgpuForTests,
  type BackendInfo,
  type BackendName,
  type BackendPreference,
} from './backend.ts';
export {
  ADDED_WASM_KERNELS,
  OVERRIDDEN_WASM_KERNELS,
  registerWasmTrainingKernels,
  restoreOriginalWasmKernels,
  wasmKernelStatus,
  type WasmKernelOptions,
} from './kernels/index.ts';
export { compareGradients, relativeError, type GradientCheckOptions, type GradientComparison } from './gradient-check.ts';
export { crossEntropy, stepGradients, trainStep, trainStepAsync, type StepOptions } from './train-step.ts';
// Backbones (added by the backbones work):
export * from './backbones/index.ts';
export { assignWeightsByName, loadLayersModel, pretrainedWeightsHint, readWeights, saveLayersModel } from './weights.ts';
export {
  assertFitsBackend,
  estimateTrainingMemory,
  largestFittingBatch,
  largestTensorBytes,
  memoryLimit,
  WASM_HEAP_BYTES,
  type FitOptions,
  type GpuLimits,
  type MemoryEstimate,
  type MemoryOptions,
} from './memory.ts';
export { DEFAULT_GPU_MEMORY_BYTES, gpuLimits, gpuMemory, parseGpuMemory, type GpuMemory } from './gpu-memory.ts';
export { adapterName, isSoftwareAdapter, pickAdapter, DAWN_BACKENDS, type DawnBackend, type GpuAdapter } from './webgpu-adapters.ts';
export { activeAdapter, listAdapters, releaseWebgpu } from './webgpu.ts';
export { compareKernelGradients, KERNEL_CASES, type KernelComparison } from './kernel-gradients.ts';
export { hasCustomLayers, toStockModel } from './portable.ts';
