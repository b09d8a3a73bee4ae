/**
 * Keys for tests that play a study's parties by hand: a coordinator key, agent credentials it
 * granted, and the sealed forms of trial, result and bus messages (as the real parties send them).
 */
import {
  Gate,
  StudyTrust,
  mintJoinCredential,
  newStudySigner,
  sealBus,
  sealResult,
  sealTrial,
  type Envelope,
  type JoinCredential,
  type StudySigner,
} from '../../src/transport/auth/index.ts';
import type { BusMessage, ResultMessage, TrialMessage } from '../../src/transport/messages.ts';

export interface TestStudyKeys {
  readonly signer: StudySigner;
  /** A fresh agent credential granted by this study's key. */
  agent(): JoinCredential;
  trial(message: TrialMessage): Envelope;
  /** A result signed by `credential` (default: a fresh granted agent). */
  result(message: ResultMessage, credential?: JoinCredential): Envelope;
  bus(message: BusMessage, sealer?: StudySigner | JoinCredential): Envelope;
  /** What the study's coordinator would accept (for reading what agents sent). */
  gate(): Gate;
}

export function studyKeys(study = 'unit'): TestStudyKeys {
  const signer = newStudySigner(study);
  const agent = (): JoinCredential => mintJoinCredential(signer);
  return {
    signer,
    agent,
    trial: (message) => sealTrial(signer, message, Date.now()),
    result: (message, credential = agent()) => sealResult(credential, message, Date.now()),
    bus: (message, sealer = agent()) => sealBus(sealer, message, Date.now()),
    gate: () => new Gate([new StudyTrust(study, signer.publicKey)]),
  };
}
