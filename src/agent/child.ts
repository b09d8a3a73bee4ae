/**
 * The trial child process: receives one RunRequest over IPC, runs it, sends progress and then a
 * result or a failure, and exits. Training blocks this process's thread, never the agent's, and
 * a crash, a leak or a kill here costs one attempt, not the agent.
 */
import { executeTrial } from './execute.ts';
import { failureData, type ChildMessage, type EncoderReply, type EncoderStoreLike, type RunRequest } from './protocol.ts';

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    process.send!(message, undefined, {}, (error) => (error ? reject(error) : resolve()));
  });
}

if (!process.send) {
  process.stderr.write('skewer: src/agent/child.ts is started by an agent over IPC, not by hand\n');
  process.exit(2);
}

// The agent is gone (killed, crashed, machine lost): nobody will read our result, and the queue
// will redeliver the trial elsewhere, so this process must not train on as an orphan.
process.once('disconnect', () => process.exit(4));

// The agent's object store, asked over IPC: the agent holds the connection (and its credentials).
const pending = new Map<number, { resolve: (found: boolean) => void; reject: (error: Error) => void }>();
let nextId = 0;
function ask(op: 'fetch' | 'publish', key: string, dir: string): Promise<boolean> {
  const id = nextId++;
  return new Promise<boolean>((resolve, reject) => {
    pending.set(id, { resolve, reject });
    send({ type: 'encoder', id, op, key, dir }).catch(reject);
  });
}
const encoderStore: EncoderStoreLike = {
  fetch: (key, dir) => ask('fetch', key, dir),
  publish: async (key, dir) => void (await ask('publish', key, dir)),
};
process.on('message', (message: RunRequest | EncoderReply) => {
  if (message.type !== 'encoder-reply') return;
  const waiter = pending.get(message.id);
  pending.delete(message.id);
  if (message.error !== undefined) waiter?.reject(new Error(message.error));
  else waiter?.resolve(message.found ?? false);
});

process.once('message', (request: RunRequest) => {
  const controller = new AbortController();
  process.once('SIGTERM', () => controller.abort());
  executeTrial(request.trial, {
    ...(request.datasetPath && { datasetPath: request.datasetPath }),
    ...(request.encoderCacheDir && { encoderCacheDir: request.encoderCacheDir }),
    encoderStore,
    onProgress: (progress) => void send({ type: 'progress', progress }),
    onBatch: (batch) => void send({ type: 'batch', batch }),
    signal: controller.signal,
  })
    .then(
      (run) => send({ type: 'result', run }),
      (error: unknown) => send({ type: 'failure', failure: failureData(error) }),
    )
    .then(
      () => process.exit(0),
      () => process.exit(3),
    );
});
