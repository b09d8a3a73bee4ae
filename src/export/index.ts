/**
 * Export: a study's best recipes as trial specs that `skewer train` and `skewer retrain` accept
 * unchanged, each with its provenance and the final plan (the out-of-fold threshold and the
 * epochs the folds chose) that retrain uses. Used by the `export` command and the TUI's `e` key.
 */
export {
  exportBestToFile,
  exportRecipes,
  exportStudyBest,
  formatRecipe,
  formatRecipes,
  recipeFileName,
  skewerVersion,
  writeRecipes,
  type ExportedRecipe,
  type ExportFormat,
  type ExportOptions,
} from './recipes.ts';
