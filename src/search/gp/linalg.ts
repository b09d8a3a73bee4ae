/**
 * Dense linear algebra for the Gaussian process, on row-major Float64Array matrices: Cholesky
 * factorisation (with escalating jitter for near-singular kernels), triangular solves, and the
 * inverse from a factor. Small n (hundreds), so plain loops with good memory order suffice.
 */

/** n x n lower-triangular Cholesky factor L of a symmetric positive-definite A (row-major). */
export interface Cholesky {
  readonly n: number;
  readonly lower: Float64Array;
  /** Jitter that had to be added to the diagonal for the factorisation to succeed. */
  readonly jitter: number;
}

/** Factorises A = L L^T in place of a copy; returns undefined if A is not positive definite. */
export function choleskyExact(a: Float64Array, n: number): Float64Array | undefined {
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const rowJ = j * n;
    let diag = a[rowJ + j]!;
    for (let k = 0; k < j; k++) diag -= l[rowJ + k]! * l[rowJ + k]!;
    if (!(diag > 0)) return undefined;
    const ljj = Math.sqrt(diag);
    l[rowJ + j] = ljj;
    let i = j + 1;
    for (; i + 3 < n; i += 4) {
      // Four rows' dot products with row j at once (independent sums, each in ascending k: the same bits).
      const r0 = i * n;
      const r1 = r0 + n;
      const r2 = r1 + n;
      const r3 = r2 + n;
      let s0 = a[r0 + j]!;
      let s1 = a[r1 + j]!;
      let s2 = a[r2 + j]!;
      let s3 = a[r3 + j]!;
      for (let k = 0; k < j; k++) {
        const ljk = l[rowJ + k]!;
        s0 -= l[r0 + k]! * ljk;
        s1 -= l[r1 + k]! * ljk;
        s2 -= l[r2 + k]! * ljk;
        s3 -= l[r3 + k]! * ljk;
      }
      l[r0 + j] = s0 / ljj;
      l[r1 + j] = s1 / ljj;
      l[r2 + j] = s2 / ljj;
      l[r3 + j] = s3 / ljj;
    }
    for (; i < n; i++) {
      const rowI = i * n;
      let sum = a[rowI + j]!;
      for (let k = 0; k < j; k++) sum -= l[rowI + k]! * l[rowJ + k]!;
      l[rowI + j] = sum / ljj;
    }
  }
  return l;
}

/** Cholesky with jitter 0, then 1e-8, 1e-7, … (relative to the mean diagonal) until it succeeds. */
export function cholesky(a: Float64Array, n: number): Cholesky {
  const chol = tryCholesky(a, n);
  if (!chol) throw new Error(`kernel matrix of size ${n} is not positive definite even with jitter`);
  return chol;
}

/** Like `cholesky`, but undefined when even the largest jitter does not help. */
export function tryCholesky(a: Float64Array, n: number): Cholesky | undefined {
  let meanDiag = 0;
  for (let i = 0; i < n; i++) meanDiag += a[i * n + i]!;
  meanDiag = n > 0 ? meanDiag / n : 1;
  let jitter = 0;
  for (let attempt = 0; attempt < 10; attempt++) {
    let matrix = a;
    if (jitter > 0) {
      matrix = Float64Array.from(a);
      for (let i = 0; i < n; i++) matrix[i * n + i]! += jitter;
    }
    const lower = choleskyExact(matrix, n);
    if (lower) return { n, lower, jitter };
    jitter = jitter === 0 ? 1e-8 * meanDiag : jitter * 10;
  }
  return undefined;
}

/**
 * Solves L x = b (forward substitution), into `out` when given. Four rows at a time share the
 * pass over the solved prefix (four independent sums instead of one dependent chain), then finish
 * their small triangle in order: every x_i is still b_i minus its terms in ascending k, so the
 * result is the same bit for bit as the row-by-row loop.
 */
export function solveLower(chol: Cholesky, b: ArrayLike<number>, out?: Float64Array): Float64Array {
  const { n, lower } = chol;
  const x = out ?? new Float64Array(n);
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const r0 = i * n;
    const r1 = r0 + n;
    const r2 = r1 + n;
    const r3 = r2 + n;
    let s0 = b[i]!;
    let s1 = b[i + 1]!;
    let s2 = b[i + 2]!;
    let s3 = b[i + 3]!;
    for (let k = 0; k < i; k++) {
      const xk = x[k]!;
      s0 -= lower[r0 + k]! * xk;
      s1 -= lower[r1 + k]! * xk;
      s2 -= lower[r2 + k]! * xk;
      s3 -= lower[r3 + k]! * xk;
    }
    const x0 = s0 / lower[r0 + i]!;
    s1 -= lower[r1 + i]! * x0;
    const x1 = s1 / lower[r1 + i + 1]!;
    s2 -= lower[r2 + i]! * x0;
    s2 -= lower[r2 + i + 1]! * x1;
    const x2 = s2 / lower[r2 + i + 2]!;
    s3 -= lower[r3 + i]! * x0;
    s3 -= lower[r3 + i + 1]! * x1;
    s3 -= lower[r3 + i + 2]! * x2;
    x[i] = x0;
    x[i + 1] = x1;
    x[i + 2] = x2;
    x[i + 3] = s3 / lower[r3 + i + 3]!;
  }
  for (; i < n; i++) {
    let sum = b[i]!;
    const row = i * n;
    for (let k = 0; k < i; k++) sum -= lower[row + k]! * x[k]!;
    x[i] = sum / lower[row + i]!;
  }
  return x;
}

/** Solves L^T x = b (back substitution), into `out` when given. */
export function solveUpper(chol: Cholesky, b: ArrayLike<number>, out?: Float64Array): Float64Array {
  const { n, lower } = chol;
  const x = out ?? new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = b[i]!;
  for (let i = n - 1; i >= 0; i--) {
    x[i] = x[i]! / lower[i * n + i]!;
    const xi = x[i]!;
    for (let k = 0; k < i; k++) x[k]! -= lower[i * n + k]! * xi;
  }
  return x;
}

/** Solves A x = b given A = L L^T. */
export function choleskySolve(chol: Cholesky, b: ArrayLike<number>): Float64Array {
  return solveUpper(chol, solveLower(chol, b));
}

/** log det A = 2 sum log L_ii. */
export function logDeterminant(chol: Cholesky): number {
  let sum = 0;
  for (let i = 0; i < chol.n; i++) sum += Math.log(chol.lower[i * chol.n + i]!);
  return 2 * sum;
}

/** A^{-1} from its Cholesky factor (symmetric, row-major): X = L^{-1} row by row, then X^T X. */
export function choleskyInverse(chol: Cholesky): Float64Array {
  const { n, lower } = chol;
  const x = new Float64Array(n * n); // L^{-1}, lower triangular, built with contiguous row updates
  for (let i = 0; i < n; i++) {
    const rowI = i * n;
    x[rowI + i] = 1;
    for (let k = 0; k < i; k++) {
      const factor = lower[rowI + k]!;
      if (factor === 0) continue;
      const rowK = k * n;
      for (let j = 0; j <= k; j++) x[rowI + j]! -= factor * x[rowK + j]!;
    }
    const pivot = 1 / lower[rowI + i]!;
    for (let j = 0; j <= i; j++) x[rowI + j]! *= pivot;
  }
  const out = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const rowK = k * n;
    for (let i = 0; i <= k; i++) {
      const xki = x[rowK + i]!;
      if (xki === 0) continue;
      const rowI = i * n;
      for (let j = 0; j <= i; j++) out[rowI + j]! += xki * x[rowK + j]!;
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) out[j * n + i] = out[i * n + j]!;
  return out;
}
