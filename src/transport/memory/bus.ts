import { decodeOrReport, type InvalidMessageHandler } from '../codec.ts';
import type { Bus, Codec } from '../types.ts';

/** NATS subject matching: `*` matches one token, a trailing `>` one or more. */
export function subjectMatches(pattern: string, subject: string): boolean {
  const want = pattern.split('.');
  const have = subject.split('.');
  for (let i = 0; i < want.length; i += 1) {
    const token = want[i];
    if (token === '>') return i === want.length - 1 && have.length > i;
    if (i >= have.length) return false;
    if (token !== '*' && token !== have[i]) return false;
  }
  return want.length === have.length;
}

function checkSubject(subject: string, allowWildcards: boolean): string {
  const tokens = subject.split('.');
  const bad = tokens.some(
    (token, i) =>
      token === '' ||
      /\s/.test(token) ||
      (!allowWildcards && (token === '*' || token === '>')) ||
      (token === '>' && i !== tokens.length - 1) ||
      (token.length > 1 && /[*>]/.test(token)),
  );
  if (bad) throw new RangeError(`invalid ${allowWildcards ? 'subscription' : 'publish'} subject ${JSON.stringify(subject)}`);
  return subject;
}

type Listener = (bytes: Uint8Array, subject: string) => void;

/** Core pub/sub for one transport: asynchronous, at-most-once, no history (like core NATS). */
export class MemoryBusState {
  private readonly listeners = new Map<Listener, string>();

  publish(subject: string, bytes: Uint8Array): void {
    checkSubject(subject, false);
    for (const [listener, pattern] of this.listeners) {
      if (!subjectMatches(pattern, subject)) continue;
      queueMicrotask(() => {
        if (this.listeners.has(listener)) listener(bytes, subject);
      });
    }
  }

  subscribe(pattern: string, listener: Listener): () => void {
    this.listeners.set(listener, checkSubject(pattern, true));
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.listeners.clear();
  }
}

export function memoryBus<T>(state: MemoryBusState, codec: Codec<T>, onInvalid: InvalidMessageHandler): Bus<T> {
  return {
    publish: (subject, data) => state.publish(subject, codec.encode(data)),
    subscribe: (pattern, handler) =>
      state.subscribe(pattern, (bytes, subject) => {
        const decoded = decodeOrReport(codec, bytes, `bus ${subject}`, onInvalid);
        if (decoded) handler(decoded.value, subject);
      }),
  };
}
