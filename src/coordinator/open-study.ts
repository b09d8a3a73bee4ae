/**
 * Opening a study's record: `new` refuses an existing study, `resume` a missing one, and a resume
 * with a coordinator key other than the one the record names (the study is resumed where its key
 * lives, .skewer/<study>/coordinator.nk; records made before keys existed name none).
 */
import type { StudyConfig } from '../config/study.ts';
import { UserError } from '../core/errors.ts';
import type { StoredStudy } from '../transport/messages.ts';
import { studyBucketName } from '../transport/subjects.ts';
import type { TrialStore } from './store.ts';

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
