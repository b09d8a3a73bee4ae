/**
 * Two studies with different lease settings on one real nats-server (issue 11). Study `longlease`
 * runs 5 s trials under a 20 s lease (its agents renew every 6.7 s, so not once per trial); study
 * `shortlease` starts later with a 2 s lease (short, yet long enough for its 50 ms trials on a loaded CI machine). With one shared trial queue the later coordinator
 * set ack_wait for both and `longlease`'s trials were redelivered and run twice. Each study now has
 * its own queues and consumer: each keeps its own ack_wait, nothing runs twice, and an agent that
 * joined only `shortlease` never receives a trial of `longlease`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { Agent, inProcessRunner, queueSettingsFromServer, type TrialRunner } from '../../src/agent/index.ts';
import { parseStudyConfig } from '../../src/config/study.ts';
import { runCoordinator } from '../../src/coordinator/index.ts';
import { connectNats, type Transport } from '../../src/transport/index.ts';
import { mintJoinCredential, newStudySigner, type StudySigner } from '../../src/transport/auth/index.ts';
import { trialQueueName } from '../../src/transport/subjects.ts';
import { natsSuite } from './helpers.ts';

const nats = natsSuite('two-studies');

function study(name: string, ackWaitMs: number, trials: number, delayMs: number) {
  return parseStudyConfig({
    name, seed: 3, sampler: 'random', trials, parallelism: 2,
    space: { x1: { type: 'float', low: -5, high: 10 }, x2: { type: 'float', low: 0, high: 15 } },
    objective: { function: 'branin', delayMs },
    ackWaitMs, maxAttempts: 3, retryDelayMs: 100, heartbeatMs: 200, agentLostMs: 20_000,
  });
}

/** An in-process runner that counts how often each trial (study/trialId) was run. */
function countingRunner(runs: Map<string, number>): TrialRunner {
  const inner = inProcessRunner();
  return {
    ...inner,
    run(trial, options) {
      const key = `${trial.study}/${trial.trialId}`;
      runs.set(key, (runs.get(key) ?? 0) + 1);
      return inner.run(trial, options);
    },
  };
}

function agent(transport: Transport, name: string, signers: StudySigner[], runs: Map<string, number>, stop: AbortSignal, log: string[]): Agent {
  return new Agent({
    transport, name, slots: 2, joins: signers.map((s) => mintJoinCredential(s)),
    capabilities: { backend: 'wasm', gpus: 0, memoryBytes: 2 ** 30, classes: ['cpu'] },
    runner: countingRunner(runs), heartbeatMs: 200,
    queueSettings: (studyName) => queueSettingsFromServer(transport, studyName, stop, () => undefined, 100),
    log: (line) => log.push(`${name}: ${line}`),
  });
}

test('two studies with different leases on one server: each keeps its own ack_wait and nothing runs twice', async () => {
  const long = study('longlease', 20_000, 4, 5_000);
  const short = study('shortlease', 2_000, 8, 50);
  const longSigner = newStudySigner('longlease');
  const shortSigner = newStudySigner('shortlease');
  const transports = await Promise.all([0, 1, 2, 3].map(() => connectNats({ servers: nats.server.url })));
  const [longSide, shortSide, bothAgentSide, shortAgentSide] = transports as [Transport, Transport, Transport, Transport];
  const stop = new AbortController();
  const runs = new Map<string, number>();
  const logs: string[] = [];
  const agents = [
    agent(bothAgentSide, 'both', [longSigner, shortSigner], runs, stop.signal, logs),
    agent(shortAgentSide, 'short-only', [shortSigner], runs, stop.signal, logs),
  ];
  const agentRuns = agents.map((a) => a.run(stop.signal).catch((error: unknown) => {
    if ((error as Error).name !== 'AbortError') throw error;
  }));
  try {
    const longRun = runCoordinator({ config: long, transport: longSide, signer: longSigner, mode: 'new', log: () => undefined }, AbortSignal.timeout(90_000));
    // The second coordinator starts while the first study's trials are running.
    await new Promise((resolve) => setTimeout(resolve, 800));
    const shortRun = runCoordinator({ config: short, transport: shortSide, signer: shortSigner, mode: 'new', log: () => undefined }, AbortSignal.timeout(90_000));
    const [longOutcome, shortOutcome] = await Promise.all([longRun, shortRun]);
    assert.equal(longOutcome.finished, true, logs.join('\n'));
    assert.equal(shortOutcome.finished, true, logs.join('\n'));

    // Each study's queue kept its coordinator's lease.
    const nc = await connect({ servers: nats.server.url });
    try {
      const jsm = await jetstreamManager(nc);
      assert.equal((await jsm.consumers.info(trialQueueName('longlease', 'cpu'), 'workers')).config.ack_wait, nanos(20_000));
      assert.equal((await jsm.consumers.info(trialQueueName('shortlease', 'cpu'), 'workers')).config.ack_wait, nanos(2_000));
    } finally {
      await nc.close();
    }

    // Nothing ran twice: one run and one attempt per trial, every trial complete.
    for (const outcome of [longOutcome, shortOutcome]) {
      for (const trial of outcome.trials) {
        assert.equal(trial.state, 'complete', `${trial.id}: ${trial.error ?? ''}`);
        assert.equal(trial.attempts.length, 1, `${trial.id} attempts: ${JSON.stringify(trial.attempts)}`);
      }
    }
    assert.equal(runs.size, 12);
    assert.deepEqual([...runs].filter(([, n]) => n !== 1), [], 'trials run more than once');
    // The short-only agent never saw a trial of the study it did not join.
    assert.equal([...runs.keys()].filter((k) => k.startsWith('longlease/')).length, 4);
    assert.deepEqual(logs.filter((l) => l.startsWith('short-only:') && /longlease/.test(l)), []);
    assert.ok(longOutcome.trials.every((t) => t.attempts[0]!.agent === 'both'), 'only the agent that joined longlease ran its trials');
  } finally {
    stop.abort();
    await Promise.all(agentRuns);
    await Promise.all(transports.map((t) => t.close()));
  }
});
