import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { COMMANDS } from './commands/index.ts';
import { reportError } from './errors.ts';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

export async function main(argv: readonly string[]): Promise<number> {
  const program = new Command('skewer')
    .description('Hyperparameter search for imbalanced image classification')
    .version(pkg.version)
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)');
  const wanted = argv[2];
  for (const command of COMMANDS) {
    if (wanted === command.name) {
      (await command.load()).register(program);
    } else {
      // Listed in --help without loading the module (and its heavy dependencies).
      program.command(command.name).description(command.summary).allowUnknownOption().helpOption(false);
    }
  }
  try {
    await program.parseAsync(argv as string[]);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    return reportError(error);
  }
}

