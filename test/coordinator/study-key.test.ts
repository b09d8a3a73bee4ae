// The coordinator key file: made 0600 on first use, the same key after, refused when others may read it.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { coordinatorKeyPath, loadStudySigner } from '../../src/coordinator/index.ts';
import { UserError } from '../../src/core/errors.ts';

test('the study key is made once with mode 0600, reused, and refused when readable by others or missing', () => {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), 'skewer-key-')), '.skewer', 'alpha');
  try {
    assert.throws(() => loadStudySigner('alpha', dir, false), (e: unknown) => e instanceof UserError && /no coordinator key here/.test(e.message));
    const made = loadStudySigner('alpha', dir, true);
    assert.match(made.publicKey, /^A[A-Z2-7]{55}$/);
    assert.equal(statSync(coordinatorKeyPath(dir)).mode & 0o777, 0o600);
    assert.equal(loadStudySigner('alpha', dir, true).publicKey, made.publicKey, 'the same key on the next run');
    chmodSync(coordinatorKeyPath(dir), 0o644);
    assert.throws(() => loadStudySigner('alpha', dir, true), (e: unknown) => e instanceof UserError && /may be read by others/.test(e.message) && /chmod 600/.test(e.hint ?? ''));
  } finally {
    rmSync(path.dirname(path.dirname(dir)), { recursive: true, force: true });
  }
});
