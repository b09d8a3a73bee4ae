/**
 * Grad-CAM overlays of a retrain's sealed holdout, as the report shows them: where the final model
 * looked on the images it got wrong (and, when those are few, on some minority images it found).
 * The report only lays them out; running the model is the caller's (the `skewer report` command
 * reuses `skewer predict`'s code), so src/report never loads tfjs.
 */
import type { RetrainReport } from './retrain.ts';

/** At most this many overlays, each scaled so its longer side is OVERLAY_SIDE pixels: the HTML stays small. */
export const MAX_OVERLAYS = 12;
export const OVERLAY_SIDE = 160;
/** Fewer misclassified holdout images than this: correctly found minority images fill up to it. */
export const FEW_OVERLAYS = 4;

export interface HoldoutOverlay {
  /** The image, relative to the dataset folder as the retrain's report.json lists it. */
  readonly path: string;
  readonly trueClass: string;
  readonly predicted: string;
  readonly minorityProbability: number;
  readonly kind: 'misclassified' | 'minority found';
  /** A PNG of the overlay, OVERLAY_SIDE px on its longer side. */
  readonly png: Buffer;
  readonly width: number;
  readonly height: number;
}

export interface HoldoutOverlays {
  readonly threshold: number;
  readonly minorityClass: string;
  /** Misclassified holdout images in all (overlays show at most MAX_OVERLAYS of them). */
  readonly misclassified: number;
  readonly overlays: readonly HoldoutOverlay[];
  /** Why some or all overlays are not drawn (no model, unreadable images, an older report.json). */
  readonly notes: readonly string[];
}

/** Runs the retrain's model (in `modelDir`) on its holdout; never throws for a missing or bad model: it says so in `notes`. */
export type OverlayMaker = (retrain: RetrainReport, modelDir: string) => Promise<HoldoutOverlays>;

/** Chooses what to draw from the holdout's predictions: misclassified first, then found minority images if those are few. */
export function chooseOverlays<T extends { readonly trueClass: string; readonly predicted: string }>(rows: readonly T[], minorityClass: string): Array<T & { kind: HoldoutOverlay['kind'] }> {
  const wrong = rows.filter((r) => r.predicted !== r.trueClass).slice(0, MAX_OVERLAYS).map((r) => ({ ...r, kind: 'misclassified' as const }));
  if (wrong.length >= FEW_OVERLAYS) return wrong;
  const found = rows.filter((r) => r.trueClass === minorityClass && r.predicted === minorityClass).slice(0, FEW_OVERLAYS - wrong.length);
  return [...wrong, ...found.map((r) => ({ ...r, kind: 'minority found' as const }))];
}
