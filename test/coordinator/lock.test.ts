// One coordinator per embedded study folder: a second one is refused naming the holder; a lock
// left by a process that is gone is taken over.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { UserError } from '../../src/core/errors.ts';
import { LOCK_FILE, lockStudyDir } from '../../src/coordinator/index.ts';

test('a second coordinator of a live study is refused with the holding process named', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'skewer-lock-'));
  try {
    const lock = lockStudyDir(dir, 'demo');
    assert.throws(
      () => lockStudyDir(dir, 'demo'),
      (e: unknown) => e instanceof UserError && e.message.includes(`process ${process.pid} on ${hostname()}`) && e.where === path.join(dir, LOCK_FILE),
    );
    lock.release();
    lock.release();
    assert.equal(existsSync(path.join(dir, LOCK_FILE)), false, 'released');
    lockStudyDir(dir, 'demo').release();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a lock left by a process that is gone is taken over, and the take-over is said', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'skewer-lock-'));
  try {
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const pid = Number(gone.stdout);
    writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify({ pid, host: hostname(), startedAt: 'earlier' }));
    const lines: string[] = [];
    const lock = lockStudyDir(dir, 'demo', (line) => lines.push(line));
    assert.match(lines.join('\n'), new RegExp(`left by process ${pid}, which is gone`));
    assert.equal(JSON.parse(readFileSync(lock.file, 'utf8')).pid, process.pid);
    lock.release();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
