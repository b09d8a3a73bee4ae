/**
 * Integration helpers: `skewer` subcommands as real separate processes (node + tsx, no wrapper,
 * so a SIGKILL hits the process itself), with their output collected and awaitable, and study
 * files written to a temp folder.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { stringify } from 'yaml';
import { loadStudySigner, openStudyReader, studyDir, type StoredTrial } from '../../src/coordinator/index.ts';
import { encodeJoinToken, mintJoinCredential } from '../../src/transport/auth/index.ts';
import { connectNats } from '../../src/transport/index.ts';
import { startTestNatsServer, type TestNatsServer } from '../helpers/nats-server.ts';

const RUN = path.resolve('src/cli/run.ts');
/** tsx's loader by absolute URL: the processes run in temp folders, where `--import tsx` would not resolve. */
const TSX = import.meta.resolve('tsx');

export interface SkewerProcess {
  readonly child: ChildProcess;
  readonly name: string;
  /** stdout and stderr lines so far. */
  readonly lines: string[];
  /** Resolves with the first line matching `pattern` (seen before or after the call). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  count(pattern: RegExp): number;
}

export function spawnSkewer(name: string, args: readonly string[], cwd: string): SkewerProcess {
  const child = spawn(process.execPath, ['--import', TSX, RUN, ...args], {
    cwd,
    env: { ...process.env, CI: '1', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters = new Set<{ pattern: RegExp; resolve: (line: string) => void }>();
  const onText = (stream: NodeJS.ReadableStream): void => {
    let pending = '';
    stream.setEncoding('utf8');
    stream.on('data', (text: string) => {
      pending += text;
      const parts = pending.split('\n');
      pending = parts.pop()!;
      for (const line of parts) {
        lines.push(line);
        if (process.env.SKEWER_TEST_VERBOSE) process.stderr.write(`[${name}] ${line}\n`);
        for (const waiter of waiters) {
          if (waiter.pattern.test(line)) {
            waiters.delete(waiter);
            waiter.resolve(line);
          }
        }
      }
    });
  };
  onText(child.stdout!);
  onText(child.stderr!);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    name,
    lines,
    exited,
    count: (pattern) => lines.filter((line) => pattern.test(line)).length,
    waitFor(pattern, timeoutMs = 90_000) {
      const seen = lines.find((line) => pattern.test(line));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const waiter = { pattern, resolve: (line: string) => (clearTimeout(timer), resolve(line)) };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`${name}: no line matching ${pattern} within ${timeoutMs} ms; last lines:\n${lines.slice(-15).join('\n')}`));
        }, timeoutMs);
        waiters.add(waiter);
        void exited.then(() => {
          if (!waiters.has(waiter)) return;
          waiters.delete(waiter);
          clearTimeout(timer);
          reject(new Error(`${name} exited before a line matching ${pattern}; last lines:\n${lines.slice(-15).join('\n')}`));
        });
      });
    },
  };
}

/** Stops processes that are still running (SIGTERM: agents hand back their trials) and waits. */
export async function stopAll(processes: readonly SkewerProcess[]): Promise<void> {
  for (const p of processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
  await Promise.all(processes.map((p) => p.exited));
}

export function tempDir(label: string): string {
  return mkdtempSync(path.join(tmpdir(), `skewer-${label}-`));
}

/**
 * The setting of a test file: one real nats-server (started before its tests, stopped after them)
 * and a temp folder removed after them.
 */
export function natsSuite(label: string): { readonly server: TestNatsServer; readonly dir: string } {
  let server: TestNatsServer | undefined;
  const dir = tempDir(label);
  before(async () => {
    server = await startTestNatsServer();
  });
  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir,
    get server() {
      if (!server) throw new Error('the nats-server of this suite starts in its before() hook');
      return server;
    },
  };
}

/** A branin study with test-sized timings; `overrides` replace top-level fields. */
export function writeFunctionStudy(dir: string, name: string, overrides: Record<string, unknown> = {}): string {
  const study = {
    name,
    seed: 11,
    sampler: 'random',
    trials: 30,
    objective: { function: 'branin', delayMs: 100 },
    space: { x1: { type: 'float', low: -5, high: 10 }, x2: { type: 'float', low: 0, high: 15 } },
    maxAttempts: 4,
    ackWaitMs: 3_000,
    retryDelayMs: 200,
    heartbeatMs: 250,
    agentLostMs: 2_000,
    ...overrides,
  };
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, stringify(study));
  return file;
}

/**
 * `--join TOKEN` for `study`, made the way an owner prepares a study before starting it: the
 * coordinator key goes to `<cwd>/.skewer/<study>/coordinator.nk`, where `skewer search` run in
 * `cwd` finds and uses it, so agents can be started before the coordinator.
 */
export function joinArgs(cwd: string, study: string): string[] {
  const signer = loadStudySigner(study, studyDir(study, cwd), true);
  return ['--join', encodeJoinToken(mintJoinCredential(signer))];
}

export function startAgents(url: string, names: readonly string[], cwd: string, extra: readonly string[] = []): SkewerProcess[] {
  return names.map((name) => spawnSkewer(name, ['agent', '--server', url, '--name', name, '--heartbeat-ms', '250', ...extra], cwd));
}

export async function readTrials(url: string, study: string): Promise<StoredTrial[]> {
  const transport = await connectNats({ servers: url });
  try {
    return await (await openStudyReader({ study, transport })).trials();
  } finally {
    await transport.close();
  }
}

/**
 * Every trial numbered 0..n-1 once, complete with a value, and exactly one attempt of each ended
 * `complete` (a second result for a finished trial changes nothing, so two would be a bug).
 */
export function assertAllCompleteOnce(trials: readonly StoredTrial[], n: number): void {
  assert.deepEqual(
    trials.map((t) => t.number),
    Array.from({ length: n }, (_, i) => i),
    'trial numbers 0..n-1, none lost or duplicated',
  );
  for (const trial of trials) {
    assert.equal(trial.state, 'complete', `trial ${trial.id}: ${trial.state} ${trial.error ?? ''}`);
    assert.ok(Number.isFinite(trial.value), `trial ${trial.id} has a value`);
    assert.equal(trial.attempts.filter((a) => a.outcome === 'complete').length, 1, `trial ${trial.id} completed once: ${JSON.stringify(trial.attempts)}`);
  }
}

/** How many times agents reported finishing each trial (from their per-trial log lines). */
export function completionsPerTrial(agents: readonly SkewerProcess[], study: string): Map<string, number> {
  const counts = new Map<string, number>();
  const pattern = new RegExp(`trial ${study}/(\\d+) attempt \\d+ complete`);
  for (const agent of agents) {
    for (const line of agent.lines) {
      const match = pattern.exec(line);
      if (match) counts.set(match[1]!, (counts.get(match[1]!) ?? 0) + 1);
    }
  }
  return counts;
}
