// A real retrain for report tests, as fast as one gets: 48 tiny patch images (32 px), the small CNN
// for five epochs on wasm, the plan given (no cross-validation), six holdout images per class. The
// net learns the patches (its maps mean something) but the plan's strict threshold, 0.99, still
// misses a few defects, so the holdout has errors for Grad-CAM to show. (Fewer epochs: the net calls
// everything ok and its maps are blank; at 0.5 it gets all twelve right.)
import type { FinalReport } from '../../src/training/index.ts';
import { skewer, tinyRetrain as retrain } from '../helpers/tiny-retrain.ts';

export { skewer };

/** Writes DIR/data and retrains into DIR/model; returns the retrain's report. */
export function tinyRetrain(dir: string): Promise<FinalReport> {
  return retrain(dir, { perClass: 24, holdout: 6, epochs: 5, threshold: 0.99, label: 'report-gradcam' });
}
