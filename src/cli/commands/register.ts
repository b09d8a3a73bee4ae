import type { Command } from 'commander';

/**
 * A subcommand module: adds itself to the program. One file per command in this folder, each
 * exporting `register` of this type. It lives apart from the list of commands (index.ts), which
 * loads every command module: a command that took its type from the list would import it back.
 */
export type RegisterCommand = (program: Command) => void;
