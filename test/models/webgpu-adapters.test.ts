// Adapter choice and the webgpu memory rules, without a GPU: stubbed adapter lists and limits.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { ResourceError } from '../../src/core/index.ts';
import {
  assertFitsBackend,
  candidateOrder,
  gpuMemory,
  isSoftwareAdapter,
  largestTensorBytes,
  parseGpuMemory,
  pickAdapter,
  releaseBackends,
  selectBackend,
  stubWebgpuForTests,
  type GpuAdapter,
} from '../../src/models/index.ts';
import { parseNvidiaSmi } from '../../src/models/gpu-memory.ts';
import { requireWebgpu } from './webgpu/require-gpu.ts';

const GIB = 2 ** 30;
const llvmpipe: GpuAdapter = {
  dawnBackend: 'opengles',
  featureLevel: 'compatibility',
  vendor: '',
  architecture: '',
  device: 'llvmpipe-llvm-15-0-6-256-bits-',
  description: 'OpenGL version OpenGL ES 3.2 Mesa 22.3.6',
  software: true,
  maxBufferSize: 2 * GIB,
  maxStorageBufferBindingSize: 128 * 2 ** 20,
};
const h200: GpuAdapter = {
  dawnBackend: 'vulkan',
  featureLevel: 'core',
  vendor: 'nvidia',
  architecture: 'hopper',
  device: 'NVIDIA H200',
  description: 'NVIDIA: 550.54',
  software: false,
  maxBufferSize: 64 * GIB,
  maxStorageBufferBindingSize: 4 * GIB - 4,
};

afterEach(() => releaseBackends());

test('software adapters are recognised by name or by the fallback flag', () => {
  assert.equal(isSoftwareAdapter({ device: 'llvmpipe (LLVM 15.0.6, 256 bits)' }), true);
  assert.equal(isSoftwareAdapter({ description: 'Mesa lavapipe' }), true);
  assert.equal(isSoftwareAdapter({ vendor: 'google', description: 'SwiftShader Device (Subzero)' }), true);
  assert.equal(isSoftwareAdapter({ description: 'NVIDIA H200', isFallbackAdapter: true }), true);
  assert.equal(isSoftwareAdapter({ vendor: 'nvidia', device: 'NVIDIA H200' }), false);
});

test('the hardware adapter wins; a software one is used only when allowed, and no adapter says why', () => {
  assert.equal(pickAdapter([llvmpipe, h200], { allowSoftware: false }).adapter, h200);
  const refused = pickAdapter([llvmpipe], { allowSoftware: false });
  assert.equal(refused.adapter, null);
  assert.match(refused.reason, /only software adapters.*llvmpipe|only software adapters.*Mesa/);
  assert.equal(pickAdapter([llvmpipe], { allowSoftware: true }).adapter, llvmpipe);
  assert.match(pickAdapter([], { allowSoftware: true }).reason, /no adapter/);
});

test('auto tries tfjs-node-gpu, webgpu, tfjs-node, wasm in that order; webgpu by name is webgpu alone', () => {
  assert.deepEqual(candidateOrder('auto'), ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-backend-webgpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-backend-wasm']);
  assert.deepEqual(candidateOrder('webgpu'), ['@tensorflow/tfjs-backend-webgpu']);
});

test('auto never activates a software adapter (stubbed list) and takes a hardware one', async () => {
  const activated: GpuAdapter[] = [];
  const restore = stubWebgpuForTests(async () => [llvmpipe], async (adapter) => void activated.push(adapter));
  try {
    const info = await selectBackend('auto');
    assert.equal(info.name, 'wasm');
    assert.equal(activated.length, 0, 'the software adapter was not activated');
    assert.match(info.rejected.find((r) => r.name === '@tensorflow/tfjs-backend-webgpu')?.reason ?? '', /only software adapters/);
    releaseBackends();
    const named = await selectBackend('webgpu');
    assert.equal(activated.length, 1, '--backend webgpu may use the software adapter');
    assert.equal(activated[0], llvmpipe);
    assert.equal(named.gpu, false, 'a software adapter is no GPU');
  } finally {
    restore();
  }
  releaseBackends();
  const restoreHardware = stubWebgpuForTests(async () => [llvmpipe, h200], async (adapter) => void activated.push(adapter));
  try {
    const info = await selectBackend('auto');
    assert.equal(info.name, 'webgpu');
    assert.equal(info.adapter, h200);
    assert.equal(info.gpu, true);
  } finally {
    restoreHardware();
  }
});

test('GPU memory: the flag, then nvidia-smi, then a stated default; software adapters use system memory', () => {
  assert.equal(gpuMemory({ software: false, env: { SKEWER_GPU_MEMORY: '24' } }).bytes, 24 * GIB);
  assert.deepEqual(parseNvidiaSmi('143771, 1024\n143771, 512\n'), [142747 * 2 ** 20, 143259 * 2 ** 20]);
  const nvidia = gpuMemory({ software: false, env: {}, nvidia: () => [80 * GIB, 70 * GIB] });
  assert.deepEqual(nvidia, { bytes: 70 * GIB, source: 'nvidia-smi (free memory)' });
  const fallback = gpuMemory({ software: false, env: {}, nvidia: () => null });
  assert.equal(fallback.bytes, 8 * GIB);
  assert.match(fallback.source, /assumed default 8 GiB/);
  assert.match(gpuMemory({ software: true, env: {} }).source, /system memory/);
  assert.throws(() => parseGpuMemory('lots'), /--gpu-memory must be a positive number of GiB, got 'lots'/);
});

test('webgpu: a tensor over maxStorageBufferBindingSize or a step over GPU memory fails up front with numbers', () => {
  const big = { maxStorageBufferBindingSize: h200.maxStorageBufferBindingSize, memoryBytes: 139 * GIB, memorySource: 'nvidia-smi (free memory)' };
  assert.doesNotThrow(() => assertFitsBackend('densenet121', { resolution: 224, batchSize: 16, backend: 'webgpu', gpu: big }));
  const small = { maxStorageBufferBindingSize: llvmpipe.maxStorageBufferBindingSize, memoryBytes: 139 * GIB, memorySource: 'test' };
  const largest = largestTensorBytes('densenet201', { resolution: 600, batchSize: 8 });
  assert.ok(largest > small.maxStorageBufferBindingSize, `largest tensor ${largest}`);
  assert.throws(
    () => assertFitsBackend('densenet201', { resolution: 600, batchSize: 8, backend: 'webgpu', gpu: small }),
    (error: ResourceError) => {
      assert.ok(error instanceof ResourceError);
      assert.match(error.message, /largest tensor \(\d+ MiB\) exceeds the GPU adapter's maxStorageBufferBindingSize \(128 MiB\)/);
      assert.match(error.hint ?? '', /use batch size \d+ or less|smaller resolution/);
      return true;
    },
  );
  const eightGib = { ...big, memoryBytes: 8 * GIB, memorySource: 'assumed default 8 GiB' };
  assert.throws(() => assertFitsBackend('densenet201', { resolution: 600, batchSize: 8, backend: 'webgpu', gpu: eightGib }), /does not fit the GPU: estimated [\d.]+ GiB > 8.00 GiB \(assumed default 8 GiB\)/);
});

test('where Dawn finds no adapter, the webgpu tests fail naming the packages to install (they never skip)', async () => {
  const restore = stubWebgpuForTests(async () => [], async () => assert.fail('nothing to activate'));
  try {
    await assert.rejects(requireWebgpu(), (error: Error) => {
      assert.match(error.message, /the webgpu tests need a WebGPU adapter/);
      assert.match(error.message, /apt-get install libegl1 libegl-mesa0 libgles2 libgl1-mesa-dri/);
      assert.match(error.message, /Dawn finds no adapter/);
      return true;
    });
  } finally {
    restore();
  }
});
