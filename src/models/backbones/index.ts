/**
 * Backbones: named architectures without a top (output = global-average-pooled features), the
 * classifier built on them, and what each costs. Input to every model: RGB in [0, 1],
 * shape [batch, resolution, resolution, 3].
 */
export { BACKBONES, backboneDefaults, buildBackbone, isBackboneName, type BackboneName, type BuildBackboneOptions } from './registry.ts';
export { buildModel, DEFAULT_HEAD_DROPOUT, type BuildModelOptions } from './model.ts';
export { backboneInfo, type BackboneInfo } from './info.ts';
export { ChannelStandardize, Normalization, SeededDropout } from './layers.ts';
