/**
 * Whether a tfjs backend really loads on this machine, checked in a child process (the agent never
 * loads tfjs itself). An installed @tensorflow/tfjs-node whose native library is missing or broken
 * resolves like a good one; an agent that advertised it would take native trials and fail them all.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { GpuAdapter } from '../models/webgpu-adapters.ts';

export type ProbeResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };
export type BackendProbe = (backend: 'tensorflow' | 'webgpu' | 'wasm' | 'cpu') => Promise<ProbeResult>;
/** Dawn's GPU adapters on this machine (an empty list where Dawn finds none or does not load). */
export type AdapterProbe = () => Promise<GpuAdapter[]>;

const PROBE_MODULE = fileURLToPath(new URL('./probe-child.ts', import.meta.url));
const PROBE_TIMEOUT_MS = 120_000;

export const probeBackend: BackendProbe = (backend) => {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', import.meta.resolve('tsx'), PROBE_MODULE, backend],
      { timeout: PROBE_TIMEOUT_MS, maxBuffer: 1 << 20 },
      (error, stdout, stderr) => {
        const line = stdout.trim().split('\n').at(-1) ?? '';
        try {
          const answer = JSON.parse(line) as { ok: boolean; name?: string; reason?: string };
          if (answer.ok && answer.name === backend) return resolve({ ok: true });
          if (answer.ok) return resolve({ ok: false, reason: `asked for ${backend}, got ${answer.name}` });
          return resolve({ ok: false, reason: answer.reason ?? 'unknown reason' });
        } catch {
          // No answer line: the process crashed (a native library can abort it) or timed out.
          const why = error?.killed ? `timed out after ${PROBE_TIMEOUT_MS / 1000} s` : `the check process failed: ${(stderr.trim().split('\n').at(-1) ?? '') || error?.message || 'no output'}`;
          return resolve({ ok: false, reason: why });
        }
      },
    );
  });
};

/** Lists Dawn's adapters in a child process (the agent never loads Dawn: it holds a process alive). */
export const probeAdapters: AdapterProbe = () => {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', import.meta.resolve('tsx'), PROBE_MODULE, 'adapters'], { timeout: PROBE_TIMEOUT_MS, maxBuffer: 1 << 20 }, (_error, stdout) => {
      try {
        const answer = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as { ok: boolean; adapters?: GpuAdapter[] };
        resolve(answer.ok && answer.adapters ? answer.adapters : []);
      } catch {
        resolve([]); // the child crashed or timed out: no usable adapter
      }
    });
  });
};
