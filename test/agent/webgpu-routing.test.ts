// A webgpu agent with a (stubbed) hardware adapter advertises it, defaults to one slot per GPU's
// worth of classes, and receives the DenseNet-201 600 px trial that a wasm agent never takes; a
// software adapter takes cpu trials only and is never chosen by auto.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkedCapabilities, classesFor, webgpuCapabilities, type Capabilities, type TrialRunner } from '../../src/agent/index.ts';
import { parseStudyConfig } from '../../src/config/study.ts';
import { UserError } from '../../src/core/errors.ts';
import type { GpuAdapter } from '../../src/models/webgpu-adapters.ts';
import { runStudy, WASM } from '../coordinator/harness.ts';

const GIB = 2 ** 30;
const hardware: GpuAdapter = {
  dawnBackend: 'vulkan', featureLevel: 'core', vendor: 'nvidia', architecture: 'hopper', device: 'NVIDIA H200', description: 'NVIDIA H200',
  software: false, maxBufferSize: 64 * GIB, maxStorageBufferBindingSize: 4 * GIB - 4,
};
const llvmpipe: GpuAdapter = {
  dawnBackend: 'opengles', featureLevel: 'compatibility', vendor: '', architecture: '', device: 'llvmpipe', description: 'OpenGL ES 3.2 Mesa 22.3.6',
  software: true, maxBufferSize: 2 * GIB, maxStorageBufferBindingSize: 128 * 2 ** 20,
};
const wasmOnly = (): Capabilities => ({ backend: 'wasm', gpus: 0, memoryBytes: 8 * GIB, classes: ['cpu'] });

test('auto: a hardware adapter makes a webgpu agent that advertises it; a software one is passed over, named it is cpu-only', async () => {
  const env = { SKEWER_GPU_MEMORY: '139' };
  const gpu = webgpuCapabilities(hardware, 1, env);
  assert.equal(gpu.backend, 'webgpu');
  assert.deepEqual(gpu.classes, ['cpu', 'native', 'gpu']);
  assert.deepEqual(gpu.gpu, { name: 'NVIDIA H200, vendor nvidia (vulkan)', memoryBytes: 139 * GIB, software: false });

  const logs: string[] = [];
  const auto = await checkedCapabilities('auto', { detect: wasmOnly, adapters: async () => [llvmpipe, hardware], countGpus: () => 2, log: (l) => logs.push(l) });
  assert.equal(auto.backend, 'webgpu');
  assert.equal(auto.gpus, 2, 'one slot per GPU by default');
  assert.equal(auto.gpu?.software, false);

  const passedOver = await checkedCapabilities('auto', { detect: wasmOnly, adapters: async () => [llvmpipe], countGpus: () => 0, log: (l) => logs.push(l) });
  assert.equal(passedOver.backend, 'wasm');
  assert.match(logs.join('\n'), /webgpu not used: only software adapters/);

  const named = await checkedCapabilities('webgpu', { detect: wasmOnly, adapters: async () => [llvmpipe], countGpus: () => 0 });
  assert.equal(named.gpus, 0);
  assert.deepEqual(named.classes, ['cpu'], 'a software GPU takes no gpu-sized trials');
  assert.equal(named.gpu?.software, true);
  await assert.rejects(checkedCapabilities('webgpu', { detect: wasmOnly, adapters: async () => [] }), (e: unknown) => e instanceof UserError && /--backend webgpu: Dawn finds no adapter/.test(e.message));
  assert.deepEqual(classesFor('webgpu', 0), ['cpu']);
});

test('routing: the DenseNet-201 600 px trial goes to the hardware-GPU webgpu agent, never to the wasm one', async () => {
  const config = parseStudyConfig({
    name: 'seedtask',
    trials: 2,
    space: { resolution: { type: 'categorical', values: [600] } },
    base: { dataset: { path: '/nonexistent/parts' }, backbone: 'densenet201', batchSize: 8 },
    ackWaitMs: 300,
    heartbeatMs: 50,
    agentLostMs: 400,
  });
  const ranOn: string[] = [];
  const runnerFor = (agent: string): TrialRunner => ({
    kind: 'in-process',
    async run(trial) {
      ranOn.push(`${agent}:${trial.resources.class}`);
      return { value: 0.5 };
    },
  });
  const gpuAgent = webgpuCapabilities(hardware, 1, { SKEWER_GPU_MEMORY: '139' });
  const { outcome, events } = await runStudy(config, [
    { name: 'wasm-agent', capabilities: WASM, runner: runnerFor('wasm-agent') },
    { name: 'gpu-agent', capabilities: gpuAgent, runner: runnerFor('gpu-agent') },
  ]);
  assert.equal(outcome.finished, true);
  assert.deepEqual(ranOn, ['gpu-agent:gpu', 'gpu-agent:gpu']);
  assert.ok(outcome.trials.every((t) => t.state === 'complete' && t.resources.class === 'gpu'));
  const seen = events.filter((e) => e.type === 'agent-seen' && e.agent.name === 'gpu-agent');
  assert.ok(seen.length >= 1);
  const advertised = seen[0]!.type === 'agent-seen' ? seen[0]!.agent.gpu : undefined;
  assert.deepEqual(advertised, { name: 'NVIDIA H200, vendor nvidia (vulkan)', memoryBytes: 139 * GIB, software: false });
});
