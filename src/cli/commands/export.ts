import path from 'node:path';
import type { Command } from 'commander';
import { defaultAnchorDir, openStudyReader, valueNameOf, type StudyReader } from '../../coordinator/index.ts';
import { UserError } from '../../core/errors.ts';
import { connectNats, type Transport } from '../../transport/index.ts';
import { exportRecipes, formatRecipes, writeRecipes, type ExportFormat } from '../../export/index.ts';
import { addNatsConnectionOptions, natsOptionsFromFlags, type NatsFlags } from '../nats-flags.ts';
import { addStudyKeyOption, integrityLines, readerTrustFromFlags } from '../study-trust.ts';
import type { RegisterCommand } from './register.ts';

export interface StudyLocationFlags extends NatsFlags {
  /** The folder holding `.skewer/` of an embedded study (default: the working directory), as `skewer search --dir`. With --server: where `.skewer/<study>/coordinator.nk` is looked for. */
  dir?: string;
  /** With --server: the study's public key to verify its records with (study-trust.ts). */
  studyKey?: string;
}

/** Adds --server (+ auth/TLS) and --dir: where a study lives. Shared by `export` and `ui`. */
export function addStudyLocationOptions(command: Command): Command {
  return addStudyKeyOption(addNatsConnectionOptions(command)).option(
    '--dir <path>',
    'where .skewer/<study>/ of an embedded study lives (as given to skewer search; default: here); with --server: where its coordinator.nk is looked for',
  );
}

/** Opens a study read-only from the embedded journal or a NATS server; `close` releases the connection. */
export async function openReaderFromFlags(study: string, flags: StudyLocationFlags, name: string): Promise<{ reader: StudyReader; close: () => Promise<void> }> {
  const nats = natsOptionsFromFlags(flags, { name });
  if (!nats && flags.studyKey) throw new UserError('--study-key needs --server', { where: '--study-key', hint: 'An embedded study is read from its journal here.' });
  if (!nats) {
    const reader = await openStudyReader({ study, ...(flags.dir ? { root: path.resolve(flags.dir) } : {}) });
    return { reader, close: async () => {} };
  }
  const trust = readerTrustFromFlags(study, { ...flags, ...(flags.dir && { dir: path.resolve(flags.dir) }) });
  const transport: Transport = await connectNats(nats);
  try {
    const reader = await openStudyReader({ study, transport, ...(trust && { trust }), anchorDir: defaultAnchorDir() });
    // Once, before any output: a live UI or a report shows only what verified.
    for (const line of integrityLines((await reader.snapshot()).integrity)) process.stderr.write(`skewer: ${line}\n`);
    return { reader, close: () => transport.close() };
  } catch (error) {
    await transport.close();
    throw error;
  }
}

function parseFormat(format: string | undefined, out: string | undefined): ExportFormat {
  const chosen = format ?? (out && path.extname(out).toLowerCase() === '.json' ? 'json' : 'yaml');
  if (chosen !== 'yaml' && chosen !== 'json') throw new UserError(`format is '${chosen}', but must be yaml or json`, { where: '--format' });
  return chosen;
}

function parseTop(text: string): number {
  const top = Number(text);
  if (!Number.isInteger(top) || top < 1) throw new UserError(`--top is '${text}', but must be a whole number >= 1`, { where: '--top' });
  return top;
}

/**
 * `skewer export STUDY`: the best recipe (or the best K) as trial specs `skewer train` accepts
 * unchanged, with provenance. To stdout, or to --out (K files `NAME-1.yaml` … with --top K).
 */
export const register: RegisterCommand = (program) => {
  const command = program
    .command('export')
    .description('write the best recipe of a study as a trial spec that `skewer train` accepts, with its provenance')
    .argument('<study>', 'the study name (the `name:` of its study file)')
    .option('--format <format>', 'yaml or json (default: from --out, else yaml)')
    .option('--out <file>', 'file to write (default: stdout); with --top K: FILE-1 … FILE-K')
    .option('--top <k>', 'export the best K recipes, ranked', '1');
  addStudyLocationOptions(command).action(async (study: string, options: StudyLocationFlags & { format?: string; out?: string; top: string }) => {
    const format = parseFormat(options.format, options.out);
    const top = parseTop(options.top);
    const { reader, close } = await openReaderFromFlags(study, options, `skewer-export-${process.pid}`);
    try {
      const recipes = await exportRecipes({ reader, top });
      if (recipes.length < top) process.stderr.write(`only ${recipes.length} completed trial(s) to export (asked for ${top})\n`);
      if (!options.out) {
        process.stdout.write(formatRecipes(recipes, format));
        return;
      }
      const files = await writeRecipes(recipes, options.out, format);
      const label = valueNameOf(reader.config()).id;
      for (const [index, file] of files.entries()) {
        const { trial, spec } = recipes[index]!;
        const final = spec.final ? `; final threshold ${spec.final.threshold.toFixed(3)}, ${spec.final.epochs} epochs` : '';
        process.stderr.write(`wrote ${file}: trial #${trial.number}, ${label} ${trial.value?.toFixed(3) ?? '—'}${final}\n`);
      }
      process.stderr.write(`next: skewer train ${files[0]}   or   skewer retrain ${files[0]} --out model/\n`);
    } finally {
      await close();
    }
  });
};
