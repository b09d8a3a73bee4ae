/**
 * The UI's public surface: reporters (live Ink TUI, plain lines, JSON lines), the choice between
 * them, the pure study view (reducer and selectors), and (re-exported from src/export) the export
 * of best recipes behind the TUI's `e` key.
 */
export { chooseReporterMode, createReporter, isCi } from './reporter.ts';
export type { ChooseModeInput, QuitChoice, ReporterMode, ReporterOptions, StudyReporter, TuiCallbacks } from './reporter.ts';
export { createJsonReporter, createPlainReporter, formatPlainEvent } from './plain.ts';
export type { Reporter, TextSink } from './plain.ts';
export { foldStudyEvents, initialStudyView, reduceStudyView, scoreOf } from './view-state.ts';
export type { StudyViewState, TrialView } from './view-state.ts';
export { keyParamNames, nextSort, rankTrials, SORT_KEYS, studyProgress } from './selectors.ts';
export type { SortKey, StudyProgress } from './selectors.ts';
export { exportBestToFile, exportRecipes, exportStudyBest, formatRecipe, formatRecipes, recipeFileName, skewerVersion, writeRecipes } from '../export/index.ts';
export type { ExportedRecipe, ExportFormat, ExportOptions } from '../export/index.ts';
