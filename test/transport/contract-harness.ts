/** Shared pieces of the transport contract suite: the harness, a puller with timeouts, codecs. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { zodCodec, type InvalidMessage, type InvalidMessageHandler } from '../../src/transport/codec.ts';
import type { Codec, Delivery, Transport, WorkQueue } from '../../src/transport/types.ts';

export type MakeTransport = (options: { onInvalid: InvalidMessageHandler }) => Promise<Transport>;

export const ACK_WAIT_MS = 400;
export const Work = z.strictObject({ n: z.number().int() });
export type Work = z.infer<typeof Work>;
export const workCodec = zodCodec(Work);
/** Sends any bytes: stands in for a foreign or buggy publisher. */
export const rawCodec: Codec<string> = {
  encode: (text) => new TextEncoder().encode(text),
  decode: (bytes) => new TextDecoder().decode(bytes),
};

let counter = 0;
export const unique = (prefix: string): string => `${prefix}_${process.pid}_${++counter}_${randomBytes(3).toString('hex')}`;

export interface Harness {
  transport: Transport;
  invalid: InvalidMessage[];
}

export async function withTransport(make: MakeTransport, body: (h: Harness) => Promise<void>): Promise<void> {
  const invalid: InvalidMessage[] = [];
  const transport = await make({ onInvalid: (message) => invalid.push(message) });
  try {
    await body({ transport, invalid });
  } finally {
    await transport.close();
  }
}

/** The next delivery within `ms`, or 'timeout'. Keeps the iterator usable afterwards. */
export class Puller<T> {
  private pendingNext: Promise<IteratorResult<Delivery<T>>> | undefined;
  private readonly iterator: AsyncIterator<Delivery<T>>;
  constructor(
    queue: WorkQueue<T>,
    maxInFlight: number,
    readonly controller = new AbortController(),
  ) {
    this.iterator = queue.consume({ maxInFlight, signal: controller.signal })[Symbol.asyncIterator]();
  }
  async next(ms: number): Promise<Delivery<T> | 'timeout'> {
    this.pendingNext ??= this.iterator.next();
    const result = await Promise.race([this.pendingNext, sleep(ms).then(() => 'timeout' as const)]);
    if (result === 'timeout') return result;
    this.pendingNext = undefined;
    assert.equal(result.done, false, 'the consumer ended unexpectedly');
    return result.value as Delivery<T>;
  }
  async expect(ms: number): Promise<Delivery<T>> {
    const got = await this.next(ms);
    assert.notEqual(got, 'timeout', `no delivery within ${ms} ms`);
    return got as Delivery<T>;
  }
  stop(): void {
    this.controller.abort();
  }
}

export async function until(condition: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = performance.now() + ms;
  while (!(await condition())) {
    if (performance.now() > deadline) assert.fail(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(20);
  }
}
