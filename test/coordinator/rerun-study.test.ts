// Issue 11: a whole study in which a trial runs twice. Agent `slow` takes trial #0 and stalls (its
// lease is never renewed, as when its event loop is blocked); the lease expires, `fast` runs the
// trial again as attempt 2 and finishes it; then `slow` reports attempt 1. Every result reaches the
// coordinator twice (each first acknowledgement is lost and the queue redelivers). The first
// result is kept, the late one is recorded and reported once, and nothing else runs twice.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { queueDeliveriesOf } from '../../src/config/study.ts';
import type { StudyEvent } from '../../src/core/events.ts';
import { runCoordinator, TrialStore } from '../../src/coordinator/index.ts';
import { Agent, type TrialRunner } from '../../src/agent/index.ts';
import { evaluateObjective } from '../../src/objectives/index.ts';
import { createMemoryTransport } from '../../src/transport/index.ts';
import { mintJoinCredential, newStudySigner } from '../../src/transport/auth/index.ts';
import { studyRecordCodec } from '../../src/transport/messages.ts';
import { signedRecordCodec } from '../../src/transport/auth/index.ts';
import { resultQueueName, studyBucketName } from '../../src/transport/subjects.ts';
import type { Transport, WorkQueue } from '../../src/transport/types.ts';
import { createPlainReporter } from '../../src/ui/index.ts';
import { functionStudy, WASM } from './harness.ts';

const SLOW_VALUE = 99;

/** `inner`, with the first delivery's lease of each consumed item never renewed (a stalled agent). */
function stallFirstLease(inner: Transport): Transport {
  let deliveries = 0;
  return {
    ...inner,
    async workQueue(name, codec, options) {
      const queue = await inner.workQueue(name, codec, options);
      return {
        ...queue,
        consume: (consumeOptions) => ({
          async *[Symbol.asyncIterator]() {
            for await (const delivery of queue.consume(consumeOptions)) {
              const stalled = ++deliveries === 1;
              yield stalled ? { data: delivery.data, lease: { ...delivery.lease, attempt: delivery.lease.attempt, renew: () => undefined } } : delivery;
            }
          },
        }),
      } as typeof queue;
    },
  };
}

/** `inner`, where the coordinator's first acknowledgement of every result is lost: each is delivered twice. */
function everyResultTwice(inner: Transport, study: string, counts: { first: number; again: number }): Transport {
  return {
    ...inner,
    async workQueue(name, codec, options) {
      const queue = await inner.workQueue(name, codec, options);
      if (name !== resultQueueName(study)) return queue;
      const twice: WorkQueue<typeof codec extends { decode(b: Uint8Array): infer T } ? T : never> = {
        ...queue,
        consume: (consumeOptions) => ({
          async *[Symbol.asyncIterator]() {
            for await (const delivery of queue.consume(consumeOptions)) {
              const { lease } = delivery;
              if (lease.attempt === 1) counts.first += 1;
              else counts.again += 1;
              yield lease.attempt === 1 ? { data: delivery.data, lease: { ...lease, attempt: lease.attempt, complete: async () => lease.retry(0) } } : delivery;
            }
          },
        }),
      };
      return twice as typeof queue;
    },
  };
}

test('a trial that ran twice keeps its first result; the late one is recorded and reported once', { timeout: 30_000 }, async () => {
  const config = functionStudy({ name: 'rerun', trials: 2, parallelism: 1, ackWaitMs: 300, agentLostMs: 5_000, heartbeatMs: 50, maxAttempts: 3 });
  const transport = createMemoryTransport({ onInvalid: () => undefined });
  const signer = newStudySigner(config.name);
  const events: StudyEvent[] = [];
  const waiters: Array<() => void> = [];
  const onEvent = (event: StudyEvent): void => {
    events.push(event);
    for (const wake of waiters.splice(0)) wake();
  };
  const until = async (what: string, seen: () => boolean): Promise<void> => {
    const deadline = Date.now() + 15_000;
    while (!seen()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  };
  const finished = (number: number) => () => events.some((e) => e.type === 'trial-finished' && e.trialId === trialIdOf(number));
  const trialIdOf = (number: number): string | undefined =>
    (events.find((e) => e.type === 'trial-created' && e.number === number) as { trialId: string } | undefined)?.trialId;
  const rerunSeen = () => events.some((e) => e.type === 'trial-rerun');

  // Trial #0: `slow` reports only after `fast` finished it. Trial #1 ends only once the late run
  // was recorded, so the study is still running when the late result arrives.
  const runner = (agent: string): TrialRunner => ({
    kind: 'in-process',
    async run(trial) {
      if (trial.number === 0 && agent === 'slow') {
        await until('trial #0 to finish on fast', finished(0));
        return { value: SLOW_VALUE };
      }
      if (trial.number === 1) await until('the late run to be recorded', rerunSeen);
      return { value: evaluateObjective('branin', trial.params) };
    },
  });
  const stop = new AbortController();
  const handBack = new AbortController();
  const logs: string[] = [];
  const startAgent = (name: string, view: Transport) =>
    new Agent({
      transport: view, name, joins: [mintJoinCredential(signer)], slots: 1, capabilities: WASM, runner: runner(name),
      heartbeatMs: config.heartbeatMs,
      queueSettings: async () => ({ ackWaitMs: config.ackWaitMs, maxAttempts: queueDeliveriesOf(config) }),
      log: (line) => logs.push(`${name}: ${line}`),
    }).run(stop.signal, handBack.signal);
  const agents = [startAgent('slow', stallFirstLease(transport))];
  const counts = { first: 0, again: 0 };
  const plain: string[] = [];
  const reporter = createPlainReporter({ write: (text) => plain.push(text) });
  try {
    const coordinating = runCoordinator(
      {
        config, transport: everyResultTwice(transport, config.name, counts), signer, mode: 'new', log: () => undefined,
        onEvent: (event) => (onEvent(event), reporter.onEvent(event)),
      },
      new AbortController().signal,
    );
    // `fast` joins once `slow` holds trial #0, so the redelivery is its.
    await until('slow to start trial #0', () => events.some((e) => e.type === 'trial-started' && e.agent === 'slow'));
    agents.push(startAgent('fast', transport));
    const outcome = await coordinating;

    assert.equal(outcome.finished, true);
    assert.deepEqual(outcome.trials.map((t) => t.state), ['complete', 'complete']);
    const [first] = outcome.trials;
    assert.equal(first!.value, evaluateObjective('branin', first!.params), 'the first result (fast, attempt 2) is kept');
    assert.notEqual(first!.value, SLOW_VALUE);
    assert.deepEqual(first!.attempts.map((a) => [a.attempt, a.agent, a.outcome]), [[1, 'slow', 'lost'], [2, 'fast', 'complete']]);

    const reruns = await new TrialStore(await transport.kv(studyBucketName(config.name), signedRecordCodec(studyRecordCodec, signer))).reruns();
    assert.deepEqual(reruns.map((r) => [r.trialId, r.attempt, r.agent, r.outcome, r.value]), [[first!.id, 1, 'slow', 'complete', SLOW_VALUE]]);
    assert.ok(counts.first > 0 && counts.again === counts.first, `every result was delivered twice (${counts.first} first deliveries, ${counts.again} again)`);
    assert.equal(events.filter((e) => e.type === 'trial-rerun').length, 1, 'the late run delivered twice is reported once');
    const text = plain.join('');
    assert.match(text, /trial #0 ran again \(2 runs\): attempt 1 on slow ended complete, value 99(\.0+)?; not applied, the first result is kept/);
    assert.equal(text.match(/ran again/g)?.length, 1);
  } finally {
    handBack.abort();
    stop.abort();
    await Promise.all(agents);
    await reporter.close();
    await transport.close();
  }
});
