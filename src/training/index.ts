/**
 * Training and judging one recipe: `runTrial` (stratified k-fold CV of a TrialSpec, the search's
 * objective), `trainFinal` (all non-holdout data, judged once on the sealed holdout, saved), the
 * losses, decision rules and metrics they use.
 */
export { runTrial, type TrialOptions } from './run-trial.ts';
export { trainFinal, type FinalOptions, type FinalReport } from './final.ts';
export { classWeights, jensenShannon, logitAdjustment, resolveMinorityWeight, trainingLoss, type LossKind, type LossSettings } from './losses.ts';
export {
  argmaxRule,
  evaluatePredictions,
  priorCorrectedThreshold,
  thresholdRule,
  tuneThreshold,
  type EvaluationMetrics,
} from './decision.ts';
export {
  averagePrecision,
  balancedAccuracy,
  classScores,
  confusionMatrix,
  minorityScores,
  perClassRecall,
  rocAuc,
  ruleMetrics,
  type Predictions,
} from './metrics.ts';
export { summarize, summarizeFolds, tQuantile975 } from './summary.ts';
export { predictItems, type StreamSettings } from './fit.ts';
