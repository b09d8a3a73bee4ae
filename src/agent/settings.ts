/**
 * A study's trial-queue lease and attempt settings, as its coordinator published them. An agent
 * that starts before the study waits here (polling) rather than opening the study's queues with
 * guesses that would overwrite the coordinator's choice.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { unlessMissing, type KvStore, type Transport } from '../transport/types.ts';
import { queueSettingsCodec } from '../transport/messages.ts';
import { SETTINGS_BUCKET, trialQueueSettingsKey } from '../transport/subjects.ts';

export interface QueueSettingsValue {
  readonly ackWaitMs: number;
  readonly maxAttempts: number;
}

export async function queueSettingsFromServer(
  transport: Transport,
  study: string,
  signal: AbortSignal,
  onWait: () => void = () => undefined,
  pollMs = 1_000,
): Promise<QueueSettingsValue> {
  // Bound, never created: the settings bucket is the coordinators' (an agent has no right to create
  // it), and before the first coordinator on this server starts it does not exist yet: wait.
  let kv: KvStore<QueueSettingsValue> | undefined;
  let waited = false;
  for (;;) {
    kv ??= await unlessMissing(transport.kv(SETTINGS_BUCKET, queueSettingsCodec, { bindOnly: true }));
    const entry = await kv?.get(trialQueueSettingsKey(study));
    if (entry) return { ackWaitMs: entry.value.ackWaitMs, maxAttempts: entry.value.maxAttempts };
    if (!waited) onWait();
    waited = true;
    signal.throwIfAborted();
    await sleep(pollMs, undefined, { signal });
  }
}
