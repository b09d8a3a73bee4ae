/**
 * Replay rules, applied by receivers after a message verified (trust.ts):
 * - queue messages (trials, results) may legitimately be redelivered, with the same bytes and a
 *   higher delivery count: the replay key is nonce + delivery count, so a genuine redelivery
 *   passes and a copy published again (delivery 1 again) is refused. Results are moreover keyed
 *   by trial id + attempt in the store, so one applied twice changes nothing even after a restart.
 * - bus messages (heartbeats, goodbyes, reports, prunes) are fire and forget: each nonce once, and
 *   only while fresh (`at` within FRESHNESS_MS of the receiver's clock), so an old heartbeat replayed
 *   after the nonce was forgotten is refused too. Clocks must agree within that window (NTP).
 */

/** How far a bus message's `at` may be from the receiver's clock. */
export const FRESHNESS_MS = 5 * 60_000;

/** Remembers keys for `ttlMs` (and at most `maxEntries`, oldest dropped first). */
export class ReplayGuard {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly ttlMs: number = 2 * FRESHNESS_MS,
    private readonly maxEntries = 200_000,
  ) {}

  /** True the first time `key` is offered (and remembers it); false for a replay. */
  first(key: string, now: number): boolean {
    this.expire(now);
    if (this.seen.has(key)) return false;
    this.seen.set(key, now);
    if (this.seen.size > this.maxEntries) this.seen.delete(this.seen.keys().next().value!);
    return true;
  }

  private expire(now: number): void {
    for (const [key, at] of this.seen) {
      if (now - at <= this.ttlMs) break; // insertion order is time order
      this.seen.delete(key);
    }
  }
}

/** Why a bus message is stale, or undefined when it is fresh. */
export function staleness(at: number, now: number, windowMs = FRESHNESS_MS): string | undefined {
  const skew = now - at;
  if (Math.abs(skew) <= windowMs) return undefined;
  return `sent ${Math.round(skew / 1000)} s ${skew > 0 ? 'ago' : 'in the future'} (more than ${windowMs / 1000} s: a replay, or clocks that disagree)`;
}
