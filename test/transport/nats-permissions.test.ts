/**
 * The NATS-side layer: configs/nats-least-privilege.conf on a real nats-server. A study `demo`
 * runs with its coordinator as `owner` and its agent as `agent-demo`, so the agent's rights are
 * enough; then, as `agent-demo`, writing the study's KV bucket, publishing trials, prunes or
 * advisories, hearing another study, and purging a queue are each refused by the server. The
 * agent may add a SimCLR encoder to its study's encoder bucket (and read it back), but not put an
 * object into the dataset bucket or another study's encoder bucket, nor purge or delete one.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { Agent, inProcessRunner, queueSettingsFromServer } from '../../src/agent/index.ts';
import { parseStudyConfig } from '../../src/config/study.ts';
import { runCoordinator } from '../../src/coordinator/index.ts';
import { connectNats } from '../../src/transport/index.ts';
import { bytesCodec, mintJoinCredential, newStudySigner } from '../../src/transport/auth/index.ts';
import { findNatsServer, startNatsServer, type RunningNatsServer } from '../../src/transport/nats/server.ts';
import { DATASET_BUCKET, encoderBucketName, pruneSubject, queueSubject, SETTINGS_BUCKET, studyBucketName, trialQueueName, trialQueueSettingsKey } from '../../src/transport/subjects.ts';
import { objectEncoderStore, studyEncoderStores } from '../../src/transport/encoder-archive.ts';
import { ENCODER_OBJECT_SUFFIX } from '../../src/core/names.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'skewer-nats-perms-'));
let server: RunningNatsServer | undefined;
after(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const OWNER = { user: 'owner', pass: 'owner-secret' };
const AGENT = { user: 'agent-demo', pass: 'agent-secret' };

/** Resolves with the server's permission errors seen on `nc` (they arrive asynchronously). */
function permissionErrors(nc: NatsConnection): string[] {
  const seen: string[] = [];
  void (async () => {
    for await (const status of nc.status()) if (status.type === 'error') seen.push(String(status.error));
  })();
  return seen;
}

async function refused(what: string, attempt: Promise<unknown>): Promise<void> {
  await assert.rejects(attempt, (error: unknown) => /permission|timeout|denied/i.test(String(error)), `${what} must be refused`);
}

test('configs/nats-least-privilege.conf: an agent of study demo can serve it and cannot move it otherwise', async () => {
  const configFile = path.join(dir, 'nats.conf');
  writeFileSync(configFile, readFileSync(path.resolve('configs/nats-least-privilege.conf'), 'utf8'));
  server = await startNatsServer({ binary: findNatsServer(), storeDir: path.join(dir, 'store'), port: 0, host: '127.0.0.1', configFile });
  const url = server.url;
  const config = parseStudyConfig({
    name: 'demo', seed: 2, sampler: 'random', trials: 4,
    space: { x1: { type: 'float', low: -5, high: 10 }, x2: { type: 'float', low: 0, high: 15 } },
    objective: { function: 'branin', delayMs: 0 },
    ackWaitMs: 3_000, retryDelayMs: 100, heartbeatMs: 200, agentLostMs: 2_000,
  });
  const signer = newStudySigner('demo');
  const owner = await connectNats({ servers: url, ...OWNER });
  const agentSide = await connectNats({ servers: url, ...AGENT });
  const stop = new AbortController();
  const agentLog: string[] = [];
  const agent = new Agent({
    transport: agentSide, name: 'restricted', joins: [mintJoinCredential(signer)], slots: 1,
    // It also serves 'native', a class no trial of this study has: the coordinator must have made that queue
    // (with its exhausted-items consumer, which this account may not create) before the agent opens it.
    capabilities: { backend: 'wasm', gpus: 0, memoryBytes: 2 ** 30, classes: ['cpu', 'native'] }, runner: inProcessRunner(),
    heartbeatMs: config.heartbeatMs, queueSettings: () => queueSettingsFromServer(agentSide, 'demo', stop.signal, () => undefined, 100),
    log: (line) => agentLog.push(line),
  });
  const agentRun = agent.run(stop.signal);
  try {
    const outcome = await runCoordinator({ config, transport: owner, signer, mode: 'new', log: () => undefined }, AbortSignal.timeout(60_000));
    assert.equal(outcome.finished, true, agentLog.join('\n'));
    assert.deepEqual(outcome.trials.map((t) => [t.state, t.attempts.at(-1)?.agent]), Array(4).fill(['complete', 'restricted']));
  } finally {
    stop.abort();
    await agentRun;
    await Promise.all([owner.close(), agentSide.close()]);
  }

  // The same user, by hand: everything that would move the study without signing is refused.
  const nc = await connect({ servers: url, ...AGENT, timeout: 5_000 });
  const errors = permissionErrors(nc);
  try {
    const js = jetstream(nc, { timeout: 1_500 });
    const kv = await new Kvm(js).open(studyBucketName('demo'));
    await refused('a KV write to the study bucket', kv.put('trial.0000', '{}'));
    await refused('publishing a trial', js.publish(queueSubject(trialQueueName('demo', 'cpu')), '{}'));
    await refused('purging a trial queue', (await jetstreamManager(nc, { timeout: 1_500 })).streams.purge(trialQueueName('demo', 'cpu')));
    // No STREAM.CREATE at all (an existing bucket needs only STREAM.INFO to open): no new bucket.
    await refused('creating a KV bucket', new Kvm(js).create(studyBucketName('other')));
    nc.publish(pruneSubject('demo', '0000'), '{}');
    nc.publish('$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.SKEWER_TRIALS_demo_cpu.workers', '{}');
    nc.subscribe('skewer.prune.other.>');
    await nc.flush();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const text = errors.join('\n');
    assert.match(text, /Permissions Violation for Publish to "\$KV\.skewer_study_demo\.trial\.0000"/i);
    assert.match(text, /Permissions Violation for Publish to "skewer\.queue\.SKEWER_TRIALS_demo_cpu"/i);
    assert.match(text, /Permissions Violation for Publish to "skewer\.prune\.demo\.0000"/i);
    assert.match(text, /Permissions Violation for Publish to "\$JS\.EVENT\.ADVISORY/i);
    assert.match(text, /Permissions Violation for Subscription to "skewer\.prune\.other\.>"/i);
  } finally {
    await nc.close();
  }
  // The dataset store: the owner's (`skewer search --server` publishes into it); the agent binds to it
  // and reads (binding to a bucket nobody made is the transport contract's test).
  const ownerAgain = await connectNats({ servers: url, ...OWNER });
  const datasetName = 'a'.repeat(64);
  try {
    await (await ownerAgain.objects(DATASET_BUCKET)).put(datasetName, new Uint8Array([1, 2, 3]));
  } finally {
    await ownerAgain.close();
  }
  const binder = await connectNats({ servers: url, ...AGENT });
  try {
    const datasets = await binder.objects(DATASET_BUCKET, { bindOnly: true });
    assert.equal(await datasets.has(datasetName), true);
    const chunks: Uint8Array[] = [];
    for await (const chunk of (await datasets.get(datasetName))!) chunks.push(chunk);
    assert.deepEqual([...Buffer.concat(chunks)], [1, 2, 3]);
    const settings = await binder.kv(SETTINGS_BUCKET, bytesCodec, { bindOnly: true });
    assert.ok(await settings.get(trialQueueSettingsKey('demo')), 'the coordinator\'s queue settings are readable');
  } finally {
    await binder.close();
  }
  // Encoders: the coordinator made demo's encoder bucket; the agent publishes into it and reads it back.
  const encoderDir = path.join(dir, 'encoder');
  mkdirSync(encoderDir);
  writeFileSync(path.join(encoderDir, 'model.json'), '{"modelTopology":{}}');
  writeFileSync(path.join(encoderDir, 'weights.bin'), new Uint8Array(1000).fill(7));
  const key = 'e'.repeat(64);
  const agentTransport = await connectNats({ servers: url, ...AGENT });
  const other = await connect({ servers: url, ...AGENT, timeout: 5_000 });
  const otherErrors = permissionErrors(other);
  try {
    const store = studyEncoderStores(agentTransport)('demo');
    await store.publish(key, encoderDir);
    const back = path.join(dir, 'encoder-back');
    mkdirSync(back);
    assert.equal(await store.fetch(key, back), true);
    assert.deepEqual(readdirSync(back).sort(), ['model.json', 'weights.bin']);
    assert.deepEqual(readFileSync(path.join(back, 'weights.bin')), readFileSync(path.join(encoderDir, 'weights.bin')));
    // Not into the dataset bucket, not into another study's encoder bucket (which it cannot even create).
    await refused('an object put into the dataset bucket', objectEncoderStore(await agentTransport.objects(DATASET_BUCKET)).publish('d'.repeat(64), encoderDir));
    await refused('opening (creating) another study\'s encoder bucket', agentTransport.objects(encoderBucketName('other')));
    const jsm = await jetstreamManager(other, { timeout: 1_500 });
    await refused('purging the encoder bucket', jsm.streams.purge(`OBJ_${encoderBucketName('demo')}`));
    await refused('deleting the encoder bucket', jsm.streams.delete(`OBJ_${encoderBucketName('demo')}`));
    other.publish(`$O.${encoderBucketName('other')}.M.x`, '{}');
    other.publish(`$O.${DATASET_BUCKET}.C.x`, 'x');
    await other.flush();
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.match(otherErrors.join('\n'), /Permissions Violation for Publish to "\$O\.skewer_encoders_other\.M\.x"/i);
    assert.match(otherErrors.join('\n'), /Permissions Violation for Publish to "\$O\.skewer_datasets\.C\.x"/i);
  } finally {
    await Promise.all([agentTransport.close(), other.close()]);
  }
  // The study's record of that trial is what the coordinator wrote.
  const check = await connect({ servers: url, ...OWNER });
  try {
    const entry = await (await new Kvm(jetstream(check)).open(studyBucketName('demo'))).get('trial.0000');
    // A signed record ({kv, study, signer, payload, sig}): the trial is its payload.
    assert.equal(JSON.parse(JSON.parse(new TextDecoder().decode(entry!.value)).payload).state, 'complete');
    // The encoder the agent published is there for the owner too, under its key, and only it.
    const names: string[] = [];
    for await (const info of await (await new (await import('@nats-io/obj')).Objm(jetstream(check)).open(encoderBucketName('demo'))).list()) names.push(info.name);
    assert.deepEqual(names, [`${key}${ENCODER_OBJECT_SUFFIX}`]);
  } finally {
    await check.close();
  }
});
