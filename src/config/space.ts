/**
 * The search space: one zod schema shared by YAML configs and code. A space maps parameter names
 * to definitions of four kinds (categorical, int, float, fixed); any definition may carry
 * `when: { parent: [values…] }`, which makes it exist only while the parent takes one of the
 * listed values. Unknown keys are errors; every rule names the field it is about.
 *
 * Parsing is idempotent (no transforms), so a parsed space can be parsed again safely.
 */
import { z } from 'zod';
import { parseConfig } from './parse.ts';

export const ParamValueSchema = z.union([z.string(), z.number(), z.boolean()]);

/** `{ loss: [focal] }`: active only while `loss` is `focal`. All listed parents must match. */
const WhenSchema = z.record(z.string(), z.array(ParamValueSchema).min(1, 'list at least one parent value'));

const CategoricalSchema = z.strictObject({
  type: z.literal('categorical'),
  values: z
    .array(ParamValueSchema)
    .min(1, 'a categorical needs at least one value')
    .refine((values) => new Set(values.map((v) => JSON.stringify(v))).size === values.length, 'values must be distinct'),
  when: WhenSchema.optional(),
});

function rangeSchema<T extends 'int' | 'float'>(type: T) {
  const numberSchema = type === 'int' ? z.number().int() : z.number();
  return z
    .strictObject({
      type: z.literal(type),
      low: numberSchema,
      high: numberSchema,
      /** Grid spacing and the lattice every proposal lands on (not with `log`). */
      step: z.number().positive().optional(),
      /** Sample uniformly in log space; needs low > 0. */
      log: z.boolean().optional(),
      /** Explicit values for a grid search (each within low..high). Other samplers use the range. */
      values: z.array(numberSchema).min(1).optional(),
      when: WhenSchema.optional(),
    })
    .superRefine((def, ctx) => {
      if (type === 'float' ? !(def.low < def.high) : !(def.low <= def.high)) {
        ctx.addIssue({
          code: 'custom',
          path: ['high'],
          message: `high (${def.high}) must be ${type === 'float' ? 'greater than' : 'at least'} low (${def.low}); use type: fixed for a single value`,
        });
      }
      if (def.log && !(def.low > 0)) {
        ctx.addIssue({ code: 'custom', path: ['low'], message: `a log range needs low > 0, got ${def.low}` });
      }
      if (def.log && def.step !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['step'], message: 'step cannot be combined with log: true; drop one of them' });
      }
      if (def.step !== undefined) {
        if (type === 'int' && !Number.isInteger(def.step)) {
          ctx.addIssue({ code: 'custom', path: ['step'], message: `an int step must be a whole number, got ${def.step}` });
        }
        const count = (def.high - def.low) / def.step;
        if (Math.abs(count - Math.round(count)) > 1e-9 * Math.max(1, count)) {
          ctx.addIssue({
            code: 'custom',
            path: ['step'],
            message: `step ${def.step} does not divide high - low (${def.high} - ${def.low}); adjust high so the last step lands on it`,
          });
        }
      }
      def.values?.forEach((value, i) => {
        if (value < def.low || value > def.high) {
          ctx.addIssue({ code: 'custom', path: ['values', i], message: `${value} lies outside low..high (${def.low}..${def.high})` });
        }
      });
    });
}

const IntSchema = rangeSchema('int');
const FloatSchema = rangeSchema('float');

const FixedSchema = z.strictObject({
  type: z.literal('fixed'),
  value: ParamValueSchema,
  when: WhenSchema.optional(),
});

export const ParamDefSchema = z.discriminatedUnion('type', [CategoricalSchema, IntSchema, FloatSchema, FixedSchema]);

const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

export const SearchSpaceSchema = z
  .record(z.string(), ParamDefSchema)
  .superRefine((space, ctx) => {
    const names = Object.keys(space);
    if (names.length === 0) ctx.addIssue({ code: 'custom', path: [], message: 'the space has no parameters' });
    for (const name of names) {
      if (!PARAM_NAME.test(name)) ctx.addIssue({ code: 'custom', path: [name], message: 'parameter names start with a letter or _ and use letters, digits, _ . -' });
    }
    for (const name of names) {
      const when = space[name]!.when;
      if (!when) continue;
      for (const [parent, values] of Object.entries(when)) {
        const parentDef = space[parent];
        if (!parentDef) {
          ctx.addIssue({ code: 'custom', path: [name, 'when', parent], message: `unknown parent parameter '${parent}' (known: ${names.join(', ')})` });
          continue;
        }
        if (parent === name) {
          ctx.addIssue({ code: 'custom', path: [name, 'when', parent], message: 'a parameter cannot depend on itself' });
          continue;
        }
        const possible = possibleValues(parentDef);
        if (!possible) {
          ctx.addIssue({
            code: 'custom',
            path: [name, 'when', parent],
            message: `'${parent}' is a ${parentDef.type} range; conditions need a categorical or fixed parent`,
          });
          continue;
        }
        values.forEach((value, i) => {
          if (!possible.some((p) => p === value)) {
            ctx.addIssue({
              code: 'custom',
              path: [name, 'when', parent, i],
              message: `'${parent}' never takes ${JSON.stringify(value)} (its values: ${possible.map((p) => JSON.stringify(p)).join(', ')})`,
            });
          }
        });
      }
    }
    const cycle = findCycle(space);
    if (cycle) ctx.addIssue({ code: 'custom', path: [cycle[0]!, 'when'], message: `conditions form a cycle: ${cycle.join(' -> ')}` });
  });

export type ParamDef = z.infer<typeof ParamDefSchema>;
export type CategoricalDef = z.infer<typeof CategoricalSchema>;
export type IntDef = z.infer<typeof IntSchema>;
export type FloatDef = z.infer<typeof FloatSchema>;
export type FixedDef = z.infer<typeof FixedSchema>;
export type SearchSpace = z.infer<typeof SearchSpaceSchema>;

/** Validates a space given in code or loaded from a file; throws ConfigError listing every bad field. */
export function parseSearchSpace(value: unknown, source = 'space'): SearchSpace {
  return parseConfig(SearchSpaceSchema, value, source, 'Fix the parameters named above; see configs/recipe-space.yaml for a complete example.');
}

function possibleValues(def: ParamDef): readonly (string | number | boolean)[] | undefined {
  if (def.type === 'categorical') return def.values;
  if (def.type === 'fixed') return [def.value];
  return undefined;
}

function findCycle(space: Record<string, ParamDef>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]): string[] | undefined => {
    if (state.get(name) === 'done') return undefined;
    if (state.get(name) === 'visiting') return [...path.slice(path.indexOf(name)), name];
    state.set(name, 'visiting');
    for (const parent of Object.keys(space[name]?.when ?? {})) {
      if (!space[parent] || parent === name) continue;
      const found = visit(parent, [...path, name]);
      if (found) return found;
    }
    state.set(name, 'done');
    return undefined;
  };
  for (const name of Object.keys(space)) {
    const found = visit(name, []);
    if (found) return found;
  }
  return undefined;
}
