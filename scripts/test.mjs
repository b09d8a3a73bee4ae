#!/usr/bin/env node
// The README's test command (`npm test`). Runs every test/**/*.test.ts(x) with node's own test
// runner through tsx, two files at a time (this is a 2-core machine). Arguments narrow the run:
// `npm test -- test/data` runs the files under test/data only.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

function collect(entry, out) {
  const stat = statSync(entry);
  if (stat.isDirectory()) {
    for (const name of readdirSync(entry).sort()) collect(path.join(entry, name), out);
  } else if (/\.test\.tsx?$/.test(entry)) {
    out.push(entry);
  }
  return out;
}

const roots = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const flags = process.argv.slice(2).filter((a) => a.startsWith('-'));
const files = (roots.length ? roots : ['test']).flatMap((root) => collect(root, []));
if (files.length === 0) {
  console.error(`no test files under ${roots.join(', ') || 'test'}`);
  process.exit(1);
}
// Caches (fetched datasets, scan verdicts) go to a folder of this run, removed after it: the
// tests neither read what an earlier run or a real search left in ~/.cache nor leave anything there.
const cacheHome = mkdtempSync(path.join(tmpdir(), 'skewer-test-cache-'));
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', '--test-timeout=600000', ...flags, ...files],
  { stdio: 'inherit', env: { ...process.env, SKEWER_TEST: '1', XDG_CACHE_HOME: cacheHome } },
);
rmSync(cacheHome, { recursive: true, force: true });
process.exit(result.status ?? 1);
