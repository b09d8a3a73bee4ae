/**
 * `npm run bench:coordinator`: does the coordinator's CPU per trial stay flat as a study grows (issue
 * 14)? A study of near-zero-cost Branin trials runs through the real coordinator and one in-process
 * agent (4 slots) on the memory transport, with the study journaled to disk as `skewer search` does;
 * the process's CPU time (user + system) is sampled at every finished trial, and the CPU per trial is
 * reported in windows around 100, 500 and 1,000 finished trials, per sampler.
 *
 * The process runs the agent too, but an in-process agent's work per trial (one Branin evaluation and
 * its messages) does not grow with the study; `random` proposes in O(1), so its row is the
 * coordinator's own overhead (store, snapshots, journal, events), and tpe/gp add their asks.
 *
 * Flags: --trials 1000 --samplers random,tpe,gp --window 50 --parallelism 4
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseStudyConfig, queueDeliveriesOf } from '../src/config/study.ts';
import { Agent, inProcessRunner } from '../src/agent/index.ts';
import { journaledKv, runCoordinator } from '../src/coordinator/index.ts';
import { createMemoryTransport } from '../src/transport/index.ts';
import { mintJoinCredential, newStudySigner } from '../src/transport/auth/index.ts';
import { studyRecordCodec } from '../src/transport/messages.ts';
import { studyBucketName } from '../src/transport/subjects.ts';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const trials = Number(flag('trials', '1000'));
const samplers = flag('samplers', 'random,tpe,gp').split(',');
const half = Math.max(1, Math.floor(Number(flag('window', '50')) / 2));
const parallelism = Number(flag('parallelism', '4'));
const centres = [100, 500, 1000].filter((c) => c <= trials);

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function measure(sampler: string): Promise<{ sampler: string; seconds: number; windows: Record<number, number> }> {
  const config = parseStudyConfig({
    name: `coord-cpu-${sampler}-${process.pid}`,
    seed: 1,
    trials,
    sampler,
    space: { x1: { type: 'float', low: -5, high: 10 }, x2: { type: 'float', low: 0, high: 15 } },
    objective: { function: 'branin', delayMs: 0 },
    parallelism,
  });
  const signer = newStudySigner(config.name);
  const transport = createMemoryTransport();
  const dir = mkdtempSync(path.join(tmpdir(), 'skewer-bench-coord-'));
  const kv = journaledKv(await transport.kv(studyBucketName(config.name), studyRecordCodec), dir);
  const stop = new AbortController();
  const agent = new Agent({
    transport, name: 'bench', joins: [mintJoinCredential(signer)], slots: parallelism,
    capabilities: { backend: 'wasm', gpus: 0, memoryBytes: 2 ** 30, classes: ['cpu'] },
    runner: inProcessRunner(), heartbeatMs: config.heartbeatMs,
    queueSettings: async () => ({ ackWaitMs: config.ackWaitMs, maxAttempts: queueDeliveriesOf(config) }),
  });
  const agentRun = agent.run(stop.signal);
  const at: number[] = [cpuMs()]; // at[k]: CPU ms when k trials had finished
  const started = performance.now();
  try {
    const outcome = await runCoordinator(
      { config, transport, signer, kv, mode: 'new', log: () => undefined, agentsStopWithUs: true, onEvent: (e) => { if (e.type === 'trial-finished') at.push(cpuMs()); } },
      new AbortController().signal,
    );
    const complete = outcome.trials.filter((t) => t.state === 'complete').length;
    if (complete !== trials) throw new Error(`${sampler}: ${complete}/${trials} trials complete`);
  } finally {
    stop.abort();
    await agentRun;
    await transport.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const windows: Record<number, number> = {};
  for (const c of centres) {
    const lo = Math.max(0, c - half);
    const hi = Math.min(at.length - 1, c + half);
    windows[c] = Math.round(((at[hi]! - at[lo]!) / (hi - lo)) * 100) / 100;
  }
  return { sampler, seconds: Math.round((performance.now() - started) / 100) / 10, windows };
}

const rows = [];
for (const s of samplers) {
  process.stderr.write(`${s}: ${trials} trials…\n`);
  rows.push(await measure(s));
}
const last = centres[centres.length - 1]!;
process.stdout.write(`CPU ms per finished trial (window ±${half} trials), coordinator + in-process agent, ${parallelism} in flight\n`);
process.stdout.write(`sampler  ${centres.map((c) => `@${c}`.padStart(8)).join('')}  ratio @${last}/@${centres[0]}   seconds\n`);
for (const r of rows) {
  const ratio = Math.round((r.windows[last]! / r.windows[centres[0]!]!) * 100) / 100;
  process.stdout.write(`${r.sampler.padEnd(8)} ${centres.map((c) => String(r.windows[c]).padStart(8)).join('')}  ${String(ratio).padStart(14)}  ${String(r.seconds).padStart(8)}\n`);
}
