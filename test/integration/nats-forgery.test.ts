// Only a study's own parties move it, on a real nats-server: while a branin study runs, a client
// without the study's credential forges outcomes, trials, prunes, heartbeats and max-deliveries
// notices (unsigned, wrongly signed, and signed with keys of its own making) and replays genuine
// messages it overheard. The study ends exactly as an untouched one would; each refusal is logged.
// And the documented one command joins an agent to a study.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Agent, inProcessRunner } from '../../src/agent/index.ts';
import { parseStudyConfig, queueDeliveriesOf } from '../../src/config/study.ts';
import { openStudyReader, runCoordinator } from '../../src/coordinator/index.ts';
import { evaluateObjective } from '../../src/objectives/index.ts';
import { connectNats } from '../../src/transport/index.ts';
import {
  envelopeCodec,
  mintJoinCredential,
  newStudySigner,
  sealBus,
  sealResult,
  sealTrial,
  type Envelope,
} from '../../src/transport/auth/index.ts';
import { PROTOCOL_VERSION, type BusMessage, type TrialMessage } from '../../src/transport/messages.ts';
import { heartbeatSubject, pruneSubject, queueSubject, resultQueueName, trialQueueName } from '../../src/transport/subjects.ts';
import { assertAllCompleteOnce, natsSuite, readTrials, spawnSkewer, stopAll, writeFunctionStudy, type SkewerProcess } from './helpers.ts';

const nats = natsSuite('nats-forgery');
const STUDY = 'guarded';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

async function until(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !condition(); ) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

test('forged and replayed messages from a client without the study credential change nothing', async () => {
  const config = parseStudyConfig({
    name: STUDY, seed: 5, sampler: 'random', trials: 4, parallelism: 2,
    space: { x1: { type: 'float', low: -5, high: 10 }, x2: { type: 'float', low: 0, high: 15 } },
    objective: { function: 'branin', delayMs: 1_200 },
    maxAttempts: 4, ackWaitMs: 3_000, retryDelayMs: 100, heartbeatMs: 200, agentLostMs: 2_000,
  });
  const signer = newStudySigner(STUDY);
  const url = nats.server.url;
  const [coordinatorSide, agentSide] = await Promise.all([connectNats({ servers: url }), connectNats({ servers: url })]);
  // The attacker: a plain client of the same server, with keys of its own (its "coordinator" grants its "agent").
  const nc = await connect({ servers: url });
  const js = jetstream(nc);
  const mallory = newStudySigner(STUDY);
  const malloryAgent = mintJoinCredential(mallory);
  // What it overhears of the genuine parties (core NATS subscriptions see the queue subjects too).
  const overheard: Envelope[] = [];
  const listen = (subject: string) =>
    nc.subscribe(subject, {
      callback: (_, m) => {
        const bytes = decoder.decode(m.data);
        if (!bytes.startsWith('{"auth"')) return; // its own unsigned forgeries
        const envelope = envelopeCodec.decode(m.data);
        if (envelope.signer !== mallory.publicKey && envelope.signer !== malloryAgent.publicKey) overheard.push(envelope);
      },
    });
  const subs = [listen(queueSubject(resultQueueName(STUDY))), listen(queueSubject(trialQueueName(STUDY, 'cpu'))), listen(`skewer.heartbeat.${STUDY}.>`)];

  const coordinatorLog: string[] = [];
  const agentLog: string[] = [];
  const ran: string[] = [];
  const started: string[] = [];
  const runner = inProcessRunner();
  const stop = new AbortController();
  const agent = new Agent({
    transport: agentSide, name: 'genuine', joins: [mintJoinCredential(signer)], slots: 1,
    capabilities: { backend: 'wasm', gpus: 0, memoryBytes: 2 ** 30, classes: ['cpu'] },
    runner: { kind: 'in-process', run: (trial, options) => (ran.push(trial.trialId), runner.run(trial, options)) },
    heartbeatMs: config.heartbeatMs,
    queueSettings: async () => ({ ackWaitMs: config.ackWaitMs, maxAttempts: queueDeliveriesOf(config) }),
    log: (line) => agentLog.push(line),
  });
  const agentRun = agent.run(stop.signal);
  const coordinatorStop = new AbortController();
  const study = runCoordinator(
    {
      config, transport: coordinatorSide, signer, mode: 'new', log: (line) => coordinatorLog.push(line),
      onEvent: (event) => void (event.type === 'trial-started' && started.push(event.trialId)),
    },
    coordinatorStop.signal,
  );
  try {
    await until(() => started.length >= 1 && overheard.some((e) => e.channel === 'trial'), 'the first trial to start');
    const victim = started[0]!;
    const genuineTrial = overheard.find((e) => e.channel === 'trial')!;
    const outcome = {
      v: PROTOCOL_VERSION, type: 'trial-outcome' as const, study: STUDY, trialId: victim, attempt: 1, agent: 'genuine',
      startedAt: Date.now(), endedAt: Date.now(), outcome: 'complete' as const, value: -12345, reports: [],
    };
    const failure = { ...outcome, outcome: 'failed' as const, value: undefined, error: 'forged failure' };
    const resultSubject = queueSubject(resultQueueName(STUDY));
    let id = 0;
    const publish = (subject: string, payload: unknown): Promise<unknown> =>
      js.publish(subject, encoder.encode(typeof payload === 'string' ? payload : JSON.stringify(payload)), { msgID: `forged-${id++}` });

    // 1. Outcomes: unsigned, self-granted, and a genuine-looking envelope with a changed value.
    await publish(resultSubject, outcome);
    await publish(resultSubject, sealResult(malloryAgent, outcome, Date.now()));
    await publish(resultSubject, sealResult(malloryAgent, failure, Date.now()));
    // 2. Max-deliveries notices naming every trial message in the queue now (one waits there).
    const jsm = await jetstreamManager(nc);
    const queueState = (await jsm.streams.info(trialQueueName(STUDY, 'cpu'))).state;
    for (let seq = queueState.first_seq; seq <= queueState.last_seq; seq++) {
      nc.publish(`$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${trialQueueName(STUDY, 'cpu')}.workers`, JSON.stringify({ stream_seq: seq, deliveries: 4 }));
    }
    // 3. Trials: signed by a key of the attacker's making, and a genuine one with other params.
    const forgedTrial: TrialMessage = { ...(JSON.parse(genuineTrial.payload) as TrialMessage), trialId: 'forged-trial', params: { x1: 0, x2: 0 } };
    await publish(queueSubject(trialQueueName(STUDY, 'cpu')), sealTrial(mallory, forgedTrial, Date.now()));
    await publish(queueSubject(trialQueueName(STUDY, 'cpu')), { ...genuineTrial, payload: JSON.stringify(forgedTrial) });
    // 4. Prunes of the running trial, 5. heartbeats of a 64-slot agent, on the core subjects.
    const prune: BusMessage = { v: PROTOCOL_VERSION, type: 'prune', study: STUDY, trialId: victim, attempt: 1, reason: 'forged' };
    nc.publish(pruneSubject(STUDY, victim), JSON.stringify(prune));
    nc.publish(pruneSubject(STUDY, victim), JSON.stringify(sealBus(mallory, prune, Date.now())));
    const fake = { name: 'fake-64', backend: 'tensorflow', slots: 64, busy: 0, gpus: 8, memoryBytes: 2 ** 40, classes: ['cpu' as const], running: [], startedAt: 1 };
    const beat: BusMessage = { v: PROTOCOL_VERSION, type: 'heartbeat', at: Date.now(), agent: fake };
    nc.publish(heartbeatSubject(STUDY, 'fake-64'), JSON.stringify(beat));
    nc.publish(heartbeatSubject(STUDY, 'fake-64'), JSON.stringify(sealBus(malloryAgent, beat, Date.now())));
    // 6. Replays of what it overheard once the first trial finished: its outcome, its trial, a heartbeat.
    await until(() => overheard.some((e) => e.channel === 'result' && JSON.parse(e.payload).type === 'trial-outcome'), 'a genuine outcome');
    const genuineOutcome = overheard.find((e) => e.channel === 'result' && JSON.parse(e.payload).type === 'trial-outcome')!;
    await publish(resultSubject, genuineOutcome);
    await publish(queueSubject(trialQueueName(STUDY, 'cpu')), genuineTrial);
    // (the latest heartbeat: an early one may predate the coordinator, which then never saw it)
    nc.publish(heartbeatSubject(STUDY, 'genuine'), JSON.stringify(overheard.findLast((e) => e.channel === 'bus')!));

    const result = await study;
    assert.equal(result.finished, true);
    const trials = result.trials;
    assert.deepEqual(trials.map((t) => t.state), ['complete', 'complete', 'complete', 'complete'], JSON.stringify(trials.map((t) => [t.id, t.state, t.error])));
    for (const trial of trials) {
      // Each value is branin at the trial's own params, from the one genuine attempt.
      assert.equal(trial.value, evaluateObjective('branin', trial.params), `trial ${trial.id}`);
      assert.deepEqual(trial.attempts.map((a) => [a.attempt, a.agent, a.outcome]), [[1, 'genuine', 'complete']], `trial ${trial.id}`);
    }
    assert.ok(!trials.some((t) => t.id === 'forged-trial'));
    assert.deepEqual([...ran].sort(), trials.map((t) => t.id).sort(), 'the agent ran each genuine trial once and nothing else');
    const reader = await openStudyReader({ study: STUDY, transport: coordinatorSide });
    assert.deepEqual((await reader.agents()).map((a) => a.info.name), ['genuine'], 'no fake agent was recorded');
    const logs = coordinatorLog.join('\n');
    assert.match(logs, /rejected a message on SKEWER_RESULTS_guarded: .*no grant from this study's coordinator/);
    assert.match(logs, /rejected a message on SKEWER_RESULTS_guarded: replayed trial-outcome/);
    assert.match(logs, /rejected a message on skewer\.heartbeat\.guarded\.fake-64: .*no grant/);
    assert.match(logs, /rejected a message on skewer\.heartbeat\.guarded\.genuine: replayed heartbeat/);
    // The queue's last delivery is maxAttempts + maxVanishings (failures and vanishings both redeliver).
    assert.match(logs, new RegExp(`max-deliveries notice for trial \\d+ refused: its last attempt \\(#${queueDeliveriesOf(config)}\\) never started`));
    const agentLogs = agentLog.join('\n');
    assert.match(agentLogs, /rejected a trial on SKEWER_TRIALS_guarded_cpu: signer .* is not this study's coordinator/);
    assert.match(agentLogs, /rejected a trial on SKEWER_TRIALS_guarded_cpu: bad signature/);
    assert.match(agentLogs, /rejected a trial on SKEWER_TRIALS_guarded_cpu: replayed trial/);
    assert.match(agentLogs, /rejected a message on skewer\.prune\.guarded\.\d+: signer .* is not this study's coordinator/);
    assert.doesNotMatch(agentLogs, /pruned/);
  } finally {
    coordinatorStop.abort(); // a no-op once the study finished; ends it when an assertion failed first
    await study.catch(() => undefined);
    stop.abort();
    await agentRun;
    for (const sub of subs) sub.unsubscribe();
    await nc.close();
    await Promise.all([coordinatorSide.close(), agentSide.close()]);
  }
});

test('an agent joined with the one command `skewer search --server` prints runs the study end to end', async () => {
  const { dir } = nats;
  const file = writeFunctionStudy(dir, 'joined', { trials: 6, objective: { function: 'branin', delayMs: 0 } });
  const coordinator = spawnSkewer('coordinator', ['search', file, '--server', nats.server.url, '--no-tui'], dir);
  const agents: SkewerProcess[] = [];
  try {
    await coordinator.waitFor(/agents join study 'joined' with:/, 60_000);
    const command = (await coordinator.waitFor(/^\s+skewer agent --server \S+ --join skj1\.joined\./)).trim().split(/\s+/);
    assert.deepEqual(command.slice(0, 3), ['skewer', 'agent', '--server']);
    agents.push(spawnSkewer('joined-agent', [...command.slice(1), '--name', 'joiner', '--heartbeat-ms', '250'], dir));
    assert.equal(await coordinator.exited, 0, coordinator.lines.slice(-10).join('\n'));
    const trials = await readTrials(nats.server.url, 'joined');
    assertAllCompleteOnce(trials, 6);
    assert.ok(trials.every((t) => t.attempts.at(-1)!.agent === 'joiner'));
    await agents[0]!.waitFor(/agent joiner joined study joined on/);
    // Without a token an agent does not start, and says what to do.
    const bare = spawnSkewer('bare-agent', ['agent', '--server', nats.server.url], dir);
    assert.notEqual(await bare.exited, 0);
    assert.match(bare.lines.join('\n'), /skewer agent needs --join TOKEN/);
  } finally {
    await stopAll([coordinator, ...agents]);
  }
});
