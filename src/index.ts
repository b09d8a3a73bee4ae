/**
 * The package root: the programmatic search engine (space, samplers, pruners, ask/tell Study) and
 * the core types. Light on purpose: importing 'skewer' loads neither tfjs nor NATS.
 */
export * from './search/index.ts';
export { createRng, type Rng } from './core/rng.ts';
export { SkewerError, UserError, ConfigError, DatasetError, ResourceError, DivergenceError } from './core/errors.ts';
export type { TrialState, ParamValue, IntermediateReport } from './core/trial.ts';
export type { TrialResult, TrialProgress, FoldMetrics, RuleMetrics, Summary } from './core/result.ts';
export type { StudyEvent, AgentInfo } from './core/events.ts';
