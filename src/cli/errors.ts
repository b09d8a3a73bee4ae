import { z } from 'zod';
import { formatZodError } from '../config/load.ts';
import { OutageError, SkewerError, formatSkewerError } from '../core/errors.ts';

/** The server stayed away (EX_TEMPFAIL): try again later, with --resume. */
export const EXIT_OUTAGE = 75;

/**
 * The one error handler at the edge. User errors (SkewerError, zod validation) print what,
 * where and what to do, without a stack trace (exit 1, or 75 for an outage); anything else is a bug and keeps its stack.
 * Returns the exit code.
 */
export function reportError(error: unknown, write: (text: string) => void = (t) => process.stderr.write(t)): number {
  if (error instanceof SkewerError) {
    write(`skewer: ${formatSkewerError(error)}\n`);
    return error instanceof OutageError ? EXIT_OUTAGE : 1;
  }
  if (error instanceof z.ZodError) {
    write(`skewer: invalid input:\n${formatZodError(error)}\n`);
    return 1;
  }
  if (isCommanderExit(error)) return error.exitCode;
  const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
  write(`skewer: internal error (a bug; please report it with this output)\n${stack}\n`);
  return 70;
}

function isCommanderExit(error: unknown): error is { exitCode: number } {
  return (
    typeof error === 'object' &&
    error !== null &&
    'code' in error &&
    typeof (error as { code: unknown }).code === 'string' &&
    (error as { code: string }).code.startsWith('commander.') &&
    'exitCode' in error
  );
}
