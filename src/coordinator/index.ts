/**
 * The coordinator's surface: run a study, read one (status, export, `ui --server`), and the
 * records it keeps. No tfjs here, ever (test/architecture.test.ts checks it transitively).
 */
export { runCoordinator, type CoordinatorOptions, type StudyOutcome } from './coordinator.ts';
export {
  assertStudyOnServer,
  openStudyReader,
  type ReaderTrust,
  type RecordIntegrity,
  type StudyReader,
  type StudyReaderTarget,
  type StudySnapshot,
} from './reader.ts';
export { TrialStore, type StoredTrial, type StoredStudy, type StoredAgent, type StoredRerun, type AttemptRecord } from './store.ts';
export { countReruns, type RerunCount } from './reruns.ts';
export { journaledKv, restoreJournaledKv, readJournal, studyDir, journalPath } from './journal.ts';
export { agentInfoOf, eventsFromTrialChange } from './changes.ts';
export { estimateResources } from './resources.ts';
export { resolveStrategies, type SearchPolicy } from './strategies.ts';
export { directionOf, valueNameOf } from '../objectives/index.ts';
export { bestOf, compareByValue, rankComplete, type Direction } from '../core/direction.ts';
export { lockStudyDir, LOCK_FILE, type StudyLock } from './lock.ts';
export { acquireStudyLease, DEFAULT_LEASE_TTL_MS, type StudyLease, type StudyLeaseOptions } from './study-lease.ts';
export { COORDINATOR_KEY_FILE, coordinatorKeyPath, loadStudySigner } from './study-key.ts';
export { OutageWatch, DEFAULT_OUTAGE_LIMIT_MS, type ConnectionState, type OutageWatchOptions } from './outage-watch.ts';
export { AnchorKeeper, anchorPath, defaultAnchorDir, loadAnchor, saveAnchor, type AnchorIdentity } from './record-anchor.ts';
