/**
 * `skewer search STUDY.yaml` runs a study. Without --server it is the embedded default: the
 * in-process transport, the coordinator and `--agents N` local agents (each trial still in its own
 * child process), with the study journaled in `.skewer/<study>/` for --resume, status and export.
 * With --server the coordinator publishes trials to JetStream and keeps the study in a KV bucket;
 * agents join with the `skewer agent --server URL --join TOKEN` line it prints (and `--agents N`
 * adds local ones here too). The study's coordinator key is `.skewer/<study>/coordinator.nk` here.
 */
import { setMaxListeners } from 'node:events';
import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { UserError } from '../../core/errors.ts';
import { loadStudyConfig, parseStoredStudyConfig, queueDeliveriesOf, type StudyConfig } from '../../config/study.ts';
import {
  assertStudyOnServer,
  journaledKv,
  loadStudySigner,
  lockStudyDir,
  readJournal,
  resolveStrategies,
  valueNameOf,
  restoreJournaledKv,
  defaultAnchorDir,
  runCoordinator,
  studyDir,
  acquireStudyLease,
  OutageWatch,
  DEFAULT_LEASE_TTL_MS,
  DEFAULT_OUTAGE_LIMIT_MS,
  type StudyOutcome,
} from '../../coordinator/index.ts';
import { Agent, checkedCapabilities, childProcessRunner, defaultLocalAgents, resolveAgentBackend, type Capabilities } from '../../agent/index.ts';
import { createMemoryTransport, connectNats, logStatus, redactUrls, type Transport } from '../../transport/index.ts';
import {
  bytesCodec,
  claimOf,
  encodeJoinToken,
  mintJoinCredential,
  signedRecordCodec,
  verifiedRecordCodec,
  type StudySigner,
} from '../../transport/auth/index.ts';
import { publishDataset } from '../../transport/dataset-archive.ts';
import { StudyRecordValueSchema, studyRecordCodec, type DatasetRef, type StudyRecordValue } from '../../transport/messages.ts';
import { DATASET_BUCKET, STUDY_KEY, studyBucketName } from '../../transport/subjects.ts';
import { chooseReporterMode, createReporter, exportStudyBest, type StudyReporter } from '../../ui/index.ts';
import { addNatsConnectionOptions, natsOptionsFromFlags, type NatsFlags } from '../nats-flags.ts';
import type { RegisterCommand } from './register.ts';
import { reportKey } from './report-key.ts';

interface SearchFlags extends NatsFlags {
  resume?: boolean;
  agents?: string;
  slots: string;
  backend: string;
  json?: boolean;
  tui: boolean;
  dir?: string;
  leaseTtl: string;
  outageLimit: string;
}

/** The server's disconnects and reconnects go to the study's outage watch once it exists. */
interface Connection {
  watch?: OutageWatch;
}

function positiveInt(flag: string, text: string, min = 1): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) {
    throw new UserError(`'${text}' is not allowed: give a whole number of at least ${min}`, { where: flag });
  }
  return value;
}

const looksLikeFile = (text: string): boolean => /\.(ya?ml|json)$/i.test(text) || existsSync(text);

/** The config of a new study (from its file) or of a study to resume (from where it is stored). */
async function studyConfigFor(target: string, flags: SearchFlags, transport: Transport | undefined): Promise<StudyConfig> {
  if (!flags.resume) {
    if (!looksLikeFile(target)) throw new UserError(`study file not found: ${target}`, { hint: 'Give a study YAML file (configs/function-demo.yaml is one), or --resume NAME.' });
    return loadStudyConfig(target);
  }
  const name = looksLikeFile(target) ? (await loadStudyConfig(target)).name : target;
  if (transport) {
    await assertStudyOnServer(transport, name);
    const record = await storedStudyRecord(transport, name);
    if (record?.type !== 'study') throw new UserError(`no study '${name}' on this server to resume`, { where: `--server ${redactUrls(flags.server ?? '')}`, hint: 'Check the name and the server.' });
    return parseStoredStudyConfig(record.config, `study ${name} (stored)`);
  }
  const entries = readJournal(studyDir(name, flags.dir));
  const record = entries && StudyRecordValueSchema.safeParse(entries.get(STUDY_KEY));
  if (!record?.success || record.data.type !== 'study') {
    throw new UserError(`no study '${name}' to resume`, { where: studyDir(name, flags.dir), hint: 'Run --resume where the search ran (it keeps .skewer/ there), or pass --dir.' });
  }
  return parseStoredStudyConfig(record.data.config, `study ${name} (journal)`);
}

/**
 * The study record to resume, for its config only: signed, it must verify against the key it
 * names (the coordinator then refuses it if that key is not its own); unsigned, it is a legacy
 * study, which the coordinator adopts (transport/auth/legacy-records.ts).
 */
async function storedStudyRecord(transport: Transport, name: string): Promise<StudyRecordValue | undefined> {
  const raw = await (await transport.kv(studyBucketName(name), bytesCodec)).get(STUDY_KEY);
  if (!raw) return undefined;
  const claim = claimOf(raw.value);
  if (claim.kind === 'unsigned') return claim.value;
  try {
    return verifiedRecordCodec(studyRecordCodec, { study: name, coordinatorKey: claim.signer }).decode(raw.value);
  } catch (error) {
    throw new UserError(`the study record of '${name}' does not verify: ${(error as Error).message}`, {
      where: `${studyBucketName(name)} key ${STUDY_KEY}`,
      hint: 'A client that can write the bucket altered it; restrict the server (configs/nats-least-privilege.conf).',
    });
  }
}

export const register: RegisterCommand = (program) => {
  const command = program
    .command('search')
    .description('run a hyperparameter search (embedded by default; --server for NATS and remote agents)')
    .argument('<study>', 'study file (YAML/JSON), or with --resume a study name or file')
    .option('--resume', 'continue a study after a crash or a stop')
    .option('--agents <n>', 'local agents (default embedded: one per core on wasm/cpu, one per GPU, 1 on tfjs-node; 0 with --server)')
    .option('--slots <n>', 'trials at once per local agent', '1')
    .option('--backend <name>', 'local agents: auto | tensorflow | webgpu | wasm | cpu', 'auto')
    .option('--dir <path>', 'where .skewer/<study>/ lives (embedded)', process.cwd())
    .option('--json', 'one JSON object per event on stdout')
    .option('--no-tui', 'plain lines instead of the live terminal UI')
    .option('--lease-ttl <seconds>', 'with --server: a coordinator silent this long may be taken over', String(DEFAULT_LEASE_TTL_MS / 1000))
    .option('--outage-limit <seconds>', 'with --server: wait this long for a lost server before giving up (exit 75)', String(DEFAULT_OUTAGE_LIMIT_MS / 1000));
  addNatsConnectionOptions(command).action(async (target: string, flags: SearchFlags) => {
    const connection: Connection = {};
    const nats = natsOptionsFromFlags(flags, {
      name: 'skewer-coordinator',
      onStatus: (status) => {
        if (status.type === 'disconnect' && connection.watch) connection.watch.lost();
        else if (status.type === 'reconnect' && connection.watch) connection.watch.back();
        else logStatus(status);
      },
    });
    const transport = nats ? await connectNats(nats) : undefined;
    try {
      const outcome = await runSearch(target, flags, transport, connection);
      if (!outcome.finished) process.exitCode = 130;
      else if (outcome.trials.length > 0 && !outcome.trials.some((trial) => trial.state === 'complete')) {
        // A study that completed no trial is a failure, whatever the reason (never exit 0).
        const first = outcome.trials.find((trial) => trial.error !== undefined);
        process.stderr.write(`skewer: no trial completed${first ? `; trial #${first.number} failed: ${first.error}` : ''}\n`);
        process.exitCode = 1;
      }
    } finally {
      await closeWithin(transport, CLOSE_TIMEOUT_MS);
    }
  });
};

/** How long closing the connection may take: a drain waits for a server that may be gone for good. */
const CLOSE_TIMEOUT_MS = 3_000;

async function closeWithin(transport: Transport | undefined, ms: number): Promise<void> {
  if (!transport) return;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  await Promise.race([transport.close().catch(() => undefined), late]);
  clearTimeout(timer);
}

function seconds(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new UserError(`'${text}' is not allowed: give a number of seconds above 0`, { where: flag });
  return Math.round(value * 1000);
}

async function runSearch(target: string, flags: SearchFlags, remote: Transport | undefined, connection: Connection): Promise<StudyOutcome> {
  const leaseTtlMs = seconds('--lease-ttl', flags.leaseTtl);
  const outageLimitMs = seconds('--outage-limit', flags.outageLimit);
  const config = await studyConfigFor(target, flags, remote);
  resolveStrategies(config); // fail on a bad sampler/pruner/objective/space before anything starts
  const embedded = remote === undefined;
  const datasetPath = (config.base?.['dataset'] as { path?: string } | undefined)?.path;
  if (embedded && datasetPath && !existsSync(path.resolve(datasetPath))) {
    throw new UserError(`dataset not found: ${path.resolve(datasetPath)}`, {
      where: 'base.dataset.path',
      hint: 'Point base.dataset.path at a folder of class folders or a CSV manifest (paths resolve from where skewer runs); nothing was stored.',
    });
  }
  // Local agents' capabilities are found once (a probe child for native/webgpu), before the default count.
  const capabilities = embedded || (flags.agents !== undefined && flags.agents !== '0') ? await checkedCapabilities(resolveAgentBackend(flags.backend)) : undefined;
  let agentCount: number;
  if (flags.agents !== undefined) agentCount = positiveInt('--agents', flags.agents, embedded ? 1 : 0);
  else if (embedded) {
    const local = defaultLocalAgents(capabilities!, availableParallelism());
    agentCount = local.agents;
    process.stderr.write(`skewer: ${local.agents} local agent${local.agents === 1 ? '' : 's'} (${local.why}; --agents N to change)\n`);
  } else agentCount = 0;
  const slots = positiveInt('--slots', flags.slots);
  const dir = studyDir(config.name, flags.dir);
  // One coordinator per embedded study folder: a second --resume of a live study is refused.
  const say = (line: string): void => void process.stderr.write(`skewer: ${line}\n`);
  const lock = embedded ? lockStudyDir(dir, config.name, say) : undefined;
  // On NATS, a KV lease does the same for every coordinator of the study, wherever it runs.
  const fatal = new AbortController();
  let lease: Awaited<ReturnType<typeof acquireStudyLease>> | undefined;
  try {
    if (remote) {
      lease = await acquireStudyLease(remote, config.name, { ttlMs: leaseTtlMs, log: say, onLost: (error) => fatal.abort(error) });
      const where = redactUrls(flags.server ?? '');
      connection.watch = new OutageWatch({
        where,
        limitMs: outageLimitMs,
        resumeCommand: `skewer search --resume ${config.name} --server ${where}`,
        log: say,
        giveUp: (error) => fatal.abort(error),
      });
    }
    if (embedded && !flags.resume && readJournal(dir)) {
      throw new UserError(`study '${config.name}' exists already`, { where: dir, hint: `Continue it with \`skewer search --resume ${config.name}\`, or rename the study.` });
    }
    return await searchLocked(config, flags, remote, dir, agentCount, slots, capabilities, fatal.signal, connection.watch);
  } finally {
    connection.watch?.close();
    lock?.release();
    await lease?.release();
  }
}

async function searchLocked(
  config: StudyConfig,
  flags: SearchFlags,
  remote: Transport | undefined,
  dir: string,
  agentCount: number,
  slots: number,
  detected: Capabilities | undefined,
  fatal: AbortSignal,
  outage: OutageWatch | undefined,
): Promise<StudyOutcome> {
  const embedded = remote === undefined;
  // Made on first use (embedded too: nothing to pass), reused by --resume and by a key made ahead.
  const signer = loadStudySigner(config.name, dir, true);
  if (!embedded) printJoinCommand(signer, flags);
  const transport = remote ?? createMemoryTransport();
  // Embedded records are signed in memory too, so local agents verify what they read (the journal keeps plain values).
  const bucket = embedded ? await transport.kv(studyBucketName(config.name), signedRecordCodec(studyRecordCodec, signer)) : undefined;
  const kv = bucket && (flags.resume ? await restoreJournaledKv(bucket, dir, (v) => StudyRecordValueSchema.parse(v)) : journaledKv(bucket, dir));

  // The `e`/`r` keys read the study back through the same checks as `status`, against our own key.
  const ownKey = { coordinatorKey: signer.publicKey, source: 'this coordinator' };
  const reporter = createReporter({
    mode: chooseReporterMode({ json: flags.json, noTui: !flags.tui, isTTY: Boolean(process.stdout.isTTY), env: process.env }),
    embedded,
    onQuit: (choice) => (choice === 'leave' ? drain.abort() : stopAll()),
    onExport: () =>
      exportStudyBest(
        embedded ? { study: config.name, root: flags.dir } : { study: config.name, transport, trust: ownKey, log: (line: string) => log(line) },
        path.resolve(`${config.name}-best.yaml`),
      ),
    // `r`: the report of the running study (as `skewer report` writes it), in the working folder.
    onReport: reportKey(embedded ? { study: config.name, root: flags.dir } : { study: config.name, transport, trust: ownKey, log: (line: string) => log(line) }, `${config.name}-report.html`),
  });
  const tui = reporter.mode === 'tui';
  // Under the live UI, stray lines on the terminal would garble it: coordinator logs go to a file.
  const logFile = path.join(dir, 'coordinator.log');
  const log = tui
    ? (line: string): void => {
        mkdirSync(dir, { recursive: true });
        appendFileSync(logFile, `${new Date().toISOString()} ${line}\n`);
      }
    : (line: string): void => void process.stderr.write(`skewer: ${line}\n`);
  const stop = new AbortController();
  const drain = new AbortController();
  const handBack = new AbortController();
  const stopAll = (): void => {
    handBack.abort();
    stop.abort();
  };
  const onSigint = (): void => stopAll();
  // A lost lease or a server gone past --outage-limit: local agents cannot report to it, so their
  // trials are handed back (killed) rather than waited for; --resume runs them again.
  const onFatal = (): void => handBack.abort();
  fatal.addEventListener('abort', onFatal, { once: true });
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);

  const agentsStop = new AbortController();
  // Every local agent listens on these (one listener per queue and slot wait).
  setMaxListeners(8 * agentCount + 16, agentsStop.signal, handBack.signal);
  const agentRuns: Array<Promise<void>> = [];
  try {
    const dataset = embedded ? undefined : await publishStudyDataset(transport, config);
    if (agentCount > 0) {
      const capabilities = detected ?? (await checkedCapabilities(resolveAgentBackend(flags.backend)));
      for (let i = 1; i <= agentCount; i++) {
        const agent = new Agent({
          transport,
          name: embedded ? `local-${i}` : `${config.name}-local-${i}`,
          slots,
          capabilities,
          // Trials run on the backend the agent advertised (routing and execution agree).
          // Under the live UI a trial process must not own the terminal: on exit it would reset
          // it to line mode (keys lost) and its output would garble the screen.
          runner: childProcessRunner({ env: { SKEWER_BACKEND: capabilities.backend }, ...(tui && { stdio: 'ignore' as const }) }),
          joins: [mintJoinCredential(signer)],
          heartbeatMs: config.heartbeatMs,
          queueSettings: async () => ({ ackWaitMs: config.ackWaitMs, maxAttempts: queueDeliveriesOf(config) }),
        });
        agentRuns.push(agent.run(agentsStop.signal, handBack.signal));
      }
    }
    const outcome = await runCoordinator(
      {
        config,
        transport,
        signer,
        ...(kv ? { kv } : { anchorDir: defaultAnchorDir() }),
        mode: flags.resume ? 'resume' : 'new',
        onEvent: (event) => reporter.onEvent(event),
        ...(dataset && { dataset }),
        requeueUnfinished: embedded && Boolean(flags.resume),
        failUnrunnable: embedded,
        agentsStopWithUs: embedded,
        drain: drain.signal,
        fatal,
        ...(outage && { outage }),
        log,
      },
      stop.signal,
    );
    if (reporter.mode !== 'tui') printSummary(reporter, outcome, config, embedded);
    return outcome;
  } finally {
    agentsStop.abort();
    await Promise.all(agentRuns);
    fatal.removeEventListener('abort', onFatal);
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    await reporter.close();
    if (embedded) await transport.close();
  }
}

/**
 * The one command an agent joins with. The token is a secret (an agent key of this study): it is
 * printed once here, on stderr (never into a log file); a password in the URL is not printed.
 */
function printJoinCommand(signer: StudySigner, flags: SearchFlags): void {
  const token = encodeJoinToken(mintJoinCredential(signer));
  process.stderr.write(`skewer: agents join study '${signer.study}' with:\n  skewer agent --server ${redactUrls(flags.server ?? '')} --join ${token}\n`);
  // Public: what readers elsewhere verify the study's records with (status, ui, report, export).
  process.stderr.write(`skewer: study key (readers elsewhere: --study-key): ${signer.publicKey}\n`);
}

async function publishStudyDataset(transport: Transport, config: StudyConfig): Promise<DatasetRef | undefined> {
  const dataset = (config.base?.['dataset'] as { path?: string } | undefined)?.path;
  if (!dataset) return undefined;
  return publishDataset(await transport.objects(DATASET_BUCKET), path.resolve(dataset));
}

function printSummary(reporter: StudyReporter, outcome: StudyOutcome, config: StudyConfig, embedded: boolean): void {
  if (reporter.mode === 'json') return;
  const counts = new Map<string, number>();
  for (const trial of outcome.trials) counts.set(trial.state, (counts.get(trial.state) ?? 0) + 1);
  const summary = [...counts].map(([state, n]) => `${n} ${state}`).join(', ');
  const where = embedded ? '' : ` --server …`;
  process.stdout.write(
    `${outcome.finished ? 'finished' : 'stopped'}: ${summary || 'no trials'}` +
      (outcome.best ? `; best trial ${outcome.best.id} (#${outcome.best.number}) ${valueNameOf(config).label} ${outcome.best.value}` : '') +
      `\n  details: skewer status ${config.name}${where}` +
      (outcome.finished ? '' : `\n  continue: skewer search --resume ${config.name}${where}`) +
      '\n',
  );
}
