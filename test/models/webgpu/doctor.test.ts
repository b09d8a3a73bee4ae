// `skewer doctor --backend webgpu` on the software GPU: it lists Dawn's adapters with their
// limits, names the software one as the one that trains, and says auto will not use it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { MISSING_GPU_HINT } from './require-gpu.ts';

test('doctor --backend webgpu names the software adapter, its limits, and why auto passes it over', () => {
  const { SKEWER_BACKEND: _unset, ...env } = process.env;
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', 'doctor', '--backend', 'webgpu', '--json'], { encoding: 'utf8', env, timeout: 120_000 });
  assert.equal(run.status, 0, `${/no usable tfjs backend/.test(run.stderr) ? MISSING_GPU_HINT : ''}\n${run.stderr.slice(-2000)}`);
  const report = JSON.parse(run.stdout);
  assert.equal(report.backend.name, 'webgpu');
  assert.equal(report.backend.adapter.software, true);
  assert.match(`${report.backend.adapter.device} ${report.backend.adapter.description}`, /llvmpipe|lavapipe|swiftshader/i);
  const software = report.webgpu.adapters.filter((a: { software: boolean }) => a.software);
  assert.ok(software.length >= 1, JSON.stringify(report.webgpu.adapters));
  for (const adapter of report.webgpu.adapters) {
    assert.ok(adapter.maxStorageBufferBindingSize > 0 && adapter.maxBufferSize >= adapter.maxStorageBufferBindingSize, JSON.stringify(adapter));
    assert.ok(['vulkan', 'opengles'].includes(adapter.dawnBackend));
  }
  assert.match(report.webgpu.auto, /auto does not use webgpu: only software adapters/);
  assert.match(report.webgpu.byName, /--backend webgpu trains on software adapter/);
  assert.equal(report.backend.gpu, false, 'a software adapter does not count as a GPU');
});
