/**
 * When a training run has diverged, so that the trial ends `failed` with the reason at once instead
 * of training on (or reporting figures no schema accepts). The rule, per model and training stage:
 *
 *   - a batch loss that is NaN or infinite, or
 *   - a batch loss above GROWTH_LIMIT (1e3) times the stage's start, where the start is the loss of
 *     its first batch (the untrained model's) but at least START_FLOOR (0.1), so a near-zero start
 *     does not turn ordinary noise into "divergence";
 *   - predictions (class probabilities) that are not finite numbers.
 *
 * A diverging but finite loss (sgd at lr 10) is caught this way within a few batches, long before
 * its logits overflow into NaN probabilities and a NaN tuned threshold.
 */
import { DivergenceError } from '../core/errors.ts';

export const GROWTH_LIMIT = 1e3;
export const START_FLOOR = 0.1;
const HINT = 'lower the learning rate (or the minorityWeight), or use another optimizer';

/** Figures in messages: 3 significant digits, exponent form when large or small. */
function figure(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return Math.abs(value) >= 1e4 || (value !== 0 && Math.abs(value) < 1e-3) ? value.toExponential(1) : Number(value.toPrecision(3)).toString();
}

/** Watches the batch losses of one training stage (one model's epochs, or its cRT stage). */
export class LossWatch {
  private start: number | undefined;

  /** The start loss (first batch's), once one batch was seen. */
  get startLoss(): number | undefined {
    return this.start;
  }

  /** Throws a DivergenceError when `loss` (of batch `batch`, 1-based, at `where`) breaks the rule. */
  check(loss: number, where: string, batch: number): void {
    if (!Number.isFinite(loss)) {
      throw new DivergenceError(`diverged: the loss became ${loss} at ${where}, batch ${batch}; ${HINT}`, { where, hint: HINT });
    }
    if (this.start === undefined) {
      this.start = loss;
      return;
    }
    const reference = Math.max(this.start, START_FLOOR);
    if (loss > GROWTH_LIMIT * reference) {
      throw new DivergenceError(
        `diverged: loss ${figure(loss)} at ${where}, batch ${batch} (×${figure(loss / reference)} its start of ${figure(this.start)}, ` +
          `more than ×${figure(GROWTH_LIMIT)}); ${HINT}`,
        { where, hint: HINT },
      );
    }
  }
}

/** Throws a DivergenceError when some probability of `probabilities` is not a finite number. */
export function checkFinitePredictions(probabilities: readonly (readonly number[])[], where: string): void {
  for (let row = 0; row < probabilities.length; row++) {
    const bad = probabilities[row]!.find((p) => !Number.isFinite(p));
    if (bad !== undefined) {
      throw new DivergenceError(`diverged: the model predicts ${bad} for image ${row + 1} at ${where}; ${HINT}`, { where, hint: HINT });
    }
  }
}

/** Throws a DivergenceError when a figure bound for the result (a metric, a threshold) is not finite. */
export function checkFiniteFigure(name: string, value: number, where: string): void {
  if (!Number.isFinite(value)) throw new DivergenceError(`diverged: ${name} is ${value} at ${where}; ${HINT}`, { where, hint: HINT });
}
