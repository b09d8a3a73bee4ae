/**
 * `skewer status STUDY [--server URL] [--json]`: every trial with its state, attempts, agent,
 * params and metrics, plus the agents, for people (a table) and scripts (one JSON document), in
 * the spirit of `optuna trials`. Reads the embedded journal, or the study's KV bucket on a server.
 */
import { UserError } from '../../core/errors.ts';
import { metricId } from '../../core/metric.ts';
import { countReruns, defaultAnchorDir, openStudyReader, valueNameOf, type RerunCount, type StoredTrial, type StudyReader } from '../../coordinator/index.ts';
import { connectNats, type Transport } from '../../transport/index.ts';
import { addNatsConnectionOptions, natsOptionsFromFlags, type NatsFlags } from '../nats-flags.ts';
import { addStudyKeyOption, integrityLines, readerTrustFromFlags } from '../study-trust.ts';
import type { RegisterCommand } from './register.ts';

interface StatusFlags extends NatsFlags {
  json?: boolean;
  dir: string;
  studyKey?: string;
}

export const register: RegisterCommand = (program) => {
  const command = program
    .command('status')
    .description('list a study\'s trials (state, attempts, agent, params, metrics) and agents')
    .argument('<study>', 'study name (the `name:` of its file)')
    .option('--json', 'one JSON document: study, trials, agents')
    .option('--dir <path>', 'where .skewer/<study>/ lives (embedded studies; with --server: where its coordinator.nk is looked for)', process.cwd());
  addStudyKeyOption(addNatsConnectionOptions(command)).action(async (study: string, flags: StatusFlags) => {
    const nats = natsOptionsFromFlags(flags, { name: 'skewer-status' });
    let transport: Transport | undefined;
    try {
      transport = nats ? await connectNats(nats) : undefined;
      if (!transport && flags.studyKey) throw new UserError('--study-key needs --server', { where: '--study-key', hint: 'An embedded study is read from its journal here.' });
      const trust = transport ? readerTrustFromFlags(study, flags) : undefined;
      const reader = await openStudyReader(transport ? { study, transport, ...(trust && { trust }), anchorDir: defaultAnchorDir() } : { study, root: flags.dir });
      process.stdout.write(flags.json ? `${JSON.stringify(await statusDocument(reader), null, 2)}\n` : await statusTable(reader));
    } finally {
      await transport?.close();
    }
  });
};

export async function statusDocument(reader: StudyReader): Promise<Record<string, unknown>> {
  const { trials, agents, state, best, integrity, reruns } = await reader.snapshot();
  return { study: reader.name, state, config: reader.config(), best: best?.id ?? null, integrity, trials, agents, reruns };
}

const pad = (text: string, width: number): string => (text.length >= width ? text : text + ' '.repeat(width - text.length));
const num = (value: number | undefined, digits = 4): string => (value === undefined ? '-' : Number(value.toPrecision(digits)).toString());

function formatParams(trial: StoredTrial): string {
  return Object.entries(trial.params)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? num(v) : String(v)}`)
    .join(' ');
}

function formatMetrics(trial: StoredTrial): string {
  if (trial.error) return `error: ${trial.error}`;
  if (trial.blocked) return `blocked: ${trial.blocked}`;
  const lastReport = trial.reports.at(-1);
  if (trial.state === 'pruned' && lastReport) return `pruned at step ${lastReport.step} (last value ${num(lastReport.value, 3)})`;
  const result = trial.result;
  if (!result) return '';
  const recalls = Object.entries(result.perClassRecall)
    .map(([name, s]) => `${name}=${num(s.mean, 3)}`)
    .join(' ');
  const objective = `${metricId(result.metric)} ${num(result.objective.mean, 3)}±${num(result.objective.std, 2)}`;
  const balanced = result.metric.name === 'balancedAccuracy' ? '' : ` balAcc ${num(result.balancedAccuracy.mean, 3)}`;
  return `${objective}${balanced} recall ${recalls}`;
}

/** How many listed in the one-line summary; every late run is listed below the table. */
const RERUN_SUMMARY_MAX = 10;

function rerunSummary(counts: readonly RerunCount[]): string[] {
  if (counts.length === 0) return [];
  const named = counts.slice(0, RERUN_SUMMARY_MAX).map((c) => `${c.number >= 0 ? `#${c.number}` : c.trialId} ×${c.runs}`);
  const more = counts.length > RERUN_SUMMARY_MAX ? `, … ${counts.length - RERUN_SUMMARY_MAX} more` : '';
  const trials = counts.length === 1 ? '1 trial ran' : `${counts.length} trials ran`;
  return [`${trials} more than once (first result kept): ${named.join(', ')}${more}`];
}

function rerunLines(counts: readonly RerunCount[]): string[] {
  if (counts.length === 0) return [];
  const lines = ['', 'late runs (outcomes that arrived after their trial had finished; recorded, not applied):'];
  for (const count of counts) {
    for (const r of count.reruns) {
      const how = r.value !== undefined ? ` value ${num(r.value, 6)}` : r.error ? `: ${r.error}` : '';
      lines.push(`  ${pad(count.number >= 0 ? `#${count.number}` : count.trialId, 6)} attempt ${r.attempt} on ${r.agent}: ${r.outcome}${how} (arrived ${new Date(r.at).toISOString()})`);
    }
  }
  return lines;
}

export async function statusTable(reader: StudyReader): Promise<string> {
  const config = reader.config();
  const { trials, agents, state, best, integrity, reruns } = await reader.snapshot();
  const rerunCounts = countReruns(reruns, trials);
  const counts = new Map<string, number>();
  for (const trial of trials) counts.set(trial.state, (counts.get(trial.state) ?? 0) + 1);
  const lines = [
    `study ${reader.name} (${state}): ${trials.length}/${config.trials} trials, ${[...counts].map(([s, n]) => `${n} ${s}`).join(', ') || 'none yet'}; ` +
      `${reader.direction} ${config.objective ? `${config.objective.function}()` : valueNameOf(config).id}` +
      (best ? `; best #${best.number} = ${num(best.value, 6)}` : ''),
    ...integrityLines(integrity),
    ...(state === 'stopped' ? [`stopped before every trial finished: continue it with \`skewer search --resume ${reader.name}\``] : []),
    ...rerunSummary(rerunCounts),
    '',
    [pad('#', 5), pad('state', 9), pad('att', 4), pad('agent', 18), pad('value', 10), 'params | metrics'].join(' '),
  ];
  for (const trial of trials) {
    const last = trial.attempts.at(-1);
    const metrics = formatMetrics(trial);
    lines.push(
      [
        pad(String(trial.number), 5),
        pad(trial.state, 9),
        pad(String(trial.attempts.length), 4),
        pad(last?.agent ?? '-', 18),
        pad(num(trial.value, 6), 10),
        formatParams(trial) + (metrics ? ` | ${metrics}` : ''),
      ].join(' '),
    );
  }
  lines.push(...rerunLines(rerunCounts));
  if (agents.length) {
    lines.push('', 'agents:');
    for (const { info, lastHeartbeat, lost, left } of agents) {
      // Once the study has finished, an agent's last record says when it was seen, not that it lives.
      const standing = lost ? 'LOST' : left ? 'left' : state === 'running' ? 'alive' : 'seen';
      lines.push(
        `  ${pad(info.name, 24)} ${pad(info.backend, 10)} ${info.busy}/${info.slots} busy  ${info.gpus} GPU  ` +
          `${standing} (last heartbeat ${new Date(lastHeartbeat).toISOString()})`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
