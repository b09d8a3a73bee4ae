/**
 * What one trial produces, shared by training (which computes it), the coordinator (which stores
 * it), the UI (which ranks by it) and export. Classes are identified by name, never by index.
 */

/** Mean, standard deviation (sample, n-1) and a 95% t-interval across folds. */
export interface Summary {
  readonly mean: number;
  readonly std: number;
  readonly ci95: readonly [number, number];
  readonly n: number;
}

export interface BinaryScores {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
}

/** Metrics of one decision rule on one evaluation set. */
export interface RuleMetrics {
  /** Mean per-class recall. */
  readonly balancedAccuracy: number;
  /** Recall (per-class accuracy) by class name. */
  readonly perClassRecall: Readonly<Record<string, number>>;
  /** confusion[i][j]: images of class classNames[i] predicted as classNames[j]. */
  readonly confusion: readonly (readonly number[])[];
  /** Precision / recall / F1 of the minority class. */
  readonly minority: BinaryScores;
}

export interface FoldMetrics {
  readonly fold: number;
  /** Plain argmax rule. */
  readonly argmax: RuleMetrics;
  /** Prior-corrected / threshold-tuned rule chosen to maximise balanced accuracy. */
  readonly tuned: RuleMetrics & { readonly threshold: number };
  readonly rocAuc: number;
  readonly prAuc: number;
  readonly epochsRun: number;
  readonly trainCount: number;
  readonly validationCount: number;
}

export interface TrialResult {
  readonly classNames: readonly string[];
  readonly minorityClass: string;
  readonly folds: readonly FoldMetrics[];
  /** The objective the search maximises: mean over folds of the argmax balanced accuracy. */
  readonly balancedAccuracy: Summary;
  readonly tunedBalancedAccuracy: Summary;
  readonly perClassRecall: Readonly<Record<string, Summary>>;
  readonly rocAuc: Summary;
  readonly prAuc: Summary;
  /** Which tfjs backend ran it (`tensorflow` for tfjs-node(-gpu), `wasm`, `cpu`). */
  readonly backend: string;
  readonly durationMs: number;
}

/** Progress of a running trial, reported per epoch and per fold. */
export interface TrialProgress {
  readonly fold: number;
  readonly folds: number;
  readonly epoch: number;
  readonly epochs: number;
  /** Monotone step over folds and epochs (fold * epochs + epoch), what pruners see. */
  readonly step: number;
  readonly loss: number;
  /** Validation balanced accuracy after this epoch. */
  readonly validationBalancedAccuracy: number;
}
