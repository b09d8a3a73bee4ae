// bench:search's Optuna reference driver, without Optuna (CI has none): a missing interpreter or a
// missing Optuna gives the install hint, the space goes over parent-first, ask/tell round-trip in
// order, and an error answered by the script rejects with its text.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseSearchSpace } from '../../src/config/space.ts';
import { OPTUNA_INSTALL_HINT, OptunaMissingError, startOptunaReference } from '../../bench/search-optuna.ts';

const dir = mkdtempSync(join(tmpdir(), 'optuna-ref-'));
function script(name: string, body: string): string {
  const file = join(dir, name);
  writeFileSync(file, body);
  return file;
}

test('no interpreter, or an interpreter without Optuna: the error says to apt-get install python3-optuna', async () => {
  await assert.rejects(startOptunaReference(join(dir, 'no-such-python3')), (e: Error) => e instanceof OptunaMissingError && e.message.includes(OPTUNA_INSTALL_HINT));
  const noOptuna = script('no-optuna.mjs', "process.stderr.write('ModuleNotFoundError: optuna'); process.exit(3);");
  await assert.rejects(startOptunaReference(process.execPath, noOptuna), (e: Error) => e instanceof OptunaMissingError && e.message.includes(OPTUNA_INSTALL_HINT) && e.message.includes('ModuleNotFoundError'));
});

test('the driver sends the space parent-first and relays asks, tells and errors in order', async () => {
  // A stand-in for optuna_ref.py speaking the same JSON lines: each ask answers the parameter order
  // it was given and the values told so far.
  const fake = script(
    'fake.mjs',
    `import { createInterface } from 'node:readline';
const studies = {};
createInterface({ input: process.stdin }).on('line', (line) => {
  const req = JSON.parse(line);
  let answer;
  if (req.op === 'version') answer = { optuna: 'fake-1' };
  else if (req.op === 'create') { studies[req.study] = { names: req.params.map((p) => p.name + ':' + p.def.type), seed: req.seed, told: [], n: 0 }; answer = { ok: true }; }
  else if (req.op === 'ask') { const s = studies[req.study]; answer = { trial: s.n++, params: { order: s.names.join(','), seed: s.seed, told: s.told.join(',') } }; }
  else if (req.op === 'tell') { const s = studies[req.study]; if (req.trial >= s.n) answer = { error: 'KeyError: ' + req.trial }; else { s.told.push(req.trial + '=' + req.value); answer = { ok: true }; } }
  else answer = { ok: true };
  process.stdout.write(JSON.stringify(answer) + '\\n');
});`,
  );
  const reference = await startOptunaReference(process.execPath, fake);
  assert.equal(reference.version, 'fake-1');
  // The child is declared before its parent: the script must still see the parent first.
  const space = parseSearchSpace({ focalGamma: { type: 'float', low: 0.5, high: 5, when: { loss: ['focal'] } }, loss: { type: 'categorical', values: ['ce', 'focal'] }, epochs: { type: 'fixed', value: 3 } });
  const study = await reference.createStudy({ space, seed: 7, direction: 'minimize' });
  const [a, b] = await Promise.all([study.ask(), study.ask()]);
  assert.deepEqual([a.id, b.id], ['0', '1']);
  assert.deepEqual(a.params, { order: 'loss:categorical,focalGamma:float,epochs:fixed', seed: 7, told: '' });
  await study.tell(b.id, 0.25);
  await study.tell(a.id, 1.5);
  assert.equal((await study.ask()).params.told, '1=0.25,0=1.5');
  await assert.rejects(study.tell('9', 1), /optuna_ref\.py: KeyError: 9/);
  await reference.close();
});

test('bench:search --optuna without Optuna exits non-zero with the install command', () => {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'bench/search.ts', '--optuna', '--seeds', '1', '--trials', '2', '--objective', 'branin', '--sampler', 'random', '--timing', 'none', '--out', join(dir, 'out.json')], {
    env: { ...process.env, SKEWER_OPTUNA_PYTHON: join(dir, 'no-such-python3') },
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(run.status, 1, run.stderr);
  assert.match(run.stderr, /apt-get install python3-optuna/);
});
