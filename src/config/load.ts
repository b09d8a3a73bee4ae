import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../core/errors.ts';
import { parseConfig } from './parse.ts';

// Pure validation lives in parse.ts (no I/O, so src/search can use it); re-exported here.
export { formatZodError, formatZodPath, parseConfig } from './parse.ts';

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

/** readConfigFile + parseConfig, the usual path. */
export async function loadConfigFile<S extends z.ZodType>(schema: S, file: string, hint?: string): Promise<z.infer<S>> {
  return parseConfig(schema, await readConfigFile(file), file, hint);
}
