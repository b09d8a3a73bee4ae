/**
 * The search space as the charts see it: one axis per parameter that varies, in the space's
 * order. Categorical axes keep the declared order of their values; ranges declared `log: true`
 * get log axes; a parameter with a `when` condition gets a "not set" level for the trials in
 * which it was inactive (its value is then absent from the trial's params).
 */
import type { SearchSpace } from '../config/space.ts';
import type { ParamValue, Params } from '../core/trial.ts';

export const NOT_SET = 'not set';

export type ParamAxis =
  | { readonly name: string; readonly kind: 'categorical'; readonly levels: readonly string[]; readonly conditional: boolean }
  | { readonly name: string; readonly kind: 'numeric'; readonly low: number; readonly high: number; readonly log: boolean; readonly integer: boolean; readonly conditional: boolean };

/** The parameters that vary (fixed ones and one-value categoricals say nothing about the metric). */
export function paramAxes(space: SearchSpace): ParamAxis[] {
  const out: ParamAxis[] = [];
  for (const [name, def] of Object.entries(space)) {
    const conditional = def.when !== undefined;
    if (def.type === 'fixed') continue;
    if (def.type === 'categorical') {
      if (def.values.length < 2 && !conditional) continue;
      out.push({ name, kind: 'categorical', levels: [...def.values.map(levelOf), ...(conditional ? [NOT_SET] : [])], conditional });
    } else {
      out.push({ name, kind: 'numeric', low: def.low, high: def.high, log: def.log === true, integer: def.type === 'int', conditional });
    }
  }
  return out;
}

export function levelOf(value: ParamValue): string {
  return String(value);
}

/** The trial's value on this axis: a level name for categoricals, a number for ranges, NOT_SET when inactive. */
export function axisValue(axis: ParamAxis, params: Params): string | number {
  const value = params[axis.name];
  if (value === undefined) return NOT_SET;
  if (axis.kind === 'categorical') return levelOf(value);
  return typeof value === 'number' ? value : Number(value);
}

/**
 * Where "not set" sits on a numeric axis: a little below the range (a tenth of it, in log space on
 * a log axis), so inactive trials are drawn apart from every real value.
 */
export function notSetPosition(axis: Extract<ParamAxis, { kind: 'numeric' }>): number {
  if (axis.log) return axis.low / Math.pow(axis.high / axis.low, 0.12);
  return axis.low - (axis.high - axis.low) * 0.12;
}

/** Tick values of a numeric axis: five across the range (geometric on a log axis), 3 significant digits. */
export function numericTicks(axis: Extract<ParamAxis, { kind: 'numeric' }>): number[] {
  const ticks = Array.from({ length: 5 }, (_, k) => {
    const t = k / 4;
    const value = axis.log ? axis.low * Math.pow(axis.high / axis.low, t) : axis.low + (axis.high - axis.low) * t;
    return axis.integer ? Math.round(value) : Number(value.toPrecision(3));
  });
  return [...new Set(ticks)];
}
