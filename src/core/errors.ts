/**
 * Errors that reach a person. A `SkewerError` says what is wrong, where, and what to do;
 * the CLI's one handler prints it without a stack trace and exits non-zero. Anything else
 * reaching the edge is a bug and is printed with its stack.
 */
export interface ErrorDetails {
  /** Where: a file, a config path (`space.resolution.low`), a trial id, a URL. */
  where?: string;
  /** What to do about it. */
  hint?: string;
  /** Whether retrying the same operation later may succeed (lease verbs map on this). */
  retryable?: boolean;
  cause?: unknown;
}

export class SkewerError extends Error {
  readonly where: string | undefined;
  readonly hint: string | undefined;
  readonly retryable: boolean;

  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.where = details.where;
    this.hint = details.hint;
    this.retryable = details.retryable ?? false;
  }
}

/** Bad input from a person: config, flags, dataset layout. Never retryable. */
export class UserError extends SkewerError {}

/**
 * The message server stayed unreachable longer than the coordinator was told to wait. No bug and
 * no bad input: nothing is lost, and the study resumes once the server is back (exit code 75).
 */
export class OutageError extends SkewerError {
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, { retryable: true, ...details });
  }
}

/** A dataset problem (empty class, too few minority images for the folds, …). */
export class DatasetError extends UserError {}

/** A configuration that fails validation; `where` holds the zod path. */
export class ConfigError extends UserError {}

/** An illegal state-machine transition (trial or agent lifecycle). A bug, not user error. */
export class IllegalTransitionError extends Error {
  constructor(
    readonly machine: string,
    readonly from: string,
    readonly to: string,
  ) {
    super(`${machine}: illegal transition ${from} -> ${to}`);
    this.name = 'IllegalTransitionError';
  }
}

/** A recipe that cannot run on this backend/machine (memory, missing kernel). Not retryable here. */
export class ResourceError extends SkewerError {}

/** Training diverged (NaN/inf loss): the trial fails with this reason. */
export class DivergenceError extends SkewerError {}

/** Formats any SkewerError as `where: what\n  hint` lines. */
export function formatSkewerError(error: SkewerError): string {
  const head = error.where ? `${error.where}: ${error.message}` : error.message;
  return error.hint ? `${head}\n  ${error.hint}` : head;
}
