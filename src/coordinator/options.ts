/** What a coordinator run is given, and what it returns. */
import type { StudyEvent } from '../core/events.ts';
import type { StudyConfig } from '../config/study.ts';
import type { KvStore, Transport } from '../transport/types.ts';
import type { StudySigner } from '../transport/auth/index.ts';
import type { DatasetRef, StoredTrial, StudyRecordValue } from '../transport/messages.ts';
import type { OutageWatch } from './outage-watch.ts';

export interface CoordinatorOptions {
  readonly config: StudyConfig;
  readonly transport: Transport;
  /** The study's coordinator key (study-key.ts): seals trials and prunes, vouches for agents. */
  readonly signer: StudySigner;
  /** The study's bucket; default: the transport's bucket for it (pass a journaled one when embedded). */
  readonly kv?: KvStore<StudyRecordValue>;
  /** `new` refuses an existing study; `resume` continues one (and refuses a missing one). */
  readonly mode: 'new' | 'resume';
  /**
   * Over a transport (no `kv`): where this machine keeps the newest rev of each of the study's
   * records (record-anchor.ts; the CLI passes defaultAnchorDir()). A resume refuses to start on
   * records rolled back or deleted since, and the anchor is kept up to date while the study runs.
   */
  readonly anchorDir?: string;
  readonly onEvent?: (event: StudyEvent) => void;
  readonly dataset?: DatasetRef;
  /** The queues are new (embedded resume): unfinished trials are queued again. */
  readonly requeueUnfinished?: boolean;
  /**
   * The agents live and die with this coordinator (embedded): on a stop, their open attempts end as
   * interrupted (the trials wait for --resume) and the agents are recorded as left.
   */
  readonly agentsStopWithUs?: boolean;
  /** The agents are all known up front (embedded): a trial none of them can run fails at once. */
  readonly failUnrunnable?: boolean;
  /** Once aborted, no new trials are asked; the run ends when the ones created have finished. */
  readonly drain?: AbortSignal;
  /**
   * Aborted with an error as its reason (the study was taken over, the server stayed away): the
   * run ends with that error at once, recording nothing more (the study is left as it is stored).
   */
  readonly fatal?: AbortSignal;
  /**
   * The server's comings and goings (NATS): while it is away, and for agentLostMs after it is
   * back, no agent is judged lost (their heartbeats could not reach us); background work that
   * keeps failing stops the run after the watch's limit with its OutageError (exit 75).
   */
  readonly outage?: OutageWatch;
  readonly clock?: () => number;
  readonly log?: (line: string) => void;
}

export interface StudyOutcome {
  readonly trials: StoredTrial[];
  readonly best?: StoredTrial;
  /** False when stopped by the signal before every trial finished (resume it later). */
  readonly finished: boolean;
}
