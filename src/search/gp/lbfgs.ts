/**
 * Box-constrained L-BFGS minimiser (projected two-loop recursion with an Armijo backtracking line
 * search), enough for GP hyperparameters and acquisition maximisation in a few dozen dimensions.
 */

export interface MinimizeOptions {
  readonly lower: ArrayLike<number>;
  readonly upper: ArrayLike<number>;
  readonly maxIterations: number;
  /** Stop when the projected gradient's largest component falls below this. */
  readonly gradientTolerance?: number;
  readonly memory?: number;
}

export interface MinimizeResult {
  readonly x: Float64Array;
  readonly value: number;
  readonly iterations: number;
}

/** `f` returns the value and writes the gradient into `grad`. */
export type ObjectiveWithGradient = (x: Float64Array, grad: Float64Array) => number;

function project(x: Float64Array, lower: ArrayLike<number>, upper: ArrayLike<number>): void {
  for (let i = 0; i < x.length; i++) x[i] = Math.min(upper[i]!, Math.max(lower[i]!, x[i]!));
}

export function minimize(f: ObjectiveWithGradient, start: ArrayLike<number>, options: MinimizeOptions): MinimizeResult {
  const n = start.length;
  const { lower, upper } = options;
  const memory = options.memory ?? 8;
  const tolerance = options.gradientTolerance ?? 1e-6;
  const x = Float64Array.from(start);
  project(x, lower, upper);
  let grad = new Float64Array(n);
  let value = f(x, grad);
  if (!Number.isFinite(value)) return { x, value, iterations: 0 };
  const sHistory: Float64Array[] = [];
  const yHistory: Float64Array[] = [];
  const direction = new Float64Array(n);
  const alpha = new Float64Array(memory);
  let iteration = 0;
  for (; iteration < options.maxIterations; iteration++) {
    // Free variables: not pinned at a bound by a gradient pushing outward.
    const free = new Uint8Array(n);
    let projectedNorm = 0;
    for (let i = 0; i < n; i++) {
      const atLower = x[i]! <= lower[i]! && grad[i]! > 0;
      const atUpper = x[i]! >= upper[i]! && grad[i]! < 0;
      free[i] = atLower || atUpper ? 0 : 1;
      if (free[i]) projectedNorm = Math.max(projectedNorm, Math.abs(grad[i]!));
    }
    if (projectedNorm < tolerance) break;

    for (let i = 0; i < n; i++) direction[i] = free[i] ? -grad[i]! : 0;
    const m = sHistory.length;
    for (let k = m - 1; k >= 0; k--) {
      const s = sHistory[k]!;
      const y = yHistory[k]!;
      alpha[k] = dot(s, direction, free) / dot(y, s, free);
      for (let i = 0; i < n; i++) if (free[i]) direction[i]! -= alpha[k]! * y[i]!;
    }
    if (m > 0) {
      const s = sHistory[m - 1]!;
      const y = yHistory[m - 1]!;
      const gammaScale = dot(s, y, free) / dot(y, y, free);
      if (Number.isFinite(gammaScale) && gammaScale > 0) for (let i = 0; i < n; i++) direction[i]! *= gammaScale;
    }
    for (let k = 0; k < m; k++) {
      const s = sHistory[k]!;
      const y = yHistory[k]!;
      const beta = dot(y, direction, free) / dot(y, s, free);
      for (let i = 0; i < n; i++) if (free[i]) direction[i]! += (alpha[k]! - beta) * s[i]!;
    }
    let slope = 0;
    for (let i = 0; i < n; i++) slope += direction[i]! * grad[i]!;
    if (!(slope < 0) || !Number.isFinite(slope)) {
      // Not a descent direction: restart from steepest descent.
      sHistory.length = 0;
      yHistory.length = 0;
      for (let i = 0; i < n; i++) direction[i] = free[i] ? -grad[i]! : 0;
      slope = 0;
      for (let i = 0; i < n; i++) slope += direction[i]! * grad[i]!;
      if (!(slope < 0)) break;
    }
    // First step of plain gradient descent: scale to a unit move.
    let step = sHistory.length === 0 ? Math.min(1, 1 / Math.max(1e-12, Math.sqrt(-slope))) : 1;
    const candidate = new Float64Array(n);
    const candidateGrad = new Float64Array(n);
    let candidateValue = Infinity;
    let accepted = false;
    for (let tries = 0; tries < 20; tries++) {
      for (let i = 0; i < n; i++) candidate[i] = x[i]! + step * direction[i]!;
      project(candidate, lower, upper);
      let decrease = 0;
      for (let i = 0; i < n; i++) decrease += grad[i]! * (candidate[i]! - x[i]!);
      candidateValue = f(candidate, candidateGrad);
      if (Number.isFinite(candidateValue) && candidateValue <= value + 1e-4 * decrease) {
        accepted = true;
        break;
      }
      step *= 0.3;
    }
    if (!accepted) break;
    const s = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = candidate[i]! - x[i]!;
      y[i] = candidateGrad[i]! - grad[i]!;
    }
    const improvement = value - candidateValue;
    x.set(candidate);
    grad = Float64Array.from(candidateGrad);
    value = candidateValue;
    if (dot(s, y) > 1e-12) {
      sHistory.push(s);
      yHistory.push(y);
      if (sHistory.length > memory) {
        sHistory.shift();
        yHistory.shift();
      }
    }
    if (improvement < 1e-10 * Math.max(1, Math.abs(value))) break;
  }
  return { x, value, iterations: iteration };
}

function dot(a: Float64Array, b: Float64Array, mask?: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) if (!mask || mask[i]) sum += a[i]! * b[i]!;
  return sum;
}
