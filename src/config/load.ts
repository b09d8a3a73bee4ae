import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../core/errors.ts';

/** Reads a YAML or JSON file (by extension; YAML is a superset, so anything else is read as YAML). */
export async function readConfigFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config file (${(error as NodeJS.ErrnoException).code ?? 'error'})`, {
      where: file,
      hint: 'Check the path; configs/ holds ready examples.',
    });
  }
  try {
    return path.extname(file) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ConfigError(`not valid ${path.extname(file) === '.json' ? 'JSON' : 'YAML'}: ${(error as Error).message}`, {
      where: file,
      hint: 'Fix the syntax at the line named above.',
    });
  }
}

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

/** readConfigFile + parseConfig, the usual path. */
export async function loadConfigFile<S extends z.ZodType>(schema: S, file: string, hint?: string): Promise<z.infer<S>> {
  return parseConfig(schema, await readConfigFile(file), file, hint);
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}
