/**
 * The live UI's `r` key, for `skewer ui` and `skewer search` alike: the code of `skewer report` on
 * the study as it stands now, written to `out`; resolves to the line the TUI shows (where it went).
 */
import path from 'node:path';
import { openStudyReader, type StudyReader, type StudyReaderTarget } from '../../coordinator/index.ts';
import { writeStudyReport } from '../../report/index.ts';

export function reportKey(source: StudyReader | StudyReaderTarget, out: string): () => Promise<string> {
  return async () => {
    // A target is opened at each press (the embedded journal or the server's bucket, as they are now).
    const reader = 'trials' in source ? source : await openStudyReader(source);
    const { file, model } = await writeStudyReport({ reader, out: path.resolve(out) });
    return `wrote ${file} (${model.trials.length} trials)`;
  };
}
