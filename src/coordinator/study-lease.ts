/**
 * One coordinator per study on a server: the NATS counterpart of the embedded folder lock
 * (lock.ts). The coordinator holds a KV lease (LEASE_BUCKET, one key per study) naming its process
 * and host, renewed every third of its TTL by compare-and-set. A second coordinator for a live
 * study is refused with the holder named; a lease not renewed for its TTL (the holder was killed,
 * or lost the server), or held by a process of this host that no longer exists, is taken over,
 * saying so. A holder whose renewal finds a successor's record stops: it was taken over.
 *
 * Staleness compares the holder's renewal time with this machine's clock: hosts whose clocks
 * differ by more than a fraction of the TTL should use a longer one (--lease-ttl).
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { UserError } from '../core/errors.ts';
import { PROTOCOL_VERSION, coordinatorLeaseCodec, type CoordinatorLease } from '../transport/messages.ts';
import { LEASE_BUCKET, coordinatorLeaseKey } from '../transport/subjects.ts';
import type { KvStore, Transport } from '../transport/types.ts';

export const DEFAULT_LEASE_TTL_MS = 15_000;
/** How long `release` waits for the server (it may be gone); the lease then lapses by itself. */
const RELEASE_TIMEOUT_MS = 3_000;

export interface StudyLeaseOptions {
  /** A lease not renewed for this long is stale. Default 15 s. */
  readonly ttlMs?: number;
  readonly clock?: () => number;
  readonly log?: (line: string) => void;
  /** Called once if another coordinator took the study over (this one must stop). */
  readonly onLost: (error: UserError) => void;
}

export interface StudyLease {
  readonly record: CoordinatorLease;
  /** Stops renewing and deletes the lease if it is still ours. Safe to call twice. */
  release(): Promise<void>;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function describe(holder: CoordinatorLease): string {
  return `coordinator process ${holder.pid} on ${holder.host} (since ${new Date(holder.startedAt).toISOString()})`;
}

/** Takes the study's lease, or throws a UserError naming the live holder. */
export async function acquireStudyLease(transport: Transport, study: string, options: StudyLeaseOptions): Promise<StudyLease> {
  const ttlMs = options.ttlMs ?? DEFAULT_LEASE_TTL_MS;
  const clock = options.clock ?? Date.now;
  const log = options.log ?? (() => undefined);
  const key = coordinatorLeaseKey(study);
  const kv = await transport.kv(LEASE_BUCKET, coordinatorLeaseCodec);
  const now = clock();
  const mine: CoordinatorLease = {
    v: PROTOCOL_VERSION, type: 'coordinator-lease', study, token: randomUUID(),
    pid: process.pid, host: hostname(), startedAt: now, renewedAt: now, ttlMs,
  };
  let revision: number | undefined;
  for (let round = 0; round < 3 && revision === undefined; round++) {
    const existing = await kv.get(key);
    if (!existing) {
      revision = await kv.create(key, { ...mine, renewedAt: clock() });
      continue;
    }
    const holder = existing.value;
    const silentMs = clock() - holder.renewedAt;
    const goneHere = holder.host === mine.host && holder.pid !== process.pid && !processAlive(holder.pid);
    if (silentMs < holder.ttlMs && !goneHere) {
      throw new UserError(`study '${study}' is being run by ${describe(holder)}; its lease was renewed ${Math.max(0, Math.round(silentMs / 1000))} s ago`, {
        where: `${LEASE_BUCKET} ${key}`,
        hint: `Watch it with \`skewer ui ${study} --server …\`, or stop that coordinator first (its lease lapses ${Math.round(holder.ttlMs / 1000)} s after it stops).`,
      });
    }
    const why = goneHere ? 'which is gone' : `whose lease was last renewed ${Math.round(silentMs / 1000)} s ago`;
    revision = await kv.update(key, { ...mine, renewedAt: clock() }, existing.revision);
    if (revision !== undefined) log(`taking over study '${study}' from ${describe(holder)}, ${why}`);
  }
  if (revision === undefined) {
    throw new UserError(`could not take the lease of study '${study}'`, { where: `${LEASE_BUCKET} ${key}`, hint: 'Another coordinator is starting it at the same moment; try again.' });
  }
  return keepLease(kv, key, mine, revision, ttlMs, clock, log, options.onLost);
}

function keepLease(
  kv: KvStore<CoordinatorLease>,
  key: string,
  mine: CoordinatorLease,
  first: number,
  ttlMs: number,
  clock: () => number,
  log: (line: string) => void,
  onLost: (error: UserError) => void,
): StudyLease {
  let revision = first;
  let stopped = false;
  let renewing: Promise<void> | undefined;
  let failing = false;
  const renew = async (): Promise<void> => {
    try {
      const next = await kv.update(key, { ...mine, renewedAt: clock() }, revision);
      if (next !== undefined) {
        revision = next;
        if (failing) log(`the lease of study '${mine.study}' is renewed again`);
        failing = false;
        return;
      }
      const now = await kv.get(key);
      if (now?.value.token === mine.token) {
        revision = now.revision; // our own write whose reply was lost
        return;
      }
      stopped = true;
      clearInterval(timer);
      const by = now ? describe(now.value) : 'someone who then released it';
      onLost(
        new UserError(`study '${mine.study}' was taken over by ${by}: this coordinator stops`, {
          where: `${LEASE_BUCKET} ${key}`,
          hint: 'Run one coordinator per study; this one could not renew its lease in time (a long outage or pause?).',
        }),
      );
    } catch (error) {
      // The server is away: the outage handling says so; keep trying while it lasts.
      if (!failing) log(`could not renew the lease of study '${mine.study}' (${(error as Error).message}); retrying`);
      failing = true;
    }
  };
  const timer = setInterval(() => {
    if (stopped || renewing) return;
    renewing = renew().finally(() => {
      renewing = undefined;
    });
  }, Math.max(50, Math.floor(ttlMs / 3)));
  timer.unref();
  let released: Promise<void> | undefined;
  return {
    record: mine,
    release() {
      released ??= (async () => {
        const wasLost = stopped;
        stopped = true;
        clearInterval(timer);
        if (wasLost) return;
        const gone = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), RELEASE_TIMEOUT_MS).unref());
        const done = (async () => {
          await renewing;
          if ((await kv.get(key))?.value.token === mine.token) await kv.delete(key);
        })();
        const result = await Promise.race([done.then(() => 'ok' as const, (error: unknown) => error as Error), gone]);
        if (result !== 'ok') {
          done.catch(() => undefined);
          const why = result === 'timeout' ? 'the server did not answer' : result.message;
          log(`could not release the lease of study '${mine.study}' (${why}); it lapses ${Math.round(ttlMs / 1000)} s after its last renewal`);
        }
      })();
      return released;
    },
  };
}
