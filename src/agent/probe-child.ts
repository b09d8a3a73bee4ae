/**
 * Started by probeBackend (src/agent/backend-probe.ts) with a backend name: activates that tfjs
 * backend as a trial process would and prints one JSON line, `{"ok":true,"name":…}` or
 * `{"ok":false,"reason":…}`; with `adapters`, lists Dawn's GPU adapters as `{"ok":true,"adapters":[…]}`.
 * Kept apart so the agent itself never loads tfjs or Dawn (which holds a process while referenced).
 */
import { SkewerError } from '../core/errors.ts';
import { listAdapters, parseBackendPreference, selectBackend } from '../models/index.ts';

if (process.argv[2] === 'adapters') {
  try {
    process.stdout.write(`${JSON.stringify({ ok: true, adapters: await listAdapters() })}\n`);
  } catch (error) {
    process.stdout.write(`${JSON.stringify({ ok: false, reason: `Dawn does not load: ${String((error as Error).message ?? error).split('\n')[0]}` })}\n`);
  }
} else try {
  const backend = await selectBackend(parseBackendPreference(process.argv[2] ?? 'auto'));
  process.stdout.write(`${JSON.stringify({ ok: true, name: backend.name, package: backend.package })}\n`);
} catch (error) {
  // The per-package reasons (not installed, failed to load: …) are in the hint of selectBackend's error.
  const message = String((error as Error).message ?? error).split('\n')[0];
  const hint = error instanceof SkewerError && error.hint ? ` (${error.hint})` : '';
  process.stdout.write(`${JSON.stringify({ ok: false, reason: `${message}${hint}` })}\n`);
}
