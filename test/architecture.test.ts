// The direction of dependencies in ARCHITECTURE.md, checked rather than hoped for.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

const SRC = path.resolve('src');

/** Which top-level folders of src/ each folder may import from (besides itself). */
const ALLOWED: Record<string, readonly string[]> = {
  core: [],
  config: ['core'],
  search: ['core', 'config'],
  objectives: ['core', 'config'],
  transport: ['core', 'config'],
  data: ['core', 'config'],
  models: ['core', 'config'],
  training: ['core', 'config', 'data', 'models'],
  coordinator: ['core', 'config', 'search', 'objectives', 'transport', 'data'],
  agent: ['core', 'config', 'search', 'objectives', 'transport', 'data', 'models', 'training'],
  export: ['core', 'config', 'objectives', 'transport', 'coordinator', 'data'],
  ui: ['core', 'config', 'search', 'objectives', 'transport', 'coordinator', 'data', 'export'],
  report: ['core', 'config', 'objectives', 'coordinator', 'export', 'transport'],
  cli: ['core', 'config', 'search', 'objectives', 'transport', 'coordinator', 'agent', 'data', 'models', 'training', 'ui', 'export', 'report'],
};

/** Packages a folder must never reach, even through another module's runtime imports. */
const FORBIDDEN_TRANSITIVE: Record<string, RegExp> = {
  search: /^(@tensorflow\/|@nats-io\/|nats$|sharp$|ink$|react$|node:)/,
  objectives: /^(@tensorflow\/|@nats-io\/|nats$|sharp$|ink$|react$|node:)/,
  coordinator: /^@tensorflow\//,
  core: /^(@tensorflow\/|@nats-io\/|sharp$|ink$|node:)/,
};

interface Import {
  spec: string;
  typeOnly: boolean;
}

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) sourceFiles(full, out);
    else if (/\.tsx?$/.test(name)) out.push(full);
  }
  return out;
}

function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const out: Import[] = [];
  const pattern = /^\s*(import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;
  for (const match of text.matchAll(pattern)) out.push({ spec: match[3]!, typeOnly: Boolean(match[2]) });
  for (const match of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push({ spec: match[1]!, typeOnly: false });
  return out;
}

function folderOf(file: string): string | undefined {
  const rel = path.relative(SRC, file);
  const parts = rel.split(path.sep);
  return parts.length > 1 ? parts[0] : undefined;
}

function resolveLocal(from: string, spec: string): string | undefined {
  const base = path.resolve(path.dirname(from), spec);
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, path.join(base, 'index.ts')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

const files = sourceFiles(SRC);

test('every src folder imports only the folders ARCHITECTURE.md allows', () => {
  const violations: string[] = [];
  for (const file of files) {
    const folder = folderOf(file);
    if (!folder) continue;
    const allowed = ALLOWED[folder];
    if (!allowed) {
      violations.push(`${path.relative(SRC, file)}: folder src/${folder} has no rule in test/architecture.test.ts`);
      continue;
    }
    for (const { spec } of importsOf(file)) {
      if (!spec.startsWith('.')) continue;
      const target = resolveLocal(file, spec);
      if (!target) {
        violations.push(`${path.relative(SRC, file)}: import '${spec}' does not resolve`);
        continue;
      }
      const targetFolder = folderOf(target);
      if (targetFolder && targetFolder !== folder && !allowed.includes(targetFolder)) {
        violations.push(`${path.relative(SRC, file)} imports src/${targetFolder} ('${spec}')`);
      }
    }
  }
  assert.deepEqual(violations, []);
});

test('search, core and coordinator never reach tfjs (and search/core no I/O), even transitively', () => {
  const violations: string[] = [];
  for (const [folder, forbidden] of Object.entries(FORBIDDEN_TRANSITIVE)) {
    for (const start of files.filter((f) => folderOf(f) === folder)) {
      const seen = new Set<string>();
      const stack: Array<{ file: string; via: string[] }> = [{ file: start, via: [] }];
      while (stack.length) {
        const { file, via } = stack.pop()!;
        if (seen.has(file)) continue;
        seen.add(file);
        for (const { spec, typeOnly } of importsOf(file)) {
          if (typeOnly) continue;
          if (spec.startsWith('.')) {
            const target = resolveLocal(file, spec);
            if (target) stack.push({ file: target, via: [...via, path.relative(SRC, file)] });
          } else if (forbidden.test(spec)) {
            violations.push(`${[...via, path.relative(SRC, file)].join(' -> ')} imports ${spec}`);
          }
        }
      }
    }
  }
  assert.deepEqual([...new Set(violations)], []);
});

/** Local files each src file imports, runtime and type-only alike (a type cycle still couples the two). */
function localImportGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const targets = importsOf(file)
      .filter(({ spec }) => spec.startsWith('.'))
      .map(({ spec }) => resolveLocal(file, spec))
      .filter((target): target is string => target !== undefined);
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** Every import cycle, one per back edge met in a depth-first walk, as `a -> b -> a` (paths under src/). */
function importCycles(graph: Map<string, string[]>): string[] {
  const onPath: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const cycles: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    onPath.push(file);
    for (const target of graph.get(file) ?? []) {
      if (state.get(target) === 'open') {
        const loop = [...onPath.slice(onPath.indexOf(target)), target];
        cycles.push(loop.map((f) => path.relative(SRC, f)).join(' -> '));
      } else if (!state.has(target)) {
        visit(target);
      }
    }
    onPath.pop();
    state.set(file, 'done');
  };
  for (const file of [...graph.keys()].sort()) if (!state.has(file)) visit(file);
  return cycles;
}

test('the cycle finder sees a cycle through a type-only import, and none in a chain', () => {
  const a = path.join(SRC, 'x/a.ts');
  const b = path.join(SRC, 'x/b.ts');
  const c = path.join(SRC, 'x/c.ts');
  assert.deepEqual(importCycles(new Map([[a, [b]], [b, [c]], [c, [a]]])), ['x/a.ts -> x/b.ts -> x/c.ts -> x/a.ts']);
  assert.deepEqual(importCycles(new Map([[a, [b]], [b, [c]], [c, []]])), []);
});

test('no import cycle among src files, type-only imports included', () => {
  assert.deepEqual(importCycles(localImportGraph()), []);
});
