import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { reportError } from '../src/cli/errors.ts';
import { parseConfig } from '../src/config/load.ts';
import { OutageError, UserError } from '../src/core/errors.ts';

function capture(error: unknown): { code: number; text: string } {
  let text = '';
  const code = reportError(error, (t) => (text += t));
  return { code, text };
}

test('user errors print what, where and what to do, without a stack trace', () => {
  const { code, text } = capture(new UserError('class "defect" has no images', { where: 'data/defect', hint: 'Add images.' }));
  assert.equal(code, 1);
  assert.equal(text, 'skewer: data/defect: class "defect" has no images\n  Add images.\n');
  assert.doesNotMatch(text, /at .*\.ts/);
});

test('config errors name every bad field by its zod path', () => {
  const schema = z.strictObject({ space: z.strictObject({ resolution: z.strictObject({ low: z.number().min(32) }) }) });
  let caught: unknown;
  try {
    parseConfig(schema, { space: { resolution: { low: 8 } }, extra: 1 }, 'study.yaml');
  } catch (error) {
    caught = error;
  }
  const { code, text } = capture(caught);
  assert.equal(code, 1);
  assert.match(text, /study\.yaml: invalid configuration/);
  assert.match(text, /space\.resolution\.low: .*32/);
  assert.match(text, /\(root\): .*extra/);
});

test('anything else is a bug and keeps its stack', () => {
  const { code, text } = capture(new TypeError('boom'));
  assert.equal(code, 70);
  assert.match(text, /internal error/);
  assert.match(text, /TypeError: boom\n\s+at /);
});

test('an outage prints the resume advice without a stack trace and exits 75, not as an internal error', () => {
  const { code, text } = capture(new OutageError('lost the NATS server for 10 min', { where: 'nats://h:4222', hint: 'Continue with `skewer search --resume s --server nats://h:4222`.' }));
  assert.equal(code, 75);
  assert.equal(text, 'skewer: nats://h:4222: lost the NATS server for 10 min\n  Continue with `skewer search --resume s --server nats://h:4222`.\n');
  assert.doesNotMatch(text, /internal error|at .*\.ts/);
});
