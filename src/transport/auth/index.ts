/** Per-study message authentication: nkeys identities, signed envelopes, trust and replay checks. */
export { AUTH_VERSION, EnvelopeSchema, envelopeCodec, seal, signedBytes, type Channel, type Envelope, type Sealer } from './envelope.ts';
export {
  decodeJoinToken,
  encodeJoinToken,
  grantIsValid,
  isAccountPublicKey,
  mintJoinCredential,
  newStudySigner,
  studySignerFromSeed,
  type JoinCredential,
  type StudySigner,
} from './keys.ts';
export { Gate, type Admission } from './gate.ts';
export { FRESHNESS_MS, ReplayGuard, staleness } from './replay.ts';
export { AuthError, StudyTrust, sealBus, sealMessage, sealResult, sealTrial } from './trust.ts';
export { KV_RECORD_VERSION, signedRecordCodec, verifiedRecordCodec, type RecordTrust } from './records.ts';
export {
  bytesCodec,
  claimOf,
  keyMismatch,
  openStudyRecordKv,
  studyRecordKv,
  type RecordRefusal,
  type RefusalHandler,
  type StudyRecordKv,
  type StudyRecordClaim,
} from './study-records.ts';
export { prepareResume } from './legacy-records.ts';
