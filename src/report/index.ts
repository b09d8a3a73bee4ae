/**
 * `skewer report`: one self-contained HTML file about a study (history, intermediate values,
 * parallel coordinates, slices, importance, per-class recall, the best trial's out-of-fold
 * curves, the agents' timeline, and a retrain's sealed-holdout result kept apart).
 */
import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { StudyReader } from '../coordinator/index.ts';
import { buildReport, reportInputOf, type ReportModel } from './build.ts';
import { renderReportHtml } from './html.ts';
import type { OverlayMaker } from './overlays.ts';
import { readRetrainReport } from './retrain.ts';

export { buildReport, reportInputOf, type ReportInput, type ReportModel, type Section } from './build.ts';
export { renderReportHtml } from './html.ts';
export { readRetrainReport, type RetrainReport } from './retrain.ts';
export { chooseOverlays, FEW_OVERLAYS, MAX_OVERLAYS, OVERLAY_SIDE, type HoldoutOverlay, type HoldoutOverlays, type OverlayMaker } from './overlays.ts';
export { paramImportance, type ImportanceResult } from './importance.ts';
export { renderSvg, type Chart } from './render.ts';

export interface WriteReportOptions {
  readonly reader: StudyReader;
  readonly out: string;
  /** A retrain's --out folder (or its report.json). */
  readonly retrain?: string;
  /** Draws Grad-CAM overlays of the retrain's holdout (the report command passes one that runs the model). */
  readonly overlays?: OverlayMaker;
}

/** Builds the report of the study `reader` opens and writes it to `out`; returns the model and the path written. */
export async function writeStudyReport(options: WriteReportOptions): Promise<{ model: ReportModel; file: string; bytes: number }> {
  const retrain = options.retrain ? await readRetrainReport(options.retrain) : undefined;
  let overlays;
  if (retrain && options.retrain && options.overlays) {
    const resolved = path.resolve(options.retrain);
    const modelDir = (await stat(resolved)).isDirectory() ? resolved : path.dirname(resolved);
    overlays = await options.overlays(retrain, modelDir);
  }
  const model = buildReport(await reportInputOf(options.reader, retrain, overlays));
  const html = renderReportHtml(model);
  const file = path.resolve(options.out);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, html);
  return { model, file, bytes: Buffer.byteLength(html) };
}
