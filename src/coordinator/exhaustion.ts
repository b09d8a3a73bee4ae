/**
 * Whether a max-deliveries notice is borne out by the study's own records. The notice comes from
 * the server (a JetStream advisory), and any client allowed to publish on its subject can forge
 * one: it would fail a trial and delete its queued message. So it fails the trial only when the
 * dispatch's last attempt was really started (a signed start from a granted agent) and is no
 * longer running on a live agent.
 */
import { isFinished } from '../core/trial.ts';
import type { StoredTrial, TrialMessage } from '../transport/messages.ts';

export type ExhaustionVerdict =
  /** The trial is finished already: nothing to do (the notice is dropped). */
  | { readonly kind: 'ignore' }
  /** Borne out: the trial fails. */
  | { readonly kind: 'fail' }
  /** Not borne out: the notice is dropped and the queued item kept. */
  | { readonly kind: 'refuse'; readonly reason: string }
  /** Its last attempt still runs on a live agent: ask again later (that agent may have just died). */
  | { readonly kind: 'defer'; readonly reason: string };

export function judgeExhaustion(trial: StoredTrial | undefined, message: TrialMessage, isLive: (agent: string) => boolean): ExhaustionVerdict {
  if (!trial || isFinished(trial.state)) return { kind: 'ignore' };
  // The queue delivers a dispatch maxAttempts + maxVanishings times (queueDeliveriesOf).
  const lastAttempt = message.attemptOffset + message.maxAttempts + (message.maxVanishings ?? 0);
  const last = trial.attempts.find((a) => a.attempt >= lastAttempt);
  if (!last) return { kind: 'refuse', reason: `its last attempt (#${lastAttempt}) never started` };
  if (last.outcome === undefined && isLive(last.agent)) return { kind: 'defer', reason: `attempt #${last.attempt} is still running on live agent ${last.agent}` };
  return { kind: 'fail' };
}
