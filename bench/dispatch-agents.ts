/**
 * The agent side of `npm run bench:dispatch`: N agents in ONE process, each with its own NATS
 * connection and one slot, running no-delay function trials in-process (no child process per
 * trial), so what is measured is the dispatch path, not process start-up. Prints `ready` once all
 * have joined; SIGTERM stops them.
 *   node --import tsx bench/dispatch-agents.ts nats://127.0.0.1:PORT N JOIN_TOKEN
 */
import { setMaxListeners } from 'node:events';
import { Agent, inProcessRunner, queueSettingsFromServer } from '../src/agent/index.ts';
import { connectNats } from '../src/transport/index.ts';
import { decodeJoinToken } from '../src/transport/auth/index.ts';

const [url, countText, token] = process.argv.slice(2);
const count = Number(countText);
if (!url || !Number.isInteger(count) || count < 1 || !token) {
  process.stderr.write('usage: dispatch-agents.ts NATS_URL AGENTS JOIN_TOKEN\n');
  process.exit(2);
}

const stop = new AbortController();
setMaxListeners(4 * count + 16, stop.signal); // every agent listens on the one stop signal
process.once('SIGTERM', () => stop.abort());
const transports = await Promise.all(Array.from({ length: count }, (_, i) => connectNats({ servers: url, name: `bench-agent-${i}` })));
const runs = transports.map((transport, i) =>
  new Agent({
    transport,
    name: `bench-${count}-${i}`,
    joins: [decodeJoinToken(token)],
    slots: 1,
    capabilities: { backend: 'wasm', gpus: 0, memoryBytes: 2 ** 30, classes: ['cpu'] },
    runner: inProcessRunner(),
    heartbeatMs: 500,
    queueSettings: (study) => queueSettingsFromServer(transport, study, stop.signal, () => undefined, 100),
  }).run(stop.signal),
);
process.stdout.write('ready\n');
await Promise.all(runs);
await Promise.all(transports.map((t) => t.close()));
