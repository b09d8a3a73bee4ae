/** @jsxRuntime automatic */
// `r` inside `skewer search`: the live UI writes the report of the running study through the same
// reportKey that search.ts wires (here over the study's bucket on a memory transport, as a
// search with --server reads it) and says where it went.
import './fixtures/force-color.ts';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, test } from 'node:test';
import { cleanup } from 'ink-testing-library';
import { reportKey } from '../../src/cli/commands/report-key.ts';
import { createMemoryTransport } from '../../src/transport/index.ts';
import { functionStudy, runStudy } from '../coordinator/harness.ts';
import { mount, until } from './fixtures/mount.tsx';

afterEach(() => cleanup());

test('r in a search writes the study\'s report as it stands and says where', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'skewer-search-r-'));
  const transport = createMemoryTransport({ onInvalid: () => undefined });
  try {
    const { events } = await runStudy(functionStudy({ trials: 4 }), [{ name: 'solo' }], { transport });
    const out = path.join(dir, 'unit-report.html');
    const app = mount({ embedded: true, onReport: reportKey({ study: 'unit', transport }, out) }, false, events);
    await until(app.frame, /study unit/);
    app.stdin.write('r');
    const text = await until(app.frame, /wrote .*unit-report\.html \(4 trials\)|report failed: .*/, 60_000);
    assert.match(text, new RegExp(`wrote ${out.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\(4 trials\\)`));
    assert.ok(existsSync(out), `${out} was not written`);
    const html = readFileSync(out, 'utf8');
    assert.match(html, /<html/i);
    assert.match(html, /unit/);
  } finally {
    await transport.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('r when the study cannot be read says why instead of crashing the search', async () => {
  const transport = createMemoryTransport({ onInvalid: () => undefined });
  try {
    const app = mount({ embedded: true, onReport: reportKey({ study: 'nowhere', transport }, path.join(tmpdir(), 'never.html')) });
    app.stdin.write('r');
    await until(app.frame, /report failed: .*nowhere/, 30_000);
  } finally {
    await transport.close();
  }
});
