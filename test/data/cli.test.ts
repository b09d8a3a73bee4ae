// `skewer synth` and `skewer data` as a person runs them: real processes, real files.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { tempDir } from './fixtures.ts';

function skewer(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', ...args], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('synth then data --json: two classes 90/10; a corrupt file is listed and does not stop the command', () => {
  const out = path.join(tempDir(), 'd');
  const synth = skewer('synth', '--out', out, '--images', '100', '--minority-fraction', '0.1', '--size', '16', '--seed', '1');
  assert.equal(synth.status, 0, synth.stderr);
  assert.match(synth.stdout, /wrote 100 images of 16x16 px/);
  writeFileSync(path.join(out, 'ok', 'bad.png'), 'junk\n');
  const data = skewer('data', out, '--json');
  assert.equal(data.status, 0, data.stderr);
  const summary = JSON.parse(data.stdout);
  assert.deepEqual(summary.counts, { defect: 10, ok: 90 });
  assert.deepEqual(summary.classes.map((c: { name: string; role: string }) => [c.name, c.role]), [['defect', 'minority'], ['ok', 'majority']]);
  assert.equal(summary.imbalanceRatio, 9);
  assert.deepEqual(summary.unreadable.map((u: { path: string }) => u.path), [path.join(out, 'ok', 'bad.png')]);
  assert.deepEqual(summary.imageSizes, { minWidth: 16, maxWidth: 16, minHeight: 16, maxHeight: 16 });
  assert.match(summary.hash, /^[0-9a-f]{64}$/);

  const table = skewer('data', out, '--minority', 'ok');
  assert.equal(table.status, 0, table.stderr);
  assert.match(table.stdout, /defect\s+10\s+10\.0%\s+majority/);
  assert.match(table.stdout, /ok\s+90\s+90\.0%\s+minority/);
  assert.match(table.stdout, /unreadable 1 file\(s\), left out:\n  .*bad\.png: /);
});

test('user errors print what, where and what to do, exit 1, no stack trace', () => {
  const dir = tempDir();
  const missing = skewer('data', path.join(dir, 'nope'));
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /^skewer: .*nope: dataset not found\n  pass a folder/);
  assert.doesNotMatch(missing.stderr, /\bat .*\.ts:\d+/);
  const badFlag = skewer('synth', '--out', path.join(dir, 'x'), '--minority-fraction', '1.5');
  assert.equal(badFlag.status, 1);
  assert.match(badFlag.stderr, /--minority-fraction: got '1\.5', expected between 0 and 1/);
});
