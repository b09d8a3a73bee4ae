/**
 * Checking what arrives, for one study. A message is applied only when
 * - it is an envelope of this study (a foreign one is refused before any key is tried),
 * - its signer may send its type: trials and prunes only from the study's coordinator key;
 *   results, reports, heartbeats and goodbyes only from an agent key the coordinator granted,
 * - the signature verifies (nkeys, Ed25519) and the payload is a valid member of its union whose
 *   own `study` field, where it has one, is the envelope's.
 * Anything else throws AuthError with the reason; the receiver logs it and never applies it.
 * Replays are the receiver's check (replay.ts): it knows the delivery count of a queue message.
 */
import type { Codec } from '../types.ts';
import { busCodec, resultCodec, trialCodec, type BusMessage, type ResultMessage, type TrialMessage } from '../messages.ts';
import { signedBytes, seal, type Channel, type Envelope, type Sealer } from './envelope.ts';
import { grantIsValid, verifyWith } from './keys.ts';

export class AuthError extends Error {
  constructor(readonly reason: string) {
    super(`refused: ${reason}`);
    this.name = 'AuthError';
  }
}

const encoder = new TextEncoder();

/** Seals a message of `channel` after its codec has validated it (an invalid one is never sent). */
export function sealMessage<T>(sealer: Sealer, channel: Channel, codec: Codec<T>, message: T, at: number): Envelope {
  return seal(sealer, channel, new TextDecoder().decode(codec.encode(message)), at);
}

export const sealTrial = (sealer: Sealer, message: TrialMessage, at: number): Envelope => sealMessage(sealer, 'trial', trialCodec, message, at);
export const sealResult = (sealer: Sealer, message: ResultMessage, at: number): Envelope => sealMessage(sealer, 'result', resultCodec, message, at);
export const sealBus = (sealer: Sealer, message: BusMessage, at: number): Envelope => sealMessage(sealer, 'bus', busCodec, message, at);

type Role = 'coordinator' | 'agent';

/** Who may sign each payload type. */
const ROLE_OF: Record<string, Role> = {
  trial: 'coordinator',
  prune: 'coordinator',
  'trial-started': 'agent',
  'trial-outcome': 'agent',
  report: 'agent',
  batch: 'agent',
  heartbeat: 'agent',
  'agent-leaving': 'agent',
};

export class StudyTrust {
  /** Grants already verified (an agent sends its grant with every message). */
  private readonly grants = new Set<string>();

  constructor(
    readonly study: string,
    /** The coordinator's public key (from the study signer, or from a join token). */
    readonly coordinatorKey: string,
  ) {}

  openTrial(envelope: Envelope): TrialMessage {
    return this.open(envelope, 'trial', trialCodec);
  }

  openResult(envelope: Envelope): ResultMessage {
    return this.open(envelope, 'result', resultCodec);
  }

  openBus(envelope: Envelope): BusMessage {
    return this.open(envelope, 'bus', busCodec);
  }

  private open<T extends { type: string }>(envelope: Envelope, channel: Channel, codec: Codec<T>): T {
    if (envelope.study !== this.study) throw new AuthError(`a message of study '${envelope.study}', not '${this.study}'`);
    if (envelope.channel !== channel) throw new AuthError(`a ${envelope.channel} message on the ${channel} channel`);
    const signedBy = this.roleOf(envelope);
    if (!verifyWith(envelope.signer, signedBytes(envelope), envelope.sig)) throw new AuthError(`bad signature (signer ${envelope.signer.slice(0, 8)}…)`);
    let message: T;
    try {
      message = codec.decode(encoder.encode(envelope.payload));
    } catch (error) {
      throw new AuthError(`signed but invalid payload: ${(error as Error).message}`);
    }
    const role = ROLE_OF[message.type];
    if (role !== signedBy) throw new AuthError(`a '${message.type}' signed by ${signedBy === 'agent' ? 'an agent' : 'the coordinator'} (only ${role === 'agent' ? 'agents' : 'the coordinator'} may send it)`);
    const named = (message as { study?: unknown }).study;
    if (named !== undefined && named !== this.study) throw new AuthError(`payload names study '${String(named)}' inside an envelope of '${this.study}'`);
    return message;
  }

  /** The coordinator key is known; an agent key must come with a valid grant from it. */
  private roleOf(envelope: Envelope): Role {
    if (envelope.signer === this.coordinatorKey) {
      if (envelope.grant !== undefined) throw new AuthError('the coordinator key does not carry a grant');
      return 'coordinator';
    }
    if (envelope.grant === undefined) throw new AuthError(`signer ${envelope.signer.slice(0, 8)}… is not this study's coordinator and has no grant`);
    const grant = `${envelope.signer}:${envelope.grant}`;
    if (!this.grants.has(grant)) {
      if (!grantIsValid(this.study, this.coordinatorKey, envelope.signer, envelope.grant)) {
        throw new AuthError(`signer ${envelope.signer.slice(0, 8)}… has no grant from this study's coordinator`);
      }
      this.grants.add(grant);
    }
    return 'agent';
  }
}
