/**
 * Training and judging one recipe: `runTrial` (stratified k-fold CV of a TrialSpec, the search's
 * objective), `trainFinal` (all non-holdout data, judged once on the sealed holdout, saved), the
 * losses, decision rules and metrics they use.
 */
export { runTrial, type TrialOptions } from './run-trial.ts';
export { trainFinal, type FinalOptions, type FinalReport } from './final.ts';
export { classWeights, jensenShannon, logitAdjustment, resolveMinorityWeight, trainingLoss, type LossKind, type LossSettings } from './losses.ts';
export {
  applyThreshold,
  argmaxRule,
  evaluatePredictions,
  priorCorrectedThreshold,
  thresholdCriterionFor,
  thresholdMetrics,
  thresholdRule,
  tuneThreshold,
  type EvaluationMetrics,
} from './decision.ts';
export { judgeFolds, metricValue, outOfFoldThresholds, poolPredictions, type FoldRun } from './judge.ts';
export {
  averagePrecision,
  balancedAccuracy,
  classScores,
  confusionMatrix,
  minorityScores,
  perClassRecall,
  recallAtPrecision,
  rocAuc,
  ruleMetrics,
  type Predictions,
} from './metrics.ts';
export { summarize, summarizeFolds, summarizeMetric, tQuantile975 } from './summary.ts';
export { predictItems, type StreamSettings } from './fit.ts';
