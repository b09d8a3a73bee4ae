/**
 * Adam with a lower peak (issue 15): tfjs' AdamOptimizer updates every variable inside one tf.tidy,
 * so the new moments, their bias-corrected copies and the new value of every variable (about five
 * parameter-sized temporaries each) all live until the last variable is done, on top of the
 * gradients. This subclass runs the same ops in the same order, one variable per tf.tidy, and
 * releases each gradient as soon as its variable is updated; the bias correction (accBeta1/2) is
 * advanced once per step, after all variables, exactly as tfjs does. Results are identical.
 *
 * What it cannot release: the gradients themselves are produced together by one backward pass
 * (tf.variableGrads, as optimizer.minimize calls it), so all of them exist when the first update runs.
 */
import * as tf from '@tensorflow/tfjs';

/** tfjs-core's NamedTensor, which @tensorflow/tfjs does not re-export. */
interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

interface Slot {
  originalName: string;
  variable: tf.Variable;
}

/** AdamOptimizer's state as its compiled JavaScript keeps it (declared private in its typings). */
interface AdamState {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: Slot[];
  accumulatedSecondMoment: Slot[];
}

export class LeanAdamOptimizer extends tf.AdamOptimizer {
  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const state = this as unknown as AdamState;
    const list = Array.isArray(variableGradients);
    const names = list ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
    const oneMinusAccBeta1 = tf.sub(1, state.accBeta1);
    const oneMinusAccBeta2 = tf.sub(1, state.accBeta2);
    try {
      names.forEach((name, i) => {
        const value = tf.engine().registeredVariables[name];
        if (!value) throw new Error(`Adam: no variable named '${name}' is registered; was the model disposed during the step?`);
        // Moments are kept by position, as tfjs does (its getWeights/setWeights rely on that order).
        state.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        state.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        const gradient = list ? (variableGradients as NamedTensor[])[i]!.tensor : (variableGradients as tf.NamedTensorMap)[name];
        if (gradient == null) return;
        tf.tidy(() => {
          const firstMoment = state.accumulatedFirstMoment[i]!.variable;
          const secondMoment = state.accumulatedSecondMoment[i]!.variable;
          const newFirstMoment = tf.add(tf.mul(firstMoment, state.beta1), tf.mul(gradient, 1 - state.beta1));
          const newSecondMoment = tf.add(tf.mul(secondMoment, state.beta2), tf.mul(tf.square(gradient), 1 - state.beta2));
          const biasCorrectedFirstMoment = tf.div(newFirstMoment, oneMinusAccBeta1);
          const biasCorrectedSecondMoment = tf.div(newSecondMoment, oneMinusAccBeta2);
          firstMoment.assign(newFirstMoment);
          secondMoment.assign(newSecondMoment);
          value.assign(tf.add(tf.mul(tf.div(biasCorrectedFirstMoment, tf.add(tf.sqrt(biasCorrectedSecondMoment), state.epsilon)), -state.learningRate), value));
        });
        // The caller (optimizer.minimize) disposes the gradients again afterwards: a no-op for these.
        gradient.dispose();
      });
      tf.tidy(() => {
        state.accBeta1.assign(tf.mul(state.accBeta1, state.beta1));
        state.accBeta2.assign(tf.mul(state.accBeta2, state.beta2));
      });
    } finally {
      tf.dispose([oneMinusAccBeta1, oneMinusAccBeta2]);
    }
    this.incrementIterations();
  }
}

/** tf.train.adam's defaults (beta1 0.9, beta2 0.999, the backend's epsilon), with the lower peak. */
export function leanAdam(learningRate: number, beta1 = 0.9, beta2 = 0.999, epsilon?: number): LeanAdamOptimizer {
  return new LeanAdamOptimizer(learningRate, beta1, beta2, epsilon);
}
