/**
 * The receiving side of authentication, for the studies a party belongs to: verifies (trust.ts),
 * then applies the replay rules (replay.ts). Returns an admission the caller acts on: a queue
 * message refused is rejected (term) with the reason logged; one of a study this party has not
 * joined is handed back (it may be another party's); a bus message refused is dropped.
 */
import type { BusMessage, ResultMessage, TrialMessage } from '../messages.ts';
import type { Envelope } from './envelope.ts';
import { ReplayGuard, staleness } from './replay.ts';
import { AuthError, type StudyTrust } from './trust.ts';

export type Admission<T> =
  | { readonly ok: true; readonly message: T }
  | { readonly ok: false; readonly reason: string; /** Of a study this party has not joined. */ readonly unknownStudy: boolean };

/** Queue copies are remembered a day (results are keyed by trial and attempt beyond that). */
const QUEUE_MEMORY_MS = 24 * 3_600_000;

export class Gate {
  private readonly trusts = new Map<string, StudyTrust>();
  private readonly queueSeen = new ReplayGuard(QUEUE_MEMORY_MS);
  private readonly busSeen = new ReplayGuard();

  constructor(
    trusts: readonly StudyTrust[],
    private readonly clock: () => number = Date.now,
  ) {
    for (const trust of trusts) this.trusts.set(trust.study, trust);
  }

  get studies(): string[] {
    return [...this.trusts.keys()];
  }

  /** A trial from a queue; `delivery` is the queue's delivery count of this copy. */
  admitTrial(envelope: Envelope, delivery: number): Admission<TrialMessage> {
    return this.admitQueued(envelope, delivery, (trust) => trust.openTrial(envelope));
  }

  admitResult(envelope: Envelope, delivery: number): Admission<ResultMessage> {
    return this.admitQueued(envelope, delivery, (trust) => trust.openResult(envelope));
  }

  admitBus(envelope: Envelope): Admission<BusMessage> {
    return this.admit(envelope, (trust) => {
      const message = trust.openBus(envelope);
      const now = this.clock();
      const stale = staleness(envelope.at, now);
      if (stale) throw new AuthError(`stale ${message.type}: ${stale}`);
      if (!this.busSeen.first(envelope.nonce, now)) throw new AuthError(`replayed ${message.type} (nonce seen before)`);
      return message;
    });
  }

  private admitQueued<T extends { type: string }>(envelope: Envelope, delivery: number, open: (trust: StudyTrust) => T): Admission<T> {
    return this.admit(envelope, (trust) => {
      const message = open(trust);
      // A redelivery has the same nonce and a higher count; a copy published again starts at 1.
      if (!this.queueSeen.first(`${envelope.channel}:${envelope.nonce}:${delivery}`, this.clock())) {
        throw new AuthError(`replayed ${message.type} (nonce seen before at delivery ${delivery})`);
      }
      return message;
    });
  }

  private admit<T>(envelope: Envelope, open: (trust: StudyTrust) => T): Admission<T> {
    const trust = this.trusts.get(envelope.study);
    if (!trust) return { ok: false, reason: `a message of study '${envelope.study}', which this party has not joined`, unknownStudy: true };
    try {
      return { ok: true, message: open(trust) };
    } catch (error) {
      if (error instanceof AuthError) return { ok: false, reason: error.reason, unknownStudy: false };
      throw error;
    }
  }
}
