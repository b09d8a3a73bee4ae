/**
 * Pure config validation: zod issues formatted by path and thrown as ConfigError. No I/O, so
 * src/search (which must stay pure) can validate spaces and pruner configs with it.
 */
import { z } from 'zod';
import { ConfigError } from '../core/errors.ts';

/** `a.b[2].c` for a zod issue path. */
export function formatZodPath(pathParts: readonly PropertyKey[]): string {
  let out = '';
  for (const part of pathParts) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(root)';
}

/** One line per issue: `path.to.field: what is wrong`. */
export function formatZodError(error: z.ZodError): string {
  return error.issues.map((issue) => `${formatZodPath(issue.path)}: ${issue.message}`).join('\n');
}

/**
 * Validates `value` against `schema`; on failure throws a ConfigError whose message lists every
 * bad field by path, `where` names the source (file or flag) and `hint` says what to do.
 */
export function parseConfig<S extends z.ZodType>(schema: S, value: unknown, source: string, hint?: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ConfigError(`invalid configuration:\n${indent(formatZodError(result.error))}`, {
    where: source,
    hint: hint ?? 'Fix the fields named above; unknown keys are errors, so check their spelling too.',
  });
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}
