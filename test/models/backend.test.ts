// Backend selection: auto falls back to wasm here (the native packages are optional and absent) and
// says why; explicit preferences, SKEWER_BACKEND and idempotency behave as documented.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../src/core/index.ts';
import { OVERRIDDEN_WASM_KERNELS, backendPreferenceFromEnv, parseBackendPreference, selectBackend, wasmKernelStatus } from '../../src/models/index.ts';

test('auto picks wasm with our training kernels and explains why the native backends were not used', async () => {
  const saved = process.env.SKEWER_BACKEND;
  delete process.env.SKEWER_BACKEND;
  try {
    const info = await selectBackend('auto');
    assert.equal(info.name, 'wasm');
    assert.equal(tf.getBackend(), 'wasm');
    assert.equal(info.package, '@tensorflow/tfjs-backend-wasm');
    assert.equal(info.gpu, false);
    assert.equal(info.threads, 1);
    const rejectedNames = info.rejected.map((r) => r.name);
    assert.deepEqual(rejectedNames, ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-backend-webgpu', '@tensorflow/tfjs-node', 'cpu']);
    assert.match(info.rejected[0]!.reason, /not installed/);
    assert.match(info.versions['tfjs-backend-wasm'] ?? '', /^\d+\.\d+\.\d+/);
    assert.deepEqual(wasmKernelStatus().added, ['Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput']);
    assert.deepEqual(wasmKernelStatus().overridden.sort(), [...OVERRIDDEN_WASM_KERNELS].sort());
    assert.ok(OVERRIDDEN_WASM_KERNELS.includes('Conv2DBackpropInput') && OVERRIDDEN_WASM_KERNELS.includes('Tile') && OVERRIDDEN_WASM_KERNELS.includes('BatchMatMul'));
    assert.equal(await selectBackend('auto'), info, 'a second call returns the same selection');
  } finally {
    if (saved !== undefined) process.env.SKEWER_BACKEND = saved;
  }
});

test('cpu is used only when asked for, and switching back re-activates the earlier choice', async () => {
  const cpu = await selectBackend('cpu');
  assert.equal(cpu.name, 'cpu');
  assert.equal(tf.getBackend(), 'cpu');
  assert.match(cpu.reason, /requested/);
  const wasm = await selectBackend('wasm');
  assert.equal(tf.getBackend(), 'wasm');
  assert.equal(wasm.name, 'wasm');
});

test('asking for the native tensorflow backend where it is absent fails with the reasons', async () => {
  await assert.rejects(selectBackend('tensorflow'), (error: Error & { hint?: string }) => {
    assert.match(error.message, /no usable tfjs backend for 'tensorflow'/);
    assert.match(error.hint ?? '', /tfjs-node-gpu: not installed.*tfjs-node: not installed/);
    return true;
  });
});

test('SKEWER_BACKEND steers auto and a bad value is a clear user error', () => {
  assert.equal(backendPreferenceFromEnv({ SKEWER_BACKEND: 'cpu' }), 'cpu');
  assert.equal(backendPreferenceFromEnv({}), 'auto');
  assert.throws(() => backendPreferenceFromEnv({ SKEWER_BACKEND: 'gpu' }), (error: UserError) => {
    assert.ok(error instanceof UserError);
    assert.equal(error.where, 'SKEWER_BACKEND');
    assert.match(error.hint ?? '', /auto, tensorflow, webgpu, wasm, cpu/);
    return true;
  });
  assert.throws(() => parseBackendPreference('webgl'), /unknown backend 'webgl'/);
});
