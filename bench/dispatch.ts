/**
 * `npm run bench:dispatch`: how fast the engine hands out trials. No-delay Branin trials over a
 * real nats-server on loopback with 1, 4 and 16 agents; per setting: trials/s, the coordinator's
 * own CPU time per trial (this process runs only the coordinator), the latency from a trial's
 * creation to its result being stored, and the scaling efficiency (throughput ratio / agent ratio).
 *
 * Agents run in one separate process (bench/dispatch-agents.ts), each with its own connection,
 * and evaluate trials IN-PROCESS: real agents fork a child per trial (the `child-process` row, one
 * agent, shows what that costs), which would swamp the dispatch path being measured here.
 *
 * Flags: --trials 200 --agents 1,4,16 --child-trials 10 (0 skips the child-process row)
 */
import { encodeJoinToken, mintJoinCredential, newStudySigner } from '../src/transport/auth/index.ts';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { StudyEvent } from '../src/core/events.ts';
import { parseStudyConfig } from '../src/config/study.ts';
import { runCoordinator } from '../src/coordinator/index.ts';
import { connectNats, startNatsServer } from '../src/transport/index.ts';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const trials = Number(flag('trials', '200'));
const agentCounts = flag('agents', '1,4,16').split(',').map(Number);
const childTrials = Number(flag('child-trials', '10'));
const TSX = import.meta.resolve('tsx');

interface Row {
  readonly agents: number;
  readonly runner: 'in-process' | 'child-process';
  readonly trials: number;
  readonly seconds: number;
  readonly trialsPerSecond: number;
  readonly coordinatorCpuMsPerTrial: number;
  readonly latencyMeanMs: number;
  readonly latencyP95Ms: number;
  scalingEfficiency?: number;
}

function startAgents(url: string, count: number, childProcess: boolean, token: string): Promise<() => Promise<void>> {
  const args = childProcess
    ? ['src/cli/run.ts', 'agent', '--server', url, '--name', `bench-child-${count}`, '--heartbeat-ms', '500', '--join', token]
    : ['bench/dispatch-agents.ts', url, String(count), token];
  const child = spawn(process.execPath, ['--import', TSX, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    child.kill('SIGTERM');
    await exited;
  };
  const ready = childProcess ? 'joined' : 'ready';
  return new Promise((resolve, reject) => {
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (text: string) => {
      if (text.includes(ready)) resolve(stop);
    });
    child.once('exit', (code) => reject(new Error(`agents exited with ${code} before joining`)));
  });
}

async function measure(url: string, agents: number, count: number, runner: Row['runner']): Promise<Row> {
  const config = parseStudyConfig({
    name: `dispatch-${runner}-${agents}-${process.pid}`,
    seed: agents,
    trials: count,
    space: { x1: { type: 'float', low: -5, high: 10 }, x2: { type: 'float', low: 0, high: 15 } },
    objective: { function: 'branin', delayMs: 0 },
    ackWaitMs: 30_000,
    heartbeatMs: 500,
    agentLostMs: 5_000,
    // Keep every agent fed: a trial queued behind each running one.
    parallelism: agents * 2,
  });
  // The study's key stays in this process; agents join with a token, as `skewer agent --join` does.
  const signer = newStudySigner(config.name);
  const stopAgents = await startAgents(url, agents, runner === 'child-process', encodeJoinToken(mintJoinCredential(signer)));
  const transport = await connectNats({ servers: url, name: 'bench-coordinator' });
  const created = new Map<string, number>();
  const latencies: number[] = [];
  const onEvent = (event: StudyEvent): void => {
    if (event.type === 'trial-created') created.set(event.trialId, performance.now());
    if (event.type === 'trial-finished') latencies.push(performance.now() - created.get(event.trialId)!);
  };
  try {
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const outcome = await runCoordinator({ config, transport, signer, mode: 'new', onEvent, log: () => undefined }, new AbortController().signal);
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const complete = outcome.trials.filter((t) => t.state === 'complete').length;
    if (complete !== count) throw new Error(`${complete}/${count} trials complete`);
    latencies.sort((a, b) => a - b);
    return {
      agents,
      runner,
      trials: count,
      seconds: round(seconds),
      trialsPerSecond: round(count / seconds),
      coordinatorCpuMsPerTrial: round((cpu.user + cpu.system) / 1000 / count),
      latencyMeanMs: round(latencies.reduce((a, b) => a + b, 0) / latencies.length),
      latencyP95Ms: round(latencies[Math.floor(latencies.length * 0.95)]!),
    };
  } finally {
    await transport.close();
    await stopAgents();
  }
}

const round = (value: number): number => Math.round(value * 100) / 100;

const store = mkdtempSync(path.join(tmpdir(), 'skewer-bench-dispatch-'));
const server = await startNatsServer({ storeDir: store, port: 0, host: '127.0.0.1' });
const rows: Row[] = [];
try {
  for (const agents of agentCounts) {
    process.stderr.write(`${agents} agent(s), ${trials} trials…\n`);
    rows.push(await measure(server.url, agents, trials, 'in-process'));
  }
  const base = rows.find((r) => r.agents === 1) ?? rows[0]!;
  for (const row of rows) row.scalingEfficiency = round(row.trialsPerSecond / base.trialsPerSecond / (row.agents / base.agents));
  if (childTrials > 0) {
    process.stderr.write(`1 agent with a child process per trial, ${childTrials} trials…\n`);
    rows.push(await measure(server.url, 1, childTrials, 'child-process'));
  }
} finally {
  await server.stop();
  rmSync(store, { recursive: true, force: true });
}

const header = ['agents', 'runner', 'trials', 'seconds', 'trials/s', 'coord CPU ms/trial', 'latency mean ms', 'p95 ms', 'scaling eff.'];
const table = rows.map((r) => [r.agents, r.runner, r.trials, r.seconds, r.trialsPerSecond, r.coordinatorCpuMsPerTrial, r.latencyMeanMs, r.latencyP95Ms, r.scalingEfficiency ?? '-'].map(String));
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
const line = (cells: string[]): string => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
process.stdout.write(`${line(header)}\n${table.map(line).join('\n')}\n`);
process.stdout.write(
  'scaling eff. = (trials/s with N agents / trials/s with 1) / N; agents evaluate no-delay trials in-process,\n' +
    'so this is the dispatch ceiling (coordinator + NATS + agent loop), not training throughput.\n',
);
mkdirSync('bench/results', { recursive: true });
const result = {
  benchmark: 'dispatch',
  date: new Date().toISOString(),
  node: process.version,
  cpus: (await import('node:os')).cpus().length,
  notes: 'agents in one separate process, in-process trial evaluation (no child per trial) except the child-process row; loopback nats-server',
  rows,
};
writeFileSync('bench/results/dispatch.json', `${JSON.stringify(result, null, 2)}\n`);
process.stdout.write('wrote bench/results/dispatch.json\n');
