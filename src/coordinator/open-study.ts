/**
 * A study's record as a coordinator opens and leaves it. Opening: `new` refuses an existing study, `resume` a missing one, and a resume
 * with a coordinator key other than the one the record names (the study is resumed where its key
 * lives, .skewer/<study>/coordinator.nk; records made before keys existed name none).
 */
import type { StudyConfig } from '../config/study.ts';
import { UserError } from '../core/errors.ts';
import { bytesCodec, prepareResume, signedRecordCodec, studyRecordKv, type StudySigner } from '../transport/auth/index.ts';
import { studyRecordCodec, type StoredStudy, type StudyRecordValue } from '../transport/messages.ts';
import type { KvStore, Transport } from '../transport/types.ts';
import { studyBucketName } from '../transport/subjects.ts';
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
): Promise<KvStore<StudyRecordValue>> {
  const raw = await transport.kv(studyBucketName(study), bytesCodec);
  if (mode === 'resume') await prepareResume(raw, signer, log);
  return studyRecordKv(raw, signedRecordCodec(studyRecordCodec, signer), ({ key, reason }) => log(`refused KV record ${key}: ${reason}`), {
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
