import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UserError } from '../../src/core/errors.ts';
import { checkedCapabilities, classesFor, type AgentBackend, type Capabilities } from '../../src/agent/index.ts';
import { probeBackend } from '../../src/agent/backend-probe.ts';

test('the probe really activates a backend in a child process: wasm loads here, tfjs-node is not installed', async () => {
  assert.deepEqual(await probeBackend('wasm'), { ok: true });
  const native = await probeBackend('tensorflow');
  assert.equal(native.ok, false);
  assert.match(!native.ok ? native.reason : '', /not installed/);
});

/** A machine where the native package resolves (so detection says tensorflow) but may not load. */
function nativeMachine(wanted: AgentBackend): Capabilities {
  const backend = wanted === 'wasm' || wanted === 'cpu' ? wanted : 'tensorflow';
  return { backend, gpus: 0, memoryBytes: 2 ** 34, classes: classesFor(backend, 0) };
}

test('a native backend that is installed but does not load: auto falls back to wasm and says why; asked by name it is an error', async () => {
  const broken = async () => ({ ok: false as const, reason: 'libtensorflow.so: cannot open shared object file' });
  const logs: string[] = [];
  const fallback = await checkedCapabilities('auto', { detect: nativeMachine, probe: broken, log: (l) => logs.push(l) });
  assert.equal(fallback.backend, 'wasm');
  assert.deepEqual(fallback.classes, ['cpu'], 'it no longer takes native trials');
  assert.match(logs.join('\n'), /installed but does not load \(libtensorflow\.so: cannot open shared object file\); this agent runs trials on wasm/);
  await assert.rejects(
    checkedCapabilities('tensorflow', { detect: nativeMachine, probe: broken }),
    (error: unknown) => error instanceof UserError && /--backend tensorflow: .*does not load/.test(error.message),
  );
  // A native backend that loads is advertised as detected; a wasm agent is not probed at all.
  const working = await checkedCapabilities('auto', { detect: nativeMachine, probe: async () => ({ ok: true }) });
  assert.deepEqual(working.classes, ['cpu', 'native']);
  const unprobed = await checkedCapabilities('wasm', { detect: nativeMachine, probe: () => assert.fail('wasm needs no probe') });
  assert.equal(unprobed.backend, 'wasm');
});

test('an embedded search runs one local agent per core on wasm/cpu, one per GPU on webgpu, one on tfjs-node', async () => {
  const { defaultLocalAgents } = await import('../../src/agent/index.ts');
  assert.equal(defaultLocalAgents({ backend: 'wasm', gpus: 0 }, 8).agents, 8);
  assert.match(defaultLocalAgents({ backend: 'wasm', gpus: 0 }, 2).why, /one per core: wasm trains a trial on one core, 2 here/);
  assert.equal(defaultLocalAgents({ backend: 'cpu', gpus: 0 }, 0).agents, 1, 'at least one');
  assert.equal(defaultLocalAgents({ backend: 'webgpu', gpus: 4 }, 64).agents, 4);
  assert.equal(defaultLocalAgents({ backend: 'webgpu', gpus: 0 }, 64).agents, 1);
  assert.equal(defaultLocalAgents({ backend: 'tensorflow', gpus: 0 }, 16).agents, 1);
});
