/** The search surface: samplers, pruners, the ask/tell Study, and space helpers. Pure: no I/O, no clock. */
export type { Sampler, Pruner, PruneDecision } from './types.ts';
export { createSampler, DEFAULT_SAMPLER, SamplerNameSchema, SamplerConfigSchema, SAMPLER_NAMES, type SamplerConfig, type SamplerName, type SamplerOptions } from './samplers.ts';
export { createPruner, PrunerConfigSchema, ashaRungs, type PrunerConfig } from './pruners/index.ts';
export { createStudy, proposeTrial, trialId, type Study, type StudyOptions, type AskedTrial, type BestTrial, type TellOutcome, type Direction } from './study.ts';
export { enumerateGrid } from './grid.ts';
export { checkParams, isActive, orderedParams, paramsKey, sampleRandomParams } from './space.ts';
export { SearchSpaceSchema, parseSearchSpace, type SearchSpace, type ParamDef } from '../config/space.ts';
export type { FrozenTrial, Params } from './types.ts';
export { bestOf, compareByValue, isBetter, rankComplete, toMaximized, fromMaximized } from '../core/direction.ts';
