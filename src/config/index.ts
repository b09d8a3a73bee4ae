export * from './load.ts';
export * from './trial.ts';
export * from './space.ts';
export * from './trial-file.ts';
