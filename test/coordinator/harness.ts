/**
 * In-process studies for coordinator tests: the memory transport, the real coordinator, real
 * Agent loops, and trial runners scripted per test (the child-process runner has its own tests).
 */
import type { StudyEvent } from '../../src/core/events.ts';
import { parseStudyConfig, queueDeliveriesOf, type StudyConfig, type StudyConfigInput } from '../../src/config/study.ts';
import { runCoordinator, type CoordinatorOptions, type StudyOutcome } from '../../src/coordinator/index.ts';
import { Agent, inProcessRunner, type AgentOptions, type TrialRunner } from '../../src/agent/index.ts';
import type { Capabilities } from '../../src/agent/index.ts';
import { createMemoryTransport } from '../../src/transport/index.ts';
import type { Transport } from '../../src/transport/types.ts';
import { mintJoinCredential, newStudySigner } from '../../src/transport/auth/index.ts';

export const BRANIN_SPACE = {
  x1: { type: 'float', low: -5, high: 10 },
  x2: { type: 'float', low: 0, high: 15 },
} as const;

export function functionStudy(overrides: Partial<StudyConfigInput> = {}): StudyConfig {
  return parseStudyConfig({
    name: 'unit',
    seed: 3,
    sampler: 'random',
    trials: 8,
    space: BRANIN_SPACE,
    objective: { function: 'branin', delayMs: 0 },
    ackWaitMs: 300,
    retryDelayMs: 10,
    heartbeatMs: 50,
    agentLostMs: 400,
    ...overrides,
  });
}

export const WASM: Capabilities = { backend: 'wasm', gpus: 0, memoryBytes: 8 * 2 ** 30, classes: ['cpu'] };

export interface TestAgent {
  readonly name: string;
  readonly runner?: TrialRunner;
  readonly slots?: number;
  readonly capabilities?: Capabilities;
  readonly resolveDataset?: AgentOptions['resolveDataset'];
}

export interface StudyRun {
  readonly outcome: StudyOutcome;
  readonly events: StudyEvent[];
  readonly agentLogs: string[];
}

/** Runs `config` to the end with in-process agents over one memory transport. */
export async function runStudy(
  config: StudyConfig,
  agents: readonly TestAgent[],
  options: Partial<CoordinatorOptions> & { transport?: Transport; signal?: AbortSignal } = {},
): Promise<StudyRun> {
  const transport = options.transport ?? createMemoryTransport({ onInvalid: () => undefined });
  // The study's key, made here unless the test plays other parties of the study with its own.
  const signer = options.signer ?? newStudySigner(config.name);
  const events: StudyEvent[] = [];
  const agentLogs: string[] = [];
  const stop = new AbortController();
  const handBack = new AbortController();
  const running = agents.map((spec) =>
    new Agent({
      transport,
      name: spec.name,
      joins: [mintJoinCredential(signer)],
      slots: spec.slots ?? 1,
      capabilities: spec.capabilities ?? WASM,
      runner: spec.runner ?? inProcessRunner(),
      ...(spec.resolveDataset && { resolveDataset: spec.resolveDataset }),
      heartbeatMs: config.heartbeatMs,
      queueSettings: async () => ({ ackWaitMs: config.ackWaitMs, maxAttempts: queueDeliveriesOf(config) }),
      log: (line) => agentLogs.push(`${spec.name}: ${line}`),
    }).run(stop.signal, handBack.signal),
  );
  try {
    const outcome = await runCoordinator(
      { config, transport, mode: 'new', onEvent: (e) => events.push(e), log: () => undefined, ...options, signer },
      options.signal ?? new AbortController().signal,
    );
    return { outcome, events, agentLogs };
  } finally {
    handBack.abort();
    stop.abort();
    await Promise.all(running);
    if (!options.transport) await transport.close();
  }
}
