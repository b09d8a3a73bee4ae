/**
 * The TUI's `/` filter: a query of space-separated terms, all of which a trial must match.
 * - `state:pruned` (or `state=pruned`, `state:pruned,failed`): the trial's state is one of these;
 * - `name=value` (or `name:value`): the parameter has that value (numbers compare as numbers, so
 *   `minorityWeight=8` matches 8.0; text case-insensitively); `name!=value`: it has another value
 *   or is not set; `name>value`, `name<value`, `name>=value`, `name<=value`: numeric comparisons;
 * - anything else is free text, matched (case-insensitively) inside any parameter value.
 * A term naming a parameter no trial has, or a state that does not exist, is an error that says
 * which names exist, rather than a filter that silently shows nothing. Pure.
 */
import { TRIAL_STATES, type ParamValue, type TrialState } from '../core/trial.ts';
import { formatParamValue } from './format.ts';
import type { TrialView } from './view-state.ts';

export type TrialFilter =
  | { readonly ok: true; readonly query: string; readonly matches: (trial: TrialView) => boolean }
  | { readonly ok: false; readonly query: string; readonly error: string };

const COMPARISON = /^([A-Za-z_][\w.-]*)(!=|>=|<=|=|:|>|<)(.*)$/;

function valueEquals(actual: ParamValue | undefined, wanted: string): boolean {
  if (actual === undefined) return false;
  if (typeof actual === 'number') {
    const number = Number(wanted);
    return wanted.trim() !== '' && Number.isFinite(number) ? actual === number : formatParamValue(actual) === wanted;
  }
  return String(actual).toLowerCase() === wanted.toLowerCase();
}

function termMatcher(term: string, paramNames: ReadonlySet<string>): ((trial: TrialView) => boolean) | string {
  const comparison = COMPARISON.exec(term);
  if (!comparison) {
    const text = term.toLowerCase();
    return (trial) => Object.values(trial.params).some((value) => formatParamValue(value).toLowerCase().includes(text) || String(value).toLowerCase().includes(text));
  }
  const [, name, operator, wanted] = comparison as unknown as [string, string, string, string];
  if (name === 'state') {
    if (operator !== ':' && operator !== '=') return `state takes ':' or '=' (e.g. state:pruned), not '${operator}'`;
    const states = wanted.split(',').filter(Boolean);
    const unknown = states.find((s) => !(TRIAL_STATES as readonly string[]).includes(s));
    if (states.length === 0 || unknown !== undefined) return `no trial state '${unknown ?? ''}': states are ${TRIAL_STATES.join(', ')}`;
    return (trial) => states.includes(trial.state as TrialState);
  }
  if (!paramNames.has(name)) {
    const known = [...paramNames].sort();
    return `no parameter '${name}' in this study: ${known.length ? `parameters are ${known.join(', ')}` : 'no trial has parameters yet'} (or state:…)`;
  }
  if (operator === '=' || operator === ':') return (trial) => valueEquals(trial.params[name], wanted);
  if (operator === '!=') return (trial) => !valueEquals(trial.params[name], wanted);
  const bound = Number(wanted);
  if (wanted.trim() === '' || !Number.isFinite(bound)) return `'${term}': ${operator} compares numbers, and '${wanted}' is not one`;
  const holds = { '>': (v: number) => v > bound, '<': (v: number) => v < bound, '>=': (v: number) => v >= bound, '<=': (v: number) => v <= bound }[operator as '>' | '<' | '>=' | '<='];
  return (trial) => {
    const value = trial.params[name];
    return typeof value === 'number' && holds(value);
  };
}

/** Parses `query` against the parameter names the study's trials have; an empty query matches every trial. */
export function parseTrialFilter(query: string, trials: Iterable<TrialView>): TrialFilter {
  const paramNames = new Set<string>();
  for (const trial of trials) for (const key of Object.keys(trial.params)) paramNames.add(key);
  const matchers: Array<(trial: TrialView) => boolean> = [];
  for (const term of query.trim().split(/\s+/).filter(Boolean)) {
    const matcher = termMatcher(term, paramNames);
    if (typeof matcher === 'string') return { ok: false, query, error: matcher };
    matchers.push(matcher);
  }
  return { ok: true, query, matches: (trial) => matchers.every((match) => match(trial)) };
}
