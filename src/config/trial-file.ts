import path from 'node:path';
import { readConfigFile } from './load.ts';
import { parseTrialSpec, type TrialSpec } from './trial.ts';

/** The spec with relative `dataset.path` and `weights.path` resolved against `dir`. */
export function resolveTrialSpecPaths(spec: TrialSpec, dir: string): TrialSpec {
  return {
    ...spec,
    dataset: { ...spec.dataset, path: path.resolve(dir, spec.dataset.path) },
    weights: spec.weights && { path: path.resolve(dir, spec.weights.path) },
  };
}

/**
 * Loads a trial spec file (YAML or JSON); a relative `dataset.path` (and `weights.path`) is
 * resolved against the file's folder, as study configs are, so a spec runs the same from anywhere.
 */
export async function loadTrialSpecFile(file: string): Promise<TrialSpec> {
  return resolveTrialSpecPaths(parseTrialSpec(await readConfigFile(file), file), path.dirname(path.resolve(file)));
}
