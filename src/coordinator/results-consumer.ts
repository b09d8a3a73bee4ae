/**
 * The coordinator's results queue: each delivery is checked by the gate (signature, study, replay),
 * applied, then acknowledged; a rejected one is terminated with its reason, one that fails to apply
 * is retried. Applying a result twice is a no-op, so a lost acknowledgement costs nothing.
 */
import type { Envelope, Gate } from '../transport/auth/index.ts';
import type { ResultMessage } from '../transport/messages.ts';
import type { WorkQueue } from '../transport/types.ts';

const RESULT_CONSUMERS = 16;

export async function consumeResults(
  queue: WorkQueue<Envelope>,
  queueName: string,
  gate: Gate,
  apply: (message: ResultMessage) => Promise<void>,
  log: (line: string) => void,
  signal: AbortSignal,
): Promise<void> {
  for await (const { data: envelope, lease } of queue.consume({ maxInFlight: RESULT_CONSUMERS, signal })) {
    const admitted = gate.admitResult(envelope, lease.attempt);
    if (!admitted.ok) {
      log(`rejected a message on ${queueName}: ${admitted.reason}`);
      lease.reject(admitted.reason);
      continue;
    }
    const data = admitted.message;
    apply(data).then(
      () =>
        lease.complete().catch((error: unknown) => {
          // The ack did not reach the server (it may be restarting): the result comes again
          // after the lease expires, and applying it twice is a no-op.
          log(`could not acknowledge ${data.type} of trial ${data.trialId} (${(error as Error).message}); it will be redelivered`);
        }),
      (error: unknown) => {
        log(`could not apply ${data.type} of trial ${data.trialId}: ${(error as Error).message}; retrying`);
        lease.retry(500);
      },
    );
  }
}
