/**
 * The report command's Grad-CAM overlays: `skewer predict`'s code (its preprocessing, threshold and
 * Grad-CAM) run on the retrain's holdout images, the misclassified ones (and a few found minority
 * images when those are few) scaled to at most OVERLAY_SIDE px and handed to the report as PNGs.
 * A missing or unreadable model, or missing images, become notes: the report is still written.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { chooseOverlays, OVERLAY_SIDE, type HoldoutOverlay, type HoldoutOverlays, type RetrainReport } from '../../report/index.ts';
import { predictImages } from '../../training/predict.ts';

/** The folder report.json's holdout paths are relative to: the dataset folder, or a CSV manifest's folder. */
function datasetBase(root: string): string {
  return path.extname(root).toLowerCase() === '.csv' ? path.dirname(root) : root;
}

export async function holdoutOverlays(retrain: RetrainReport, modelDir: string): Promise<HoldoutOverlays> {
  const minorityClass = retrain.dataset.minorityClass;
  const none = (note: string): HoldoutOverlays => ({ threshold: retrain.plan.threshold, minorityClass, misclassified: 0, overlays: [], notes: [note] });
  const items = retrain.holdout.items;
  const root = retrain.dataset.root;
  if (!items || !root) return none(`No Grad-CAM overlays: ${path.join(modelDir, 'report.json')} lists no holdout images (an older skewer wrote it); run \`skewer retrain\` again to see them.`);
  if (items.length === 0) return none('No Grad-CAM overlays: the retrain had no holdout images.');
  if (!existsSync(path.join(modelDir, 'model.json'))) return none(`No Grad-CAM overlays: no model at ${path.join(modelDir, 'model.json')} (the retrain's model folder is missing or moved); give --retrain the folder \`skewer retrain --out\` wrote.`);
  const base = path.resolve(datasetBase(root));
  const labelOf = new Map(items.map((item) => [path.join(base, item.path), item]));
  const present = [...labelOf.keys()].filter((file) => existsSync(file));
  const notes: string[] = [];
  if (present.length < labelOf.size) notes.push(`${labelOf.size - present.length} of ${labelOf.size} holdout images are no longer under ${base}; they are left out.`);
  if (present.length === 0) return { ...none(notes[0]!), notes };
  const scratch = await mkdtemp(path.join(tmpdir(), 'skewer-report-gradcam-'));
  try {
    const outcome = await predictImages(modelDir, present);
    for (const bad of outcome.unreadable) notes.push(`unreadable, left out: ${bad.path}: ${bad.reason}`);
    const rows = outcome.predictions.map((p) => ({ ...p, trueClass: labelOf.get(p.path)!.label }));
    const chosen = chooseOverlays(rows, minorityClass);
    const overlays: HoldoutOverlay[] = [];
    // One run for every chosen image: predict mirrors the class folders under the scratch folder,
    // so defect/000.png and ok/000.png get overlays of their own.
    const again = await predictImages(modelDir, chosen.map((row) => row.path), { heatmaps: scratch });
    const heatmapOf = new Map(again.predictions.flatMap((p) => (p.heatmap ? [[p.path, p.heatmap.file] as const] : [])));
    for (const row of chosen) {
      const file = heatmapOf.get(row.path);
      if (!file) continue;
      const { data, info } = await sharp(await readFile(file)).resize(OVERLAY_SIDE, OVERLAY_SIDE, { fit: 'inside', kernel: 'nearest' }).png().toBuffer({ resolveWithObject: true });
      overlays.push({ path: labelOf.get(row.path)!.path, trueClass: row.trueClass, predicted: row.predicted, minorityProbability: row.minorityProbability, kind: row.kind, png: data, width: info.width, height: info.height });
    }
    return { threshold: outcome.threshold, minorityClass: outcome.minorityClass, misclassified: rows.filter((r) => r.predicted !== r.trueClass).length, overlays, notes };
  } catch (error) {
    return none(`No Grad-CAM overlays: the model in ${modelDir} could not be run: ${(error as Error).message}`);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
