/** @jsxRuntime automatic */
// The agents panel shows a webgpu agent's adapter (name, memory, `sw` for a software GPU).
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { cleanup, render } from 'ink-testing-library';
import type { AgentInfo } from '../../src/core/events.ts';
import { AgentsPanel, gpuLabel } from '../../src/ui/tui/AgentsPanel.tsx';

afterEach(() => cleanup());

const base: AgentInfo = { name: 'gpu-box', backend: 'webgpu', slots: 1, busy: 1, gpus: 1, memoryBytes: 2 ** 36, lastHeartbeat: 1_000, lost: false, left: false };

test('a webgpu agent row names its adapter and memory; a software one is marked sw; wasm rows have none', () => {
  const agents: AgentInfo[] = [
    { ...base, gpu: { name: 'NVIDIA H200, vendor nvidia (vulkan)', memoryBytes: 139 * 2 ** 30, software: false } },
    { ...base, name: 'ci', gpu: { name: 'OpenGL ES 3.2 Mesa 22.3.6 (opengles, software)', memoryBytes: 24 * 2 ** 30, software: true } },
    { ...base, name: 'laptop', backend: 'wasm', gpus: 0 },
  ];
  const frame = render(<AgentsPanel agents={agents} now={2_000} width={100} />).lastFrame() ?? '';
  const lines = frame.split('\n');
  assert.match(lines.find((l) => l.includes('gpu-box')) ?? '', /webgpu .*139G NVIDIA H200/);
  assert.match(lines.find((l) => l.includes('ci')) ?? '', /sw 24G OpenGL ES 3\.2/);
  assert.doesNotMatch(lines.find((l) => l.includes('laptop')) ?? '', /\d+G/);
  assert.equal(gpuLabel({ name: 'X (vulkan)', memoryBytes: 8 * 2 ** 30, software: false }), '8G X');
});
