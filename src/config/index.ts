export * from './load.ts';
export * from './trial.ts';
