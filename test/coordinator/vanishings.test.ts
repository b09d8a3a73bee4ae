// "The agent vanished" is not "the trial failed": 20 agents killed mid-trial (cut off at once, no
// goodbye, no ack: their leases expire) in a 200-trial study fail no trial, even the one trial
// that kills its first 5 runners (more than maxAttempts 3, within maxVanishings 10).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { queueDeliveriesOf } from '../../src/config/study.ts';
import { createRng } from '../../src/core/rng.ts';
import { runCoordinator } from '../../src/coordinator/index.ts';
import { Agent, type TrialRunner } from '../../src/agent/index.ts';
import { evaluateObjective } from '../../src/objectives/index.ts';
import { createMemoryTransport } from '../../src/transport/index.ts';
import { mintJoinCredential, newStudySigner } from '../../src/transport/auth/index.ts';
import { severable } from '../helpers/severable-transport.ts';
import { countAttempts, enforceAttemptLimits } from '../../src/coordinator/attempt-budget.ts';
import { functionStudy, WASM } from './harness.ts';
import type { StoredTrial } from '../../src/transport/messages.ts';

const KILLS = 20;
const CURSED_TRIAL = 7;
const CURSED_KILLS = 5;

test('20 agent kills in a 200-trial study fail no trial; one trial survives 5 kills of its runners', { timeout: 240_000 }, async () => {
  const config = functionStudy({ trials: 200, maxAttempts: 3, ackWaitMs: 250, agentLostMs: 400, heartbeatMs: 50, retryDelayMs: 10 });
  assert.equal(config.maxVanishings, 10, 'the default bound');
  const transport = createMemoryTransport({ onInvalid: () => undefined });
  const signer = newStudySigner(config.name);
  const stop = new AbortController();
  const handBack = new AbortController();
  const rng = createRng(42);
  const runs: Array<Promise<void>> = [];
  let kills = 0;
  let cursedKills = 0;
  let serial = 0;

  const startAgent = (mortal: boolean): void => {
    const name = `${mortal ? 'mortal' : 'steady'}-${++serial}`;
    const view = severable(transport);
    const runner: TrialRunner = {
      kind: 'in-process',
      async run(trial, { signal }) {
        const cursed = trial.number === CURSED_TRIAL && cursedKills < CURSED_KILLS;
        if (mortal && kills < KILLS && (cursed || (kills - cursedKills < KILLS - CURSED_KILLS && rng.next() < 0.4))) {
          kills += 1;
          if (cursed) cursedKills += 1;
          view.sever(); // killed mid-trial: nothing more leaves this agent
          startAgent(true); // a replacement joins
          return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
        }
        return { value: evaluateObjective('branin', trial.params) };
      },
    };
    const agent = new Agent({
      transport: view.transport,
      name,
      joins: [mintJoinCredential(signer)],
      slots: 1,
      capabilities: WASM,
      runner,
      heartbeatMs: config.heartbeatMs,
      queueSettings: async () => ({ ackWaitMs: config.ackWaitMs, maxAttempts: queueDeliveriesOf(config) }),
    });
    runs.push(agent.run(stop.signal, handBack.signal).catch(() => undefined));
  };
  for (let i = 0; i < 4; i++) startAgent(true); // every agent is mortal, and each death brings a replacement

  const started = Date.now();
  try {
    const outcome = await runCoordinator({ config, transport, signer, mode: 'new', log: () => undefined }, new AbortController().signal);
    assert.equal(outcome.finished, true);
    assert.equal(kills, KILLS, 'every planned kill happened');
    assert.equal(cursedKills, CURSED_KILLS);
    assert.equal(outcome.trials.length, 200);
    const notComplete = outcome.trials.filter((t) => t.state !== 'complete');
    assert.deepEqual(notComplete.map((t) => `${t.number}: ${t.state} ${t.error ?? ''}`), [], 'no trial failed');
    const lost = outcome.trials.reduce((sum, t) => sum + countAttempts(t).vanishings, 0);
    assert.equal(lost, KILLS, 'each kill is one vanished attempt on record');
    const cursed = outcome.trials.find((t) => t.number === CURSED_TRIAL)!;
    assert.equal(countAttempts(cursed).vanishings, CURSED_KILLS);
    assert.equal(countAttempts(cursed).failures, 0);
    assert.equal(cursed.attempts.at(-1)!.outcome, 'complete');
    process.stderr.write(`# 200 trials, ${kills} kills: ${Date.now() - started} ms\n`);
  } finally {
    handBack.abort();
    stop.abort();
    await Promise.all(runs);
    await transport.close();
  }
});

test('the budgets: maxAttempts failed runs fail a trial; vanishings only past maxVanishings', () => {
  const limits = { maxAttempts: 3, maxVanishings: 2 };
  const trial = (outcomes: Array<'retry' | 'lost' | 'handed-back' | 'interrupted' | 'failed'>): StoredTrial =>
    ({
      v: 1, type: 'trial', id: 't', number: 0, state: 'waiting', params: {}, resources: { class: 'cpu', memoryBytes: 0 }, dispatches: 1, reports: [],
      createdAt: 0, updatedAt: 0,
      attempts: outcomes.map((outcome, i) => ({ attempt: i + 1, agent: `a${i}`, startedAt: 0, endedAt: 1, outcome })),
    }) as StoredTrial;
  assert.equal(enforceAttemptLimits(trial(['lost', 'retry', 'handed-back', 'retry']), limits).state, 'waiting');
  const failed = enforceAttemptLimits(trial(['retry', 'lost', 'retry', 'retry']), limits);
  assert.equal(failed.state, 'failed');
  assert.match(failed.error!, /^failed 3 times \(maxAttempts 3\): #1 on a0: retry; #2 on a1: lost/);
  assert.equal(enforceAttemptLimits(trial(['lost', 'interrupted']), limits).state, 'waiting');
  const vanished = enforceAttemptLimits(trial(['lost', 'interrupted', 'handed-back']), limits);
  assert.equal(vanished.state, 'failed');
  assert.match(vanished.error!, /^its agents vanished 3 times \(more than maxVanishings 2/);
});
