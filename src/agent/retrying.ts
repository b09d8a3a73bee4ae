/**
 * The agent's bounded retry of what it must open to serve (a study's queue settings, a trial
 * queue): one that fails is tried again on its own, after `firstMs` doubling up to `maxMs`, while
 * the agent's other queues keep serving. The backoff starts again after an attempt that ran longer
 * than `maxMs` (a queue that served a while, then lost its link); `stop` cuts any wait short.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface RetryDelays {
  readonly firstMs: number;
  readonly maxMs: number;
}

export const DEFAULT_QUEUE_RETRY: RetryDelays = { firstMs: 1_000, maxMs: 30_000 };

/** `attempt()`'s value, tried again after each failure (logged with the reason); undefined once `stop` aborts. */
export async function retrying<T>(what: string, stop: AbortSignal, attempt: () => Promise<T>, delays: RetryDelays, log: (line: string) => void): Promise<T | undefined> {
  const { firstMs, maxMs } = delays;
  for (let failures = 0; !stop.aborted; failures++) {
    const startedAt = Date.now();
    try {
      return await attempt();
    } catch (error) {
      if (stop.aborted) break;
      if (Date.now() - startedAt > maxMs) failures = 0; // it served a while: start the backoff again
      const delayMs = Math.min(maxMs, firstMs * 2 ** failures);
      log(`could not open ${what}: ${(error as Error).message ?? String(error)}; trying again in ${(delayMs / 1000).toFixed(1)} s (the agent's other queues keep serving)`);
      await sleep(delayMs, undefined, { signal: stop }).catch(() => undefined);
    }
  }
  return undefined;
}
