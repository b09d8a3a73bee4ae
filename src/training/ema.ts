/**
 * Weight averaging (`weightEma`, Polyak averaging as model EMA: Polyak & Juditsky 1992; timm's
 * ModelEma): a shadow copy of every weight that training changes, moved after each optimizer step of
 * the main stage as
 *
 *   shadow <- d * shadow + (1 - d) * weight,   d = min(decay, (1 + n) / (10 + n))   (n: steps before this one)
 *
 * The warm-up term keeps the first steps from being dominated by the random initialisation (timm
 * and TensorFlow's ExponentialMovingAverage(num_updates) use the same schedule). Averaged are the
 * weights of every layer that trains, the batch-norm moving statistics included (they belong to the
 * averaged weights; averaging them with the kernels keeps the two consistent); frozen layers do not
 * change and are left alone.
 *
 * Validation predictions run on the averaged weights (`withAveraged` swaps them in and back), and
 * `commit` makes them the model's for good: the cRT stage then retrains the head of the averaged
 * network, and the final model is saved averaged. All tensors it makes are disposed.
 */
import * as tf from '@tensorflow/tfjs';

/** The variables of every layer that trains (nested models walked), the batch-norm statistics included. */
export function changingVariables(model: tf.LayersModel): tf.Variable[] {
  const out: tf.Variable[] = [];
  const seen = new Set<string>();
  const walk = (layer: tf.layers.Layer): void => {
    const nested = (layer as unknown as { layers?: tf.layers.Layer[] }).layers;
    if (nested) {
      for (const inner of nested) walk(inner);
      return;
    }
    if (!layer.trainable) return;
    for (const weight of layer.weights) {
      const variable = weight.read() as tf.Variable;
      if (seen.has(variable.name)) continue;
      seen.add(variable.name);
      out.push(variable);
    }
  };
  for (const layer of model.layers) walk(layer);
  return out;
}

/** The decay of update number `n` (0-based): `decay`, lowered for the first steps. */
export function emaDecayAt(decay: number, n: number): number {
  return Math.min(decay, (1 + n) / (10 + n));
}

export class WeightAverage {
  private shadows: tf.Variable[] | undefined;
  private updates = 0;

  constructor(
    private readonly variables: readonly tf.Variable[],
    readonly decay: number,
  ) {
    if (!(decay > 0 && decay < 1)) throw new RangeError(`weight EMA decay must be in (0, 1), got ${decay}`);
    this.shadows = variables.map((v) => tf.tidy(() => v.clone().variable(false)));
  }

  /** How many steps have been averaged. */
  get steps(): number {
    return this.updates;
  }

  /** After an optimizer step: moves every shadow toward its weight. */
  update(): void {
    const shadows = this.live();
    const d = emaDecayAt(this.decay, this.updates);
    tf.tidy(() => {
      this.variables.forEach((variable, i) => {
        const shadow = shadows[i]!;
        shadow.assign(tf.add(tf.mul(shadow, d), tf.mul(variable, 1 - d)));
      });
    });
    this.updates++;
  }

  /** Runs `fn` with the averaged weights in the model, then puts the trained ones back (also on a throw). */
  async withAveraged<T>(fn: () => Promise<T>): Promise<T> {
    const shadows = this.live();
    const saved = this.variables.map((v) => tf.clone(v));
    try {
      this.variables.forEach((variable, i) => variable.assign(shadows[i]!));
      return await fn();
    } finally {
      this.variables.forEach((variable, i) => variable.assign(saved[i]!));
      tf.dispose(saved);
    }
  }

  /** Makes the averaged weights the model's and ends the averaging (later calls to update/withAveraged throw). */
  commit(): void {
    const shadows = this.live();
    this.variables.forEach((variable, i) => variable.assign(shadows[i]!));
    this.dispose();
  }

  get committed(): boolean {
    return this.shadows === undefined;
  }

  dispose(): void {
    if (this.shadows) tf.dispose(this.shadows);
    this.shadows = undefined;
  }

  private live(): tf.Variable[] {
    if (!this.shadows) throw new Error('the weight average was committed or disposed');
    return this.shadows;
  }
}
