/**
 * A study's record as a coordinator opens and leaves it. Opening: `new` refuses an existing study, `resume` a missing one, and a resume
 * with a coordinator key other than the one the record names (the study is resumed where its key
 * lives, .skewer/<study>/coordinator.nk; records made before keys existed name none).
 */
import type { StudyConfig } from '../config/study.ts';
import { UserError } from '../core/errors.ts';
import { bytesCodec, prepareResume, signedRecordCodec, studyRecordKv, type RecordRefusal, type StudyRecordKv, type StudySigner } from '../transport/auth/index.ts';
import { studyRecordCodec, type StoredStudy, type StudyRecordValue } from '../transport/messages.ts';
import type { KvStore, Transport } from '../transport/types.ts';
import { STUDY_KEY, studyBucketName } from '../transport/subjects.ts';
import type { CoordinatorOptions } from './options.ts';
import { AnchorKeeper, anchorPath, loadAnchor, type AnchorIdentity } from './record-anchor.ts';
import type { AgentRegistry } from './agents.ts';
import { closeOpenAttempt } from './outcomes.ts';
import type { TrialStore } from './store.ts';

/**
 * The study's bucket on the transport, every record sealed with the study's key and every one
 * read verified (issue 11): a refused record is logged with its key and never applied. A resume
 * first adopts a legacy unsigned study's records (transport/auth/legacy-records.ts).
 */
export async function openSignedBucket(
  transport: Transport,
  study: string,
  signer: StudySigner,
  mode: 'new' | 'resume',
  log: (line: string) => void,
  onRefused?: (refusal: RecordRefusal) => void,
): Promise<StudyRecordKv> {
  const raw = await transport.kv(studyBucketName(study), bytesCodec);
  if (mode === 'resume') await prepareResume(raw, signer, log);
  const refused = (refusal: RecordRefusal): void => {
    log(`refused KV record ${refusal.key}: ${refusal.reason}`);
    onRefused?.(refusal);
  };
  return studyRecordKv(raw, signedRecordCodec(studyRecordCodec, signer), refused, {
    restore: true,
    onRestored: ({ key, found, rev }) => log(`restored KV record ${key} as rev ${rev} (the bucket held ${found === undefined ? 'no record' : `rev ${found}`})`),
  });
}

export async function openStudyRecord(
  store: TrialStore,
  config: StudyConfig,
  mode: 'new' | 'resume',
  coordinatorKey: string,
  log: (line: string) => void,
): Promise<StoredStudy> {
  const existing = await store.study();
  if (mode === 'new') {
    if (existing || !(await store.createStudy(config.name, config as unknown as Record<string, unknown>, coordinatorKey))) {
      throw new UserError(`study '${config.name}' exists already`, {
        where: studyBucketName(config.name),
        hint: `Continue it with \`skewer search --resume ${config.name}\`, or give the new study another name.`,
      });
    }
  } else if (!existing) {
    throw new UserError(`no study '${config.name}' to resume`, { where: studyBucketName(config.name), hint: 'Start it with `skewer search STUDY.yaml`.' });
  } else if (existing.coordinatorKey !== undefined && existing.coordinatorKey !== coordinatorKey) {
    throw new UserError(`this coordinator key is not study '${config.name}'s (the study record names ${existing.coordinatorKey.slice(0, 8)}…)`, {
      where: studyBucketName(config.name),
      hint: 'Resume the study where it was started: its key is in .skewer/<study>/coordinator.nk there.',
    });
  } else if (existing.state === 'finished') {
    log(`study '${config.name}' had finished; nothing to resume`);
  } else if (existing.state === 'stopped') {
    await store.setStudyState('running');
  }
  return (await store.study())!;
}

/**
 * Stopped before the end: the study record says so (status shows it with the --resume command).
 * With `localAgents` (embedded: the agents stop with us) their trials are interrupted and they are
 * recorded as left, so nothing shows as running or alive afterwards. Remote agents may go on.
 */
export async function recordStop(store: TrialStore, localAgents: AgentRegistry | undefined, now: number): Promise<void> {
  await store.setStudyState('stopped');
  if (!localAgents) return;
  for (const trial of await store.trials()) {
    if (trial.state === 'running') await store.update(trial.id, (t) => closeOpenAttempt(t, 'interrupted', now, 'the search was stopped'));
  }
  for (const agent of await store.agents()) {
    if (localAgents.markLeft(agent.info.name)) await store.putAgent(localAgents.record(agent.info.name)!);
  }
}

/**
 * The study's records as the coordinator opens them: the given `kv` (embedded: the journal, no
 * anchor), else the signed bucket on the transport. With `anchorDir`, a resume first reads every
 * record against this machine's anchor (record-anchor.ts): records rolled back or deleted since it
 * last read or wrote them stop the resume before it writes anything, since resuming on them would
 * re-run finished trials, or lose them, in silence. `keeperFor(record)` then keeps that anchor up
 * to date while the study runs (undefined without an anchor).
 */
export async function openCoordinatorBucket(
  options: Pick<CoordinatorOptions, 'kv' | 'transport' | 'config' | 'signer' | 'mode' | 'anchorDir'>,
  log: (line: string) => void,
): Promise<{ kv: KvStore<StudyRecordValue>; keeperFor(record: StoredStudy): AnchorKeeper | undefined }> {
  if (options.kv) return { kv: options.kv, keeperFor: () => undefined };
  const { config, signer, mode, anchorDir } = options;
  const anchored: RecordRefusal[] = [];
  const kv = await openSignedBucket(options.transport, config.name, signer, mode, log, (r) => r.anchored && anchored.push(r));
  if (anchorDir === undefined) return { kv, keeperFor: () => undefined };
  if (mode === 'resume') await checkAnchorBeforeResume(kv, anchored, anchorDir, signer, config.name, log);
  return { kv, keeperFor: (record) => new AnchorKeeper(kv, anchorDir, { study: config.name, coordinatorKey: signer.publicKey, createdAt: record.createdAt }, log) };
}

/** Seeds `kv` with this machine's anchor of the study and reads every record once against it (see above). */
async function checkAnchorBeforeResume(kv: StudyRecordKv, anchored: readonly RecordRefusal[], dir: string, signer: StudySigner, study: string, log: (line: string) => void): Promise<void> {
  const record = (await kv.get(STUDY_KEY))?.value;
  if (record?.type !== 'study') return; // openStudyRecord says there is nothing to resume
  const id: AnchorIdentity = { study, coordinatorKey: signer.publicKey, createdAt: record.createdAt };
  const revs = await loadAnchor(dir, id, log);
  kv.anchorWith(revs);
  await kv.list('');
  const problems = [...anchored.map(({ key, reason }) => `${key}: ${reason}`)];
  const studyRev = revs.get(STUDY_KEY);
  if (studyRev !== undefined && (record.rev ?? 0) < studyRev) problems.unshift(`${STUDY_KEY}: rev ${record.rev ?? 0}; this machine read rev ${studyRev} of it before`);
  if (problems.length === 0) return;
  throw new UserError(
    `study '${study}': ${problems.length} record${problems.length === 1 ? ' is' : 's are'} older on the server than this machine last read or wrote (rolled back or deleted while no coordinator ran): ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? `; and ${problems.length - 5} more` : ''}`,
    {
      where: studyBucketName(study),
      hint: `Nothing was resumed or written. If the server's data was restored from an older copy on purpose, delete ${anchorPath(dir, id)} and resume again (finished trials whose records went back run again). Otherwise a client that can write the bucket did it: restrict the server (configs/nats-least-privilege.conf).`,
    },
  );
}
