export * from './rng.ts';
export * from './errors.ts';
export * from './trial.ts';
export type * from './result.ts';
export * from './final-plan.ts';
export type * from './events.ts';
