// Batch progress over a real nats-server: a running image trial (real tfjs on tiny synthetic images,
// in the agent's process) says where it is inside each epoch with signed `batch` messages, and the
// coordinator turns them into live `trial-batch` events. A client without the study's credential
// forges batch messages for the running trial (unsigned, self-granted) and replays a genuine one it
// overheard: each is refused with a logged reason and no event comes of it.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { connect } from '@nats-io/transport-node';
import { Agent, inProcessRunner } from '../../src/agent/index.ts';
import type { StudyEvent } from '../../src/core/events.ts';
import { parseStudyConfig, queueDeliveriesOf } from '../../src/config/study.ts';
import { runCoordinator } from '../../src/coordinator/index.ts';
import { writeSyntheticDataset } from '../../src/data/index.ts';
import { connectNats, type InvalidMessage } from '../../src/transport/index.ts';
import { envelopeCodec, mintJoinCredential, newStudySigner, sealBus, type Envelope } from '../../src/transport/auth/index.ts';
import { PROTOCOL_VERSION, type BusMessage } from '../../src/transport/messages.ts';
import { reportSubject, reportSubjectsOf } from '../../src/transport/subjects.ts';
import { natsSuite } from './helpers.ts';

const nats = natsSuite('nats-batch');
const STUDY = 'batches';
/** A batch count no real epoch here has: an event carrying it came from a forgery. */
const FORGED_BATCHES = 999;

async function until(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !condition(); ) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('a running image trial’s batch progress reaches the coordinator’s events over NATS; forged and replayed batches are refused', { timeout: 120_000 }, async () => {
  const data = path.join(nats.dir, 'data');
  await writeSyntheticDataset({ out: data, images: 40, minorityFraction: 0.25, size: 32, seed: 9 });
  // 2 folds × 2 epochs, about 19 training images per fold in batches of 4.
  const config = parseStudyConfig({
    name: STUDY, seed: 2, sampler: 'random', trials: 1, parallelism: 1,
    base: {
      dataset: { path: data, minorityClass: 'defect' },
      seed: 1, folds: 2, holdout: 2, backbone: 'small-cnn', resolution: 32, batchSize: 4, epochs: 2, backend: 'wasm',
    },
    space: { learningRate: { type: 'float', low: 0.001, high: 0.003, log: true } },
    maxAttempts: 2, ackWaitMs: 30_000, retryDelayMs: 200, heartbeatMs: 300, agentLostMs: 20_000,
  });
  const signer = newStudySigner(STUDY);
  const url = nats.server.url;
  // The coordinator's transport drops what is not even an envelope; its handler says so here.
  const dropped: InvalidMessage[] = [];
  const [coordinatorSide, agentSide] = await Promise.all([
    connectNats({ servers: url, onInvalid: (message) => dropped.push(message) }),
    connectNats({ servers: url }),
  ]);
  const nc = await connect({ servers: url });
  const mallory = newStudySigner(STUDY);
  const malloryAgent = mintJoinCredential(mallory);
  const overheard: Envelope[] = [];
  const sub = nc.subscribe(reportSubjectsOf(STUDY), {
    callback: (_, m) => {
      if (!new TextDecoder().decode(m.data).startsWith('{"auth"')) return; // its own unsigned forgery
      const envelope = envelopeCodec.decode(m.data);
      if (envelope.signer !== malloryAgent.publicKey && (JSON.parse(envelope.payload) as BusMessage).type === 'batch') overheard.push(envelope);
    },
  });

  const events: StudyEvent[] = [];
  const coordinatorLog: string[] = [];
  const batches = () => events.filter((e): e is Extract<StudyEvent, { type: 'trial-batch' }> => e.type === 'trial-batch');
  const stop = new AbortController();
  const agent = new Agent({
    transport: agentSide, name: 'trainer', joins: [mintJoinCredential(signer)], slots: 1,
    capabilities: { backend: 'wasm', gpus: 0, memoryBytes: 2 ** 30, classes: ['cpu'] },
    runner: inProcessRunner(),
    heartbeatMs: config.heartbeatMs,
    queueSettings: async () => ({ ackWaitMs: config.ackWaitMs, maxAttempts: queueDeliveriesOf(config) }),
    log: () => undefined,
  });
  const agentRun = agent.run(stop.signal);
  const coordinatorStop = new AbortController();
  const study = runCoordinator(
    { config, transport: coordinatorSide, signer, mode: 'new', log: (line) => coordinatorLog.push(line), onEvent: (event) => void events.push(event) },
    coordinatorStop.signal,
  );
  try {
    // The first batch of the first epoch shows while the trial runs, before any epoch report.
    await until(() => batches().length >= 1 && overheard.length >= 1, 'the first trial-batch event');
    const first = batches()[0]!;
    assert.equal(first.attempt, 1);
    assert.deepEqual({ ...first.batch, batches: 0 }, { fold: 0, folds: 2, epoch: 0, epochs: 2, batch: 1, batches: 0 });
    const perEpoch = first.batch.batches;
    assert.ok(perEpoch >= 3 && perEpoch < FORGED_BATCHES, `batches an epoch: ${perEpoch}`);
    const firstReport = events.findIndex((e) => e.type === 'trial-progress');
    assert.ok(firstReport < 0 || events.indexOf(first) < firstReport, 'the batch came inside the first epoch, before its report');

    const trialId = first.trialId;
    const forged: BusMessage = {
      v: PROTOCOL_VERSION, type: 'batch', study: STUDY, trialId, attempt: 1, agent: 'trainer',
      batch: { fold: 1, folds: 2, epoch: 1, epochs: 2, batch: 4, batches: FORGED_BATCHES },
    };
    const subject = reportSubject(STUDY, trialId);
    nc.publish(subject, JSON.stringify(forged)); // unsigned
    nc.publish(subject, JSON.stringify(sealBus(malloryAgent, forged, Date.now()))); // granted by its own "coordinator"
    nc.publish(subject, envelopeCodec.encode(overheard[0]!)); // a genuine batch, replayed
    const refusals = () => coordinatorLog.filter((line) => line.startsWith(`rejected a message on ${subject}: `));
    await until(() => refusals().length >= 2 && dropped.some((d) => d.source === `bus ${subject}`), 'the three forgeries refused', 30_000);

    const result = await study;
    assert.equal(result.finished, true);
    assert.equal(result.trials[0]?.state, 'complete', JSON.stringify(result.trials[0]?.error));
    const logs = refusals().join('\n');
    assert.match(dropped.find((d) => d.source === `bus ${subject}`)!.reason, /invalid message: .*Unrecognized keys: "v", "type"/s, 'the unsigned one is not an envelope');
    assert.match(logs, /no grant from this study's coordinator/);
    assert.match(logs, /replayed batch \(nonce seen before\)/);
    assert.ok(!batches().some((e) => e.batch.batches === FORGED_BATCHES), 'no forged batch became an event');
    // Genuine progress of both folds and both epochs arrived, in order, always before the epoch's own report.
    const seen = batches().map((e) => [e.batch.fold, e.batch.epoch, e.batch.batch]);
    for (const [fold, epoch] of [[0, 0], [0, 1], [1, 0], [1, 1]]) assert.ok(seen.some(([f, ep]) => f === fold && ep === epoch), `fold ${fold} epoch ${epoch}: ${JSON.stringify(seen)}`);
    assert.ok(batches().every((e) => e.trialId === trialId && e.attempt === 1 && e.batch.batches === perEpoch && e.batch.batch < perEpoch), JSON.stringify(seen));
    const order = events.filter((e) => e.type === 'trial-batch' || e.type === 'trial-progress').map((e) => (e.type === 'trial-batch' ? `b${e.batch.fold}.${e.batch.epoch}` : `p${e.progress.fold}.${e.progress.epoch}`));
    for (const [fold, epoch] of [[0, 0], [0, 1], [1, 0], [1, 1]]) assert.ok(order.indexOf(`b${fold}.${epoch}`) < order.indexOf(`p${fold}.${epoch}`), order.join(' '));
  } finally {
    coordinatorStop.abort();
    await study.catch(() => undefined);
    stop.abort();
    await agentRun;
    sub.unsubscribe();
    await nc.close();
    await Promise.all([coordinatorSide.close(), agentSide.close()]);
  }
});
