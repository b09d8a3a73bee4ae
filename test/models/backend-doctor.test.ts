// `skewer doctor` end to end: the CLI reports the chosen backend, the reasons for the others,
// threads, versions and the machine; SKEWER_BACKEND steers it and a bad --backend is a user error.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { test } from 'node:test';

function doctor(args: string[], env: Record<string, string> = {}) {
  const { SKEWER_BACKEND: _unset, ...base } = process.env;
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', 'doctor', ...args], { encoding: 'utf8', env: { ...base, ...env } });
}

test('doctor --json describes the wasm backend, why the native ones were skipped, versions and machine', () => {
  const run = doctor(['--json']);
  assert.equal(run.status, 0, run.stderr);
  const report = JSON.parse(run.stdout);
  assert.equal(report.backend.name, 'wasm');
  assert.equal(report.backend.threads, 1);
  assert.deepEqual(report.backend.rejected.map((r: { name: string }) => r.name), ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-backend-webgpu', '@tensorflow/tfjs-node', 'cpu']);
  assert.ok(report.wasmKernels.added.includes('Conv2DBackpropFilter'));
  for (const name of ['node', 'tfjs-core', 'tfjs-backend-wasm', 'sharp']) assert.match(report.versions[name], /^\d+\.\d+\.\d+/, name);
  assert.equal(report.machine.cpus, cpus().length);
  assert.ok(report.machine.totalMemoryBytes > 0);
  assert.equal(report.suggestedTrialProcesses, cpus().length);
});

test('doctor prints a readable report and honours SKEWER_BACKEND; a bad --backend says what to use', () => {
  const text = doctor([], { SKEWER_BACKEND: 'cpu' });
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /^backend\s+cpu \(@tensorflow\/tfjs-backend-cpu\)/m);
  assert.match(text.stdout, /requested \(cpu\)/);
  const bad = doctor(['--backend', 'gpu']);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /--backend: unknown backend 'gpu'/);
  assert.match(bad.stderr, /auto, tensorflow, webgpu, wasm, cpu/);
  assert.doesNotMatch(bad.stderr, /\n\s+at /, 'no stack trace');
});
