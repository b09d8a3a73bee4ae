/**
 * Benchmark objective functions (run time, not benchmarks of skewer: those are in bench/), so a study can exercise the whole engine (sampler, queue, agents,
 * child processes, pruning, failures) without training: `objective: { function: branin }`.
 * Agents evaluate them through the same child-process path as a real trial. Pure functions of the
 * params; each names the parameters it needs, its usual domain, its direction and its optimum.
 */
import { UserError } from '../core/errors.ts';
import type { Params } from '../core/trial.ts';
import type { Direction } from '../core/direction.ts';
import type { SearchSpace } from '../config/space.ts';

export interface ObjectiveFunction {
  readonly name: string;
  /** The parameters it reads (numbers), in order. */
  readonly params: readonly string[];
  /** The textbook domain, as a search space to copy into a study. */
  readonly space: SearchSpace;
  readonly direction: Direction;
  readonly optimum: number;
  readonly evaluate: (x: readonly number[]) => number;
}

function branin([x1, x2]: readonly number[]): number {
  const b = 5.1 / (4 * Math.PI * Math.PI);
  const c = 5 / Math.PI;
  const t = 1 / (8 * Math.PI);
  return (x2! - b * x1! * x1! + c * x1! - 6) ** 2 + 10 * (1 - t) * Math.cos(x1!) + 10;
}

const HARTMANN_ALPHA = [1.0, 1.2, 3.0, 3.2];
const HARTMANN_A = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
];
const HARTMANN_P = [
  [0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886],
  [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
  [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.665],
  [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381],
];

function hartmann6(x: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < 4; i++) {
    let inner = 0;
    for (let j = 0; j < 6; j++) inner += HARTMANN_A[i]![j]! * (x[j]! - HARTMANN_P[i]![j]!) ** 2;
    sum += HARTMANN_ALPHA[i]! * Math.exp(-inner);
  }
  return -sum;
}

const unitRange = (names: readonly string[]): SearchSpace =>
  Object.fromEntries(names.map((n) => [n, { type: 'float' as const, low: 0, high: 1 }]));

const HARTMANN_NAMES = ['x1', 'x2', 'x3', 'x4', 'x5', 'x6'];

export const OBJECTIVE_FUNCTIONS: Readonly<Record<string, ObjectiveFunction>> = {
  branin: {
    name: 'branin',
    params: ['x1', 'x2'],
    space: { x1: { type: 'float', low: -5, high: 10 }, x2: { type: 'float', low: 0, high: 15 } },
    direction: 'minimize',
    optimum: 0.397887357729738,
    evaluate: branin,
  },
  hartmann6: {
    name: 'hartmann6',
    params: HARTMANN_NAMES,
    space: unitRange(HARTMANN_NAMES),
    direction: 'minimize',
    optimum: -3.322368011415515,
    evaluate: hartmann6,
  },
  sphere: {
    name: 'sphere',
    params: ['x', 'y'],
    space: { x: { type: 'float', low: -5, high: 5 }, y: { type: 'float', low: -5, high: 5 } },
    direction: 'minimize',
    optimum: 0,
    evaluate: ([x, y]) => x! * x! + y! * y!,
  },
};

export const OBJECTIVE_NAMES = Object.keys(OBJECTIVE_FUNCTIONS);

export function objectiveFunction(name: string): ObjectiveFunction {
  const fn = OBJECTIVE_FUNCTIONS[name];
  if (!fn) {
    throw new UserError(`unknown objective function '${name}'`, {
      where: 'objective.function',
      hint: `Use one of: ${OBJECTIVE_NAMES.join(', ')}.`,
    });
  }
  return fn;
}

/** Evaluates `name` at `params`; a missing or non-numeric parameter is a UserError naming it. */
export function evaluateObjective(name: string, params: Params): number {
  const fn = objectiveFunction(name);
  const x = fn.params.map((param) => {
    const value = params[param];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new UserError(`objective '${name}' needs a number for '${param}', got ${JSON.stringify(value)}`, {
        where: `params.${param}`,
        hint: `Its search space needs float parameters ${fn.params.join(', ')}.`,
      });
    }
    return value;
  });
  return fn.evaluate(x);
}
