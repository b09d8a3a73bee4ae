// Public surface of src/models: backend selection, wasm training kernels, gradient checks, backbones.
export {
  BACKEND_PREFERENCES,
  backendPreferenceFromEnv,
  parseBackendPreference,
  selectBackend,
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
export { crossEntropy, stepGradients, trainStep, type StepOptions } from './train-step.ts';
// Backbones (added by the backbones work):
export * from './backbones/index.ts';
export { assignWeightsByName, loadLayersModel, pretrainedWeightsHint, readWeights, saveLayersModel } from './weights.ts';
export { assertFitsBackend, estimateTrainingMemory, largestFittingBatch, memoryLimit, WASM_HEAP_BYTES, type FitOptions, type MemoryEstimate, type MemoryOptions } from './memory.ts';
export { hasCustomLayers, toStockModel } from './portable.ts';
