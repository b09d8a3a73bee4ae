import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { queueDeliveriesOf } from '../../src/config/study.ts';
import { UserError } from '../../src/core/errors.ts';
import { createStudy } from '../../src/search/index.ts';
import { TrialFailure, type TrialRunner } from '../../src/agent/index.ts';
import { evaluateObjective } from '../../src/objectives/index.ts';
import { studyKeys } from '../helpers/study-keys.ts';
import { BRANIN_SPACE, functionStudy, runStudy } from './harness.ts';

test('a study runs every trial once across agents, proposals as createStudy makes them', async () => {
  const config = functionStudy({ trials: 12 });
  const { outcome, events } = await runStudy(config, [{ name: 'a' }, { name: 'b', slots: 2 }, { name: 'c' }]);
  assert.equal(outcome.finished, true);
  assert.deepEqual(outcome.trials.map((t) => t.number), [...Array(12).keys()]);
  for (const trial of outcome.trials) {
    assert.equal(trial.state, 'complete');
    assert.equal(trial.value, evaluateObjective('branin', trial.params));
    assert.equal(trial.attempts.length, 1);
  }
  // Deterministic from (seed, history): the same points the search API proposes for this seed.
  const reference = createStudy({ space: BRANIN_SPACE, sampler: 'random', seed: 3, direction: 'minimize' });
  for (const trial of outcome.trials) assert.deepEqual(trial.params, reference.ask()!.params);
  const best = outcome.trials.reduce((a, b) => (b.value! < a.value! ? b : a));
  assert.equal(outcome.best?.id, best.id);
  const types = events.map((e) => e.type);
  assert.equal(types[0], 'study-started');
  assert.equal(types.at(-1), 'study-finished');
  assert.equal(types.filter((t) => t === 'trial-finished').length, 12);
  assert.ok(types.includes('agent-seen'));
});

test('a non-retryable failure fails the trial at once with the reason; the agent goes on', async () => {
  const runner: TrialRunner = {
    kind: 'in-process',
    async run(trial) {
      if (trial.number === 2) throw new TrialFailure('ResourceError: out of memory at batch size 1', false);
      return { value: evaluateObjective('branin', trial.params) };
    },
  };
  const { outcome } = await runStudy(functionStudy({ trials: 5 }), [{ name: 'solo', runner }]);
  assert.equal(outcome.finished, true);
  const failed = outcome.trials.find((t) => t.number === 2)!;
  assert.equal(failed.state, 'failed');
  assert.match(failed.error!, /out of memory at batch size 1/);
  assert.equal(failed.attempts.length, 1);
  assert.equal(outcome.trials.filter((t) => t.state === 'complete').length, 4);
});

test('retryable failures are retried with backoff, then failed with the history of attempts', async () => {
  let calls = 0;
  const runner: TrialRunner = {
    kind: 'in-process',
    async run(trial) {
      if (trial.number === 0) {
        calls += 1;
        throw new TrialFailure(`flaky failure ${calls}`, true);
      }
      return { value: 1 };
    },
  };
  const { outcome, events } = await runStudy(functionStudy({ trials: 2, maxAttempts: 3 }), [{ name: 'solo', runner }]);
  const trial = outcome.trials[0]!;
  assert.equal(calls, 3);
  assert.equal(trial.state, 'failed');
  assert.deepEqual(trial.attempts.map((a) => [a.attempt, a.outcome]), [[1, 'retry'], [2, 'retry'], [3, 'failed']]);
  assert.match(trial.error!, /flaky failure 3/);
  assert.equal(events.filter((e) => e.type === 'trial-requeued').length, 2);
});

test('an agent that goes silent is shown lost; its trial is redelivered and completes elsewhere', async () => {
  // A killed agent, simulated: a raw consumer takes the first trial, says it started, and then
  // is never heard of again (no renew, no ack, no heartbeat).
  const { createMemoryTransport } = await import('../../src/transport/index.ts');
  const { RESULT_QUEUE_OPTIONS, PROTOCOL_VERSION } = await import('../../src/transport/messages.ts');
  const { trialQueueName, resultQueueName, heartbeatSubject } = await import('../../src/transport/subjects.ts');
  const { envelopeCodec, StudyTrust } = await import('../../src/transport/auth/index.ts');
  const keys = studyKeys('unit');
  const ghostKey = keys.agent();
  const trust = new StudyTrust('unit', keys.signer.publicKey);
  // Heartbeats lapse (300 ms) before the lease does (800 ms): the agent is shown lost first.
  const config = functionStudy({ trials: 3, ackWaitMs: 800, agentLostMs: 300 });
  const transport = createMemoryTransport({ onInvalid: () => undefined });
  const ghostStop = new AbortController();
  const ghost = (async () => {
    const bus = transport.bus(envelopeCodec);
    const advert = { name: 'ghost', backend: 'wasm', slots: 1, busy: 1, gpus: 0, memoryBytes: 1, classes: ['cpu' as const], running: [], startedAt: 1 };
    bus.publish(heartbeatSubject('unit', 'ghost'), keys.bus({ v: PROTOCOL_VERSION, type: 'heartbeat', at: Date.now(), agent: advert }, ghostKey));
    const queue = await transport.workQueue(trialQueueName('unit', 'cpu'), envelopeCodec, { ackWaitMs: config.ackWaitMs, maxAttempts: config.maxAttempts });
    const results = await transport.workQueue(resultQueueName('unit'), envelopeCodec, RESULT_QUEUE_OPTIONS);
    for await (const { data: envelope } of queue.consume({ maxInFlight: 1, signal: ghostStop.signal })) {
      const data = trust.openTrial(envelope);
      await results.publish('ghost-start', keys.result({ v: PROTOCOL_VERSION, type: 'trial-started', study: 'unit', trialId: data.trialId, attempt: 1, agent: 'ghost', at: Date.now() }, ghostKey));
      return data.trialId; // never renews, never acks, never heartbeats again
    }
    return undefined;
  })();
  // The real agent joins a moment later, so the ghost takes the first trial.
  const run = runStudy(config, [], { transport, signer: keys.signer });
  const stolen = await ghost;
  const { Agent, inProcessRunner } = await import('../../src/agent/index.ts');
  const stop = new AbortController();
  const agent = new Agent({
    transport, name: 'alive', joins: [keys.agent()], slots: 1, capabilities: { backend: 'wasm', gpus: 0, memoryBytes: 2 ** 30, classes: ['cpu'] },
    runner: inProcessRunner(), heartbeatMs: config.heartbeatMs,
    queueSettings: async () => ({ ackWaitMs: config.ackWaitMs, maxAttempts: queueDeliveriesOf(config) }),
  });
  const agentRun = agent.run(stop.signal);
  const { outcome, events } = await run;
  stop.abort();
  ghostStop.abort();
  await agentRun;
  await transport.close();
  assert.equal(outcome.finished, true);
  const trial = outcome.trials.find((t) => t.id === stolen)!;
  assert.equal(trial.state, 'complete');
  assert.deepEqual(trial.attempts.map((a) => [a.agent, a.outcome]), [['ghost', 'lost'], ['alive', 'complete']]);
  assert.ok(events.some((e) => e.type === 'agent-lost' && e.name === 'ghost'));
  assert.ok(events.some((e) => e.type === 'trial-requeued' && e.trialId === stolen && /ghost/.test(e.reason)));
});

test('an agent that stops cleanly is shown as left, never lost, while the study goes on without it', async () => {
  const { createMemoryTransport } = await import('../../src/transport/index.ts');
  const { Agent, inProcessRunner } = await import('../../src/agent/index.ts');
  const { studyRecordCodec } = await import('../../src/transport/messages.ts');
  const { studyBucketName } = await import('../../src/transport/subjects.ts');
  // The study outlasts the lost-agent limit (200 ms) several times after the leaver has gone, so a
  // goodbye mistaken for silence would show up as agent-lost.
  const config = functionStudy({ trials: 8, agentLostMs: 200, heartbeatMs: 50 });
  const slow: TrialRunner = {
    kind: 'in-process',
    async run(trial) {
      await sleep(150);
      return { value: evaluateObjective('branin', trial.params) };
    },
  };
  const transport = createMemoryTransport({ onInvalid: () => undefined });
  const keys = studyKeys('unit');
  const leaverStop = new AbortController();
  let leaverTrials = 0;
  const leaverRunner: TrialRunner = {
    kind: 'in-process',
    async run(trial, options) {
      const result = await inProcessRunner().run(trial, options);
      leaverTrials += 1;
      leaverStop.abort(); // Ctrl-C once: finish what runs, then leave
      return result;
    },
  };
  const leaver = new Agent({
    transport, name: 'leaver', joins: [keys.agent()], slots: 1, capabilities: { backend: 'wasm', gpus: 0, memoryBytes: 2 ** 30, classes: ['cpu'] },
    runner: leaverRunner, heartbeatMs: config.heartbeatMs,
    queueSettings: async () => ({ ackWaitMs: config.ackWaitMs, maxAttempts: queueDeliveriesOf(config) }),
  }).run(leaverStop.signal);
  const { outcome, events } = await runStudy(config, [{ name: 'stays', runner: slow }], { transport, signer: keys.signer });
  await leaver;
  const { signedRecordCodec } = await import('../../src/transport/auth/index.ts');
  const kv = await transport.kv(studyBucketName('unit'), signedRecordCodec(studyRecordCodec, keys.signer));
  const record = (await kv.list('agent.')).map((e) => e.value).find((v) => v.type === 'agent' && v.info.name === 'leaver');
  await transport.close();
  assert.equal(outcome.finished, true);
  assert.equal(leaverTrials, 1);
  assert.equal(outcome.trials.filter((t) => t.attempts.at(-1)?.agent === 'leaver').length, 1);
  assert.deepEqual(events.filter((e) => (e.type === 'agent-left' || e.type === 'agent-lost') && e.name === 'leaver').map((e) => e.type), ['agent-left']);
  assert.ok(record && record.type === 'agent' && record.left === true && record.lost === false, `stored as left: ${JSON.stringify(record)}`);
});

test('reports reach the pruner; a prune command kills the trial, which ends pruned', async () => {
  // Trials report five steps of a loss-like value (branin studies minimise), so the pruner can rank them.
  const runner: TrialRunner = {
    kind: 'in-process',
    async run(trial, { onProgress, signal }) {
      const quality = 1 - 1 / (1 + Math.abs(Number(trial.params.x1)));
      for (let step = 0; step < 5; step++) {
        signal.throwIfAborted();
        onProgress({ fold: 0, folds: 1, epoch: step, epochs: 5, step, loss: 1 - quality, validationValue: quality, validationBalancedAccuracy: quality });
        await sleep(40, undefined, { signal });
      }
      return { value: quality };
    },
  };
  const config = functionStudy({
    trials: 10,
    parallelism: 1,
    pruner: { type: 'median', warmupSteps: 0, minTrials: 2 },
  });
  const { outcome, events } = await runStudy(config, [{ name: 'solo', runner }]);
  assert.equal(outcome.finished, true);
  const pruned = outcome.trials.filter((t) => t.state === 'pruned');
  assert.ok(pruned.length >= 1, `some trial pruned: ${outcome.trials.map((t) => t.state).join(',')}`);
  for (const trial of pruned) {
    assert.ok(trial.reports.length >= 1 && trial.reports.length < 5, 'stopped before the end');
    assert.equal(trial.attempts.at(-1)!.outcome, 'pruned');
    // What the UI shows of a pruned trial: the last value it reported before the prune.
    const finished = events.find((e) => e.type === 'trial-finished' && e.trialId === trial.id);
    assert.equal(finished?.type === 'trial-finished' && finished.value, trial.reports.at(-1)!.value);
  }
});

test('an unknown sampler, or an objective whose parameters the space lacks, is a ConfigError', async () => {
  const { resolveStrategies } = await import('../../src/coordinator/index.ts');
  assert.throws(() => functionStudy({ sampler: 'annealing' }), (e: unknown) => e instanceof UserError && /sampler/.test(e.message));
  assert.throws(
    () => resolveStrategies(functionStudy({ space: { x1: BRANIN_SPACE.x1 } })),
    (e: unknown) => e instanceof UserError && /needs parameters x2/.test(e.message),
  );
});

test('a trial whose agents keep vanishing is failed after maxAttempts + maxVanishings deliveries with the history of its attempts', async () => {
  const { createMemoryTransport } = await import('../../src/transport/index.ts');
  const { RESULT_QUEUE_OPTIONS, PROTOCOL_VERSION } = await import('../../src/transport/messages.ts');
  const { trialQueueName, resultQueueName } = await import('../../src/transport/subjects.ts');
  const { envelopeCodec, StudyTrust } = await import('../../src/transport/auth/index.ts');
  const keys = studyKeys('unit');
  const trust = new StudyTrust('unit', keys.signer.publicKey);
  // The dying agents' silence is noticed (600 ms) soon after the last lease lapses: until then the
  // max-deliveries notice is deferred, since its last attempt may still be running.
  const config = functionStudy({ trials: 1, maxAttempts: 1, maxVanishings: 1, ackWaitMs: 200, agentLostMs: 600, heartbeatMs: 100 });
  const transport = createMemoryTransport({ onInvalid: () => undefined });
  const stop = new AbortController();
  // Two agents in turn take the trial, say so, and die silently: no renew, no ack.
  const dying = (async () => {
    const queue = await transport.workQueue(trialQueueName('unit', 'cpu'), envelopeCodec, { ackWaitMs: config.ackWaitMs, maxAttempts: config.maxAttempts });
    const results = await transport.workQueue(resultQueueName('unit'), envelopeCodec, RESULT_QUEUE_OPTIONS);
    let taken = 0;
    for await (const { data: envelope, lease } of queue.consume({ maxInFlight: 2, signal: stop.signal })) {
      const data = trust.openTrial(envelope);
      taken += 1;
      await results.publish(`dying-${taken}`, keys.result({
        v: PROTOCOL_VERSION, type: 'trial-started', study: 'unit', trialId: data.trialId, attempt: lease.attempt, agent: `dying-${taken}`, at: Date.now(),
      }));
    }
    return taken;
  })();
  const { outcome } = await runStudy(config, [], { transport, signer: keys.signer });
  stop.abort();
  // Vanishings are no failures: one attempt (maxAttempts 1) would have failed it at the first death.
  assert.equal(await dying, 2, 'delivered exactly maxAttempts + maxVanishings times');
  await transport.close();
  const trial = outcome.trials[0]!;
  assert.equal(outcome.finished, true);
  assert.equal(trial.state, 'failed');
  assert.match(trial.error!, /(gave up after 2 deliveries|its agents vanished 2 times \(more than maxVanishings 1; raise it if agents come and go\)): #1 on dying-1: lost; #2 on dying-2: lost/);
});
