/**
 * What the coordinator does while its message server is away: it says so at once ("lost the NATS
 * server at URL; retrying…"), says it again with backoff (5 s, 10 s, 20 s, … at most every 5 min)
 * while it waits, says when the server is back, and gives up after `limitMs` with an OutageError
 * (exit 75, not an internal error) carrying the --resume advice: nothing is lost, the study stays
 * on the server as it was. Fed by the connection's disconnect/reconnect notices; no NATS types.
 */
import { OutageError } from '../core/errors.ts';

export const DEFAULT_OUTAGE_LIMIT_MS = 10 * 60_000;
const FIRST_NOTICE_MS = 5_000;
const MAX_NOTICE_MS = 5 * 60_000;

/** What the coordinator asks: is the server away, and when did it last come back. */
export interface ConnectionState {
  readonly down: boolean;
  /** When the server last came back (0: never lost). */
  readonly backAt: number;
}

export interface OutageWatchOptions {
  /** The server, as shown to a person (password redacted). */
  readonly where: string;
  readonly limitMs?: number;
  /** The command that continues the study (the advice when giving up). */
  readonly resumeCommand: string;
  readonly log: (line: string) => void;
  readonly giveUp: (error: OutageError) => void;
  readonly clock?: () => number;
  /** The first "still waiting" notice comes after this long (then doubling). Default 5 s. */
  readonly firstNoticeMs?: number;
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return s % 60 === 0 ? `${m} min` : `${m} min ${s % 60} s`;
}

export class OutageWatch implements ConnectionState {
  private since: number | undefined;
  private lastBack = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly clock: () => number;
  private readonly limitMs: number;
  private gaveUp = false;

  constructor(private readonly options: OutageWatchOptions) {
    this.clock = options.clock ?? Date.now;
    this.limitMs = options.limitMs ?? DEFAULT_OUTAGE_LIMIT_MS;
  }

  get down(): boolean {
    return this.since !== undefined;
  }

  get backAt(): number {
    return this.lastBack;
  }

  /** How long it waits for the server before giving up. */
  get limit(): number {
    return this.limitMs;
  }

  /** The connection dropped (idempotent while it stays down). */
  lost(): void {
    if (this.since !== undefined || this.gaveUp) return;
    this.since = this.clock();
    this.options.log(`lost the NATS server at ${this.options.where}; retrying (giving up after ${formatDuration(this.limitMs)})…`);
    this.schedule(this.options.firstNoticeMs ?? FIRST_NOTICE_MS);
  }

  /** The connection is back. */
  back(): void {
    if (this.since === undefined) return;
    const downMs = this.clock() - this.since;
    this.since = undefined;
    this.lastBack = this.clock();
    this.clear();
    this.options.log(`the NATS server at ${this.options.where} is back after ${formatDuration(downMs)}; carrying on`);
  }

  /** The error to stop with after `what` kept failing for `forMs` without the connection dropping. */
  error(what: string, forMs: number): OutageError {
    return new OutageError(`${what}: the NATS server at ${this.options.where} has not answered for ${formatDuration(forMs)}; the coordinator gives up`, {
      where: this.options.where,
      hint: `Nothing is lost: the study is kept on the server. Once it answers again, continue with \`${this.options.resumeCommand}\` (wait longer with --outage-limit SECONDS).`,
    });
  }

  close(): void {
    this.clear();
  }

  private schedule(afterMs: number): void {
    const since = this.since!;
    const remaining = since + this.limitMs - this.clock();
    const wait = Math.min(afterMs, Math.max(0, remaining));
    this.timer = setTimeout(() => {
      if (this.since !== since) return;
      const elapsed = this.clock() - since;
      if (elapsed >= this.limitMs) {
        this.gaveUp = true;
        this.options.giveUp(this.error('lost the connection', elapsed));
        return;
      }
      this.options.log(
        `still no NATS server at ${this.options.where} after ${formatDuration(elapsed)}; retrying (giving up in ${formatDuration(this.limitMs - elapsed)})…`,
      );
      this.schedule(Math.min(MAX_NOTICE_MS, afterMs * 2));
    }, wait);
  }

  private clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
