/**
 * A push-to-pull bridge: producers `push` values, one consumer iterates them, and the
 * iteration ends when `close` is called or the signal aborts. Used by watchers and by the
 * NATS adapters wherever a callback source must become an AsyncIterable.
 */
export interface Channel<T> extends AsyncIterable<T> {
  push(value: T): void;
  close(): void;
  readonly closed: boolean;
}

export function createChannel<T>(signal?: AbortSignal, onClose?: () => void): Channel<T> {
  const buffer: T[] = [];
  let waiter: ((result: IteratorResult<T>) => void) | undefined;
  let closed = false;

  const close = (): void => {
    if (closed) return;
    closed = true;
    signal?.removeEventListener('abort', close);
    onClose?.();
    if (waiter) {
      const wake = waiter;
      waiter = undefined;
      wake({ value: undefined, done: true });
    }
  };
  if (signal?.aborted) close();
  else signal?.addEventListener('abort', close, { once: true });

  const iterator: AsyncIterator<T> = {
    next(): Promise<IteratorResult<T>> {
      if (buffer.length > 0) return Promise.resolve({ value: buffer.shift() as T, done: false });
      if (closed) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve) => {
        waiter = resolve;
      });
    },
    return(): Promise<IteratorResult<T>> {
      close();
      buffer.length = 0;
      return Promise.resolve({ value: undefined, done: true });
    },
  };

  return {
    push(value: T): void {
      if (closed) return;
      if (waiter) {
        const wake = waiter;
        waiter = undefined;
        wake({ value, done: false });
      } else {
        buffer.push(value);
      }
    },
    close,
    get closed() {
      return closed;
    },
    [Symbol.asyncIterator]: () => iterator,
  };
}

/** Waits until `arm`'s wake function is called or the signal aborts, without leaking listeners. */
export function untilAborted(signal: AbortSignal, arm: (wake: () => void) => void): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      signal.removeEventListener('abort', done);
      resolve();
    };
    signal.addEventListener('abort', done, { once: true });
    arm(done);
  });
}
