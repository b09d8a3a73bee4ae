import type { RegisterCommand } from './register.ts';

/**
 * Every subcommand, in the order `skewer --help` lists them. Add a line when you add a command.
 * Each module is imported lazily so that `skewer data` does not load tfjs or NATS.
 */
export const COMMANDS: ReadonlyArray<{ name: string; summary: string; load: () => Promise<{ register: RegisterCommand }> }> = [
  { name: 'synth', summary: 'write a synthetic imbalanced defect dataset (PNG, one folder per class)', load: () => import('./synth.ts') },
  { name: 'data', summary: 'inspect a dataset: classes, counts, imbalance, sizes, unreadable files, hash', load: () => import('./data.ts') },
  { name: 'models', summary: 'list backbones: parameters, FLOPs per image, training memory per batch', load: () => import('./models.ts') },
  { name: 'train', summary: 'train and judge one recipe by stratified k-fold cross-validation', load: () => import('./train.ts') },
  { name: 'retrain', summary: 'train the final model of a recipe and judge it once on the sealed holdout', load: () => import('./retrain.ts') },
  { name: 'predict', summary: 'run a retrained model on images or folders (its preprocessing and threshold), optional Grad-CAM heat maps', load: () => import('./predict.ts') },
  { name: 'search', summary: 'run a hyperparameter search (embedded, or over NATS with --server)', load: () => import('./search.ts') },
  { name: 'agent', summary: 'join a NATS server as an agent and run trials (Ctrl-C finishes or hands back)', load: () => import('./agent.ts') },
  { name: 'status', summary: 'list a study\'s trials: state, attempts, agent, params, metrics', load: () => import('./status.ts') },
  { name: 'server', summary: 'start a local nats-server with JetStream (Ctrl-C stops it)', load: () => import('./server.ts') },
  { name: 'ui', summary: 'watch a study live, read-only, here or on --server (q detaches)', load: () => import('./ui.ts') },
  { name: 'doctor', summary: 'show the tfjs backend chosen here, why not the others, threads, versions, CPUs, memory', load: () => import('./doctor.ts') },
  { name: 'export', summary: 'write the best recipe of a study as a trial spec `skewer train` accepts', load: () => import('./export.ts') },
  { name: 'report', summary: 'write a self-contained HTML report of a study (charts, importance, best trial out-of-fold, agents)', load: () => import('./report.ts') },
];
