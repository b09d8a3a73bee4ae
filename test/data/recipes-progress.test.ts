// bench:recipes' progress file: a finished run is recorded before the next starts, a rerun reuses it
// only on an exactly matching key, and a line torn by a kill is dropped without losing the others.
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ProgressFile, runKey } from '../../bench/recipes-progress.ts';

const withDir = async (fn: (dir: string) => Promise<void>) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'skewer-progress-'));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

test('runKey does not depend on field order and drops undefined fields; a changed value is a new key', () => {
  assert.equal(runKey({ a: 1, b: { y: [1, { q: 2, p: 1 }], x: 'k' } }), runKey({ b: { x: 'k', y: [1, { p: 1, q: 2 }] }, a: 1, c: undefined }));
  assert.notEqual(runKey({ seed: 1, epochs: 6 }), runKey({ seed: 1, epochs: 7 }));
});

test('a recorded run is reused by a new reader; an unknown key runs; --fresh starts again', async () => {
  await withDir(async (dir) => {
    const file = path.join(dir, 'p.jsonl');
    let calls = 0;
    const run = (value: number) => async () => {
      calls++;
      return { value, durationMs: 5 };
    };
    const first = new ProgressFile(file, 'aaa');
    assert.equal((await first.once('k1', run(0.7))).reused, false);
    assert.equal((await first.once('k1', run(0.1))).value, 0.7, 'the same key within one run is not run twice');
    assert.equal(calls, 1);

    const second = new ProgressFile(file, 'bbb');
    assert.equal(second.size, 1);
    const again = await second.once('k1', run(0.2));
    assert.deepEqual([again.reused, again.value, again.commit], [true, 0.7, 'aaa']);
    assert.equal((await second.once('k2', run(0.9))).reused, false);
    assert.equal(calls, 2);
    assert.deepEqual(second.commits(), ['aaa', 'bbb']);
    assert.deepEqual(second.commits(['k2']), ['bbb']);

    assert.equal(new ProgressFile(file, 'ccc', { fresh: true }).size, 0);
    assert.equal(readFileSync(file, 'utf8'), '');
  });
});

test("a run's other figures (a SimCLR run's linear evaluation) are recorded with it and come back on reuse", async () => {
  await withDir(async (dir) => {
    const file = path.join(dir, 'p.jsonl');
    await new ProgressFile(file, 'aaa').once('k', async () => ({ value: 0.8, durationMs: 5, extra: { linearEvaluation: 0.71 } }));
    const reused = await new ProgressFile(file, 'bbb').once('k', async () => assert.fail('a recorded run is not run again'));
    assert.deepEqual([reused.reused, reused.value, reused.extra], [true, 0.8, { linearEvaluation: 0.71 }]);
    await new ProgressFile(file, 'aaa').once('plain', async () => ({ value: 0.6, durationMs: 5 }));
    assert.equal('extra' in JSON.parse(readFileSync(file, 'utf8').trim().split('\n').at(-1)!), false, 'no extra field where the run has none');
  });
});

test('a torn last line is dropped and rewritten away; damage before the end is an error naming the line', async () => {
  await withDir(async (dir) => {
    const file = path.join(dir, 'p.jsonl');
    const writer = new ProgressFile(file, 'aaa');
    await writer.once('k1', async () => ({ value: 0.5, durationMs: 1 }));
    await writer.once('k2', async () => ({ value: null, durationMs: 0, error: 'diverged' }));
    appendFileSync(file, '{"key":"k3","val');
    const reader = new ProgressFile(file, 'bbb');
    assert.equal(reader.size, 2);
    assert.equal((await reader.once('k2', async () => ({ value: 1, durationMs: 1 }))).error, 'diverged');
    await reader.once('k3', async () => ({ value: 0.8, durationMs: 1 }));
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    assert.deepEqual(lines.map((l) => JSON.parse(l).key), ['k1', 'k2', 'k3']);

    appendFileSync(file, 'not json\n{"key":"k4","value":1,"durationMs":1,"commit":"c"}\n');
    assert.throws(() => new ProgressFile(file, 'ccc'), /p\.jsonl:4: not a recorded run.*--fresh/);
  });
});
