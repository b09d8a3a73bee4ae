/**
 * `npm run bench:status`: how long `skewer status --server` takes on a big study. Fills a study
 * bucket on a real nats-server (loopback, file storage) with N realistic trial records (the report
 * fixture's: 3 folds, pooled out-of-fold predictions, params of a mixed space), then times
 * - `read`: one `openStudyReader` + `statusTable` in this process (what the command does after
 *   connecting), median of a few runs;
 * - `cli`: the `skewer status` command end to end in a fresh process (tsx start-up included).
 *
 * Flags: --trials 1000 --runs 3
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { statusTable } from '../src/cli/commands/status.ts';
import { openStudyReader, TrialStore } from '../src/coordinator/index.ts';
import { connectNats, startNatsServer } from '../src/transport/index.ts';
import { studyRecordCodec } from '../src/transport/messages.ts';
import { newStudySigner, signedRecordCodec } from '../src/transport/auth/index.ts';
import { studyBucketName, trialKey } from '../src/transport/subjects.ts';
import { reportAgents, reportConfig, reportTrials } from '../test/report/fixture.ts';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const trials = Number(flag('trials', '1000'));
const runs = Number(flag('runs', '3'));
const TSX = import.meta.resolve('tsx');
const round = (value: number): number => Math.round(value * 10) / 10;
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const store = mkdtempSync(path.join(tmpdir(), 'skewer-bench-status-'));
const server = await startNatsServer({ storeDir: store, port: 0, host: '127.0.0.1' });
const name = `status-bench-${trials}`;
let result: Record<string, unknown>;
try {
  const transport = await connectNats({ servers: server.url, name: 'bench-status-fill' });
  const config = reportConfig(name);
  // Signed, as the coordinator writes them (issue 11): readers refuse plain records.
  const codec = signedRecordCodec(studyRecordCodec, newStudySigner(name));
  const kv = await transport.kv(studyBucketName(name), codec);
  const records = new TrialStore(kv);
  await records.createStudy(name, config as unknown as Record<string, unknown>);
  const all = reportTrials(config, trials);
  let bytes = 0;
  for (let i = 0; i < all.length; i += 50) {
    await Promise.all(all.slice(i, i + 50).map((t) => kv.put(trialKey(t.id), t)));
  }
  for (const t of all) bytes += codec.encode(t).length;
  for (const agent of reportAgents()) await records.putAgent(agent);
  process.stderr.write(`filled ${trials} trials (${round(bytes / 2 ** 20)} MiB of records)\n`);

  const inProcess: number[] = [];
  let lines = 0;
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    const reader = await openStudyReader({ study: name, transport });
    const table = await statusTable(reader);
    inProcess.push(performance.now() - started);
    lines = table.split('\n').length;
  }
  await transport.close();

  const cli: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    const child = spawnSync(process.execPath, ['--import', TSX, 'src/cli/run.ts', 'status', name, '--server', server.url], { encoding: 'utf8', maxBuffer: 2 ** 28 });
    cli.push(performance.now() - started);
    if (child.status !== 0) throw new Error(`skewer status exited ${child.status}: ${child.stderr}`);
  }
  const start = performance.now();
  spawnSync(process.execPath, ['--import', TSX, '-e', "import('./src/cli/commands/status.ts')"], { encoding: 'utf8' });
  const startupMs = performance.now() - start;
  result = {
    trials,
    recordMiB: round(bytes / 2 ** 20),
    tableLines: lines,
    readMs: inProcess.map(round),
    readMedianMs: round(median(inProcess)),
    cliMs: cli.map(round),
    cliMedianMs: round(median(cli)),
    startupMs: round(startupMs),
  };
} finally {
  await server.stop();
  rmSync(store, { recursive: true, force: true });
}

process.stdout.write(
  `trials ${result.trials} (${result.recordMiB} MiB of records): read + table ${result.readMedianMs} ms (median of ${runs}: ${String(result.readMs)}), ` +
    `\`skewer status\` ${result.cliMedianMs} ms end to end (${String(result.cliMs)}; loading the command alone ${result.startupMs} ms)\n`,
);
mkdirSync('bench/results', { recursive: true });
writeFileSync(
  'bench/results/status.json',
  `${JSON.stringify({ benchmark: 'status', date: new Date().toISOString(), node: process.version, cpus: (await import('node:os')).cpus().length, ...result }, null, 2)}\n`,
);
process.stdout.write('wrote bench/results/status.json\n');
