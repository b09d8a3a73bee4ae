// The Agent loop on the memory transport: its lifecycle (once only, draining, stopped) and that
// it keeps a trial's lease while the trial outlasts the queue's ackWait.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { Agent, type Capabilities, type TrialRunner } from '../../src/agent/index.ts';
import { IllegalTransitionError } from '../../src/core/errors.ts';
import { PROTOCOL_VERSION, RESULT_QUEUE_OPTIONS, type ResultMessage, type TrialMessage } from '../../src/transport/messages.ts';
import { envelopeCodec } from '../../src/transport/auth/index.ts';
import { studyKeys } from '../helpers/study-keys.ts';
import { resultQueueName, trialQueueName } from '../../src/transport/subjects.ts';
import { createMemoryTransport } from '../../src/transport/index.ts';
import type { Transport } from '../../src/transport/types.ts';

const keys = studyKeys('unit');
const WASM: Capabilities = { backend: 'wasm', gpus: 0, memoryBytes: 8 * 2 ** 30, classes: ['cpu'] };

function trialMessage(ackWaitMs: number): TrialMessage {
  return {
    v: PROTOCOL_VERSION, type: 'trial', study: 'unit', trialId: 't0', number: 0, params: { x: 1 },
    work: { kind: 'function', function: 'branin', delayMs: 0 }, resources: { class: 'cpu', memoryBytes: 0 },
    attemptOffset: 0, maxAttempts: 3, retryDelayMs: 10, ackWaitMs,
  };
}

/** A runner that counts its runs and finishes each when the test says (or after `holdMs`). */
function heldRunner(holdMs?: number): TrialRunner & { runs: number; release: () => void } {
  const waiting: Array<() => void> = [];
  const runner = {
    kind: 'in-process' as const,
    runs: 0,
    release: () => waiting.splice(0).forEach((wake) => wake()),
    async run() {
      runner.runs += 1;
      await (holdMs === undefined ? new Promise<void>((resolve) => waiting.push(resolve)) : sleep(holdMs));
      return { value: 0.5 };
    },
  };
  return runner;
}

function agentOn(transport: Transport, runner: TrialRunner, ackWaitMs: number, slots = 1): Agent {
  return new Agent({
    transport, name: 'a1', joins: [keys.agent()], slots, capabilities: WASM, runner, heartbeatMs: 1_000,
    queueSettings: async () => ({ ackWaitMs, maxAttempts: 3 }),
  });
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > 5_000) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** The outcome messages the agent sent for study `unit`. */
async function outcomes(transport: Transport): Promise<ResultMessage[]> {
  const queue = await transport.workQueue(resultQueueName('unit'), envelopeCodec, RESULT_QUEUE_OPTIONS);
  const found: ResultMessage[] = [];
  const stop = new AbortController();
  const gate = keys.gate();
  const reading = (async () => {
    for await (const { data, lease } of queue.consume({ maxInFlight: 100, signal: stop.signal })) {
      const admitted = gate.admitResult(data, lease.attempt);
      assert.ok(admitted.ok, `the agent's result verifies: ${admitted.ok || admitted.reason}`);
      if (admitted.message.type === 'trial-outcome') found.push(admitted.message);
      await lease.complete();
    }
  })();
  await sleep(100);
  stop.abort();
  await reading;
  return found;
}

test('an agent runs once: run() while running, or after it stopped, is an illegal transition', async () => {
  const transport = createMemoryTransport({ onInvalid: () => undefined });
  const agent = agentOn(transport, heldRunner(), 1_000);
  assert.equal(agent.state, 'idle');
  const stop = new AbortController();
  const running = agent.run(stop.signal);
  assert.equal(agent.state, 'running');
  await assert.rejects(agent.run(stop.signal), (error: unknown) => {
    assert.ok(error instanceof IllegalTransitionError);
    assert.equal(error.message, 'agent: illegal transition running -> running');
    return true;
  });
  assert.equal(agent.state, 'running', 'the refused second call leaves the first one serving');
  stop.abort();
  await running;
  assert.equal(agent.state, 'stopped');
  await assert.rejects(agent.run(new AbortController().signal), /agent: illegal transition stopped -> running/);
  await transport.close();
});

test('stop drains: the agent is draining while its trial finishes, then stopped', async () => {
  const transport = createMemoryTransport({ onInvalid: () => undefined });
  const queue = await transport.workQueue(trialQueueName('unit', 'cpu'), envelopeCodec, { ackWaitMs: 1_000, maxAttempts: 3 });
  await queue.publish('unit.t0.1', keys.trial(trialMessage(1_000)));
  const runner = heldRunner();
  const agent = agentOn(transport, runner, 1_000);
  const stop = new AbortController();
  const running = agent.run(stop.signal);
  await until(() => runner.runs === 1, 'the trial to start');
  stop.abort();
  assert.equal(agent.state, 'draining');
  await sleep(50);
  assert.equal(agent.state, 'draining', 'still waiting for the running trial');
  runner.release();
  await running;
  assert.equal(agent.state, 'stopped');
  assert.deepEqual((await outcomes(transport)).map((m) => m.type === 'trial-outcome' && m.outcome), ['complete']);
  await transport.close();
});

test('a queue that cannot open is retried with a bounded backoff while the other queues serve; failing settings too', async () => {
  const transport = createMemoryTransport({ onInvalid: () => undefined });
  const nativeQueue = trialQueueName('unit', 'native');
  let nativeFailures = 0;
  let settingsFailures = 0;
  // The native queue fails to open three times (say, a right the server refused), then opens.
  const flaky: Transport = {
    ...transport,
    workQueue: async (name, codec, options) => {
      if (name === nativeQueue && nativeFailures < 3) {
        nativeFailures++;
        throw new Error('permissions violation (test)');
      }
      return transport.workQueue(name, codec, options);
    },
  };
  const cpu = await transport.workQueue(trialQueueName('unit', 'cpu'), envelopeCodec, { ackWaitMs: 1_000, maxAttempts: 3 });
  const native = await transport.workQueue(nativeQueue, envelopeCodec, { ackWaitMs: 1_000, maxAttempts: 3 });
  await cpu.publish('unit.c.1', keys.trial({ ...trialMessage(1_000), trialId: 'c' }));
  await native.publish('unit.n.1', keys.trial({ ...trialMessage(1_000), trialId: 'n', resources: { class: 'native', memoryBytes: 0 } }));
  const ran: string[] = [];
  const runner: TrialRunner = { kind: 'in-process', run: async (trial) => (ran.push(trial.trialId), { value: 0.5 }) };
  const log: string[] = [];
  const agent = new Agent({
    transport: flaky, name: 'a1', joins: [keys.agent()], slots: 2, capabilities: { ...WASM, classes: ['cpu', 'native'] }, runner, heartbeatMs: 1_000,
    queueSettings: async () => {
      if (settingsFailures++ < 1) throw new Error('no connection (test)');
      return { ackWaitMs: 1_000, maxAttempts: 3 };
    },
    queueRetry: { firstMs: 20, maxMs: 80 },
    log: (line) => log.push(line),
  });
  const stop = new AbortController();
  const running = agent.run(stop.signal);
  await until(() => ran.length === 2, 'both trials to run');
  assert.equal(ran[0], 'c', 'the cpu queue served while the native one was failing');
  assert.equal(agent.state, 'running');
  const retries = log.filter((line) => line.startsWith('could not open'));
  assert.equal(retries.length, 4, log.join('\n'));
  assert.match(retries[0]!, /the queue settings of study unit: no connection \(test\); trying again in 0\.0 s/);
  assert.deepEqual(retries.slice(1).map((line) => line.match(/in ([\d.]+) s/)?.[1]), ['0.0', '0.0', '0.1'], 'doubling from 20 ms, bounded by 80 ms');
  assert.ok(retries.slice(1).every((line) => line.includes(`trial queue ${nativeQueue}: permissions violation (test)`)));
  stop.abort();
  await running;
  assert.equal(agent.state, 'stopped');
  assert.deepEqual((await outcomes(transport)).map((m) => m.type === 'trial-outcome' && `${m.trialId} ${m.outcome}`).sort(), ['c complete', 'n complete']);
  await transport.close();
});

test('an agent stopped while a queue keeps failing returns at once, stopped', async () => {
  const transport = createMemoryTransport({ onInvalid: () => undefined });
  const agent = new Agent({
    transport, name: 'a1', joins: [keys.agent()], slots: 1, capabilities: WASM, runner: heldRunner(), heartbeatMs: 1_000,
    queueSettings: async () => Promise.reject(new Error('no queue settings on the server')),
    queueRetry: { firstMs: 60_000, maxMs: 60_000 },
  });
  const stop = new AbortController();
  const running = agent.run(stop.signal);
  await sleep(50);
  assert.equal(agent.state, 'running', 'a failing queue does not end the agent');
  const stoppedAt = Date.now();
  stop.abort();
  await running;
  assert.ok(Date.now() - stoppedAt < 1_000, 'the backoff wait ends with stop');
  assert.equal(agent.state, 'stopped');
  await transport.close();
});

test('the lease is kept while a trial runs four times longer than ackWait: no redelivery, one attempt', async () => {
  const ackWaitMs = 150;
  const transport = createMemoryTransport({ onInvalid: () => undefined });
  const queue = await transport.workQueue(trialQueueName('unit', 'cpu'), envelopeCodec, { ackWaitMs, maxAttempts: 3 });
  await queue.publish('unit.t0.1', keys.trial(trialMessage(ackWaitMs)));
  // Two slots, so a redelivery (a lapsed lease) would be taken and run at once beside the first.
  const runner = heldRunner(4 * ackWaitMs);
  const agent = agentOn(transport, runner, ackWaitMs, 2);
  const stop = new AbortController();
  const running = agent.run(stop.signal);
  await until(() => runner.runs >= 1, 'the trial to start');
  await sleep(5 * ackWaitMs);
  stop.abort();
  await running;
  assert.equal(runner.runs, 1);
  const sent = await outcomes(transport);
  assert.deepEqual(sent.map((m) => m.type === 'trial-outcome' && `${m.outcome} attempt ${m.attempt}`), ['complete attempt 1']);
  await transport.close();
});
