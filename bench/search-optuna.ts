/**
 * The Optuna reference of bench:search (`--optuna`, or the sampler name `optuna-tpe`): one
 * `/usr/bin/python3 bench/optuna_ref.py` process driven over JSON lines with Optuna's ask/tell
 * interface. Python only proposes; the bench evaluates the same TypeScript objectives and tells the
 * values back in the same order it uses for skewer's samplers. The reference is
 * TPESampler(multivariate=True, group=True, constant_liar=True), from Debian's Optuna 3.1: issue
 * 14's reference is Optuna 5.0's multivariate TPE, and 3.1 is the closest release that runs here.
 *
 * The space goes over parent-first (skewer's `orderedParams`), so the script can decide each
 * condition exactly as skewer's `isActive` does; the mapping is written in optuna_ref.py.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Params } from '../src/core/trial.ts';
import type { SearchSpace } from '../src/config/space.ts';
import { orderedParams } from '../src/search/space.ts';

export const OPTUNA_SAMPLER = 'optuna-tpe';
export const OPTUNA_INSTALL_HINT = 'apt-get install python3-optuna';

/** Thrown when the reference cannot start: no /usr/bin/python3, or no Optuna for it. */
export class OptunaMissingError extends Error {
  constructor(python: string, detail: string) {
    super(`the Optuna reference needs Optuna for ${python} (${detail}); install it with: ${OPTUNA_INSTALL_HINT}`);
    this.name = 'OptunaMissingError';
  }
}

export interface OptunaStudy {
  ask(): Promise<{ id: string; params: Params }>;
  tell(id: string, value: number): Promise<void>;
  drop(): Promise<void>;
}

export interface OptunaReference {
  readonly version: string;
  createStudy(options: { space: SearchSpace; seed: number; direction: 'minimize' | 'maximize' }): Promise<OptunaStudy>;
  close(): Promise<void>;
}

type Answer = Record<string, unknown>;

/**
 * Starts the reference and checks that Optuna imports. `python` and `script` are for tests (a
 * missing interpreter must produce the install hint, not a stack trace).
 */
export async function startOptunaReference(python = '/usr/bin/python3', script = 'bench/optuna_ref.py'): Promise<OptunaReference> {
  let child: ChildProcessWithoutNullStreams;
  try {
    child = spawn(python, [script], { stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (error) {
    throw new OptunaMissingError(python, (error as Error).message);
  }
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const waiting: Array<{ resolve: (a: Answer) => void; reject: (e: Error) => void }> = [];
  let failure: Error | undefined;
  let started = false;
  const fail = (error: Error): void => {
    failure ??= error;
    for (const w of waiting.splice(0)) w.reject(failure);
  };
  child.on('error', (error) => fail(new OptunaMissingError(python, error.message)));
  child.on('exit', (code) => fail(code === 3 || !started ? new OptunaMissingError(python, stderr.trim() || `exit code ${code}`) : new Error(`optuna_ref.py exited with code ${code}: ${stderr.trim()}`)));
  createInterface({ input: child.stdout }).on('line', (line) => {
    const w = waiting.shift();
    if (!w) return;
    const answer = JSON.parse(line) as Answer;
    if (typeof answer.error === 'string') w.reject(new Error(`optuna_ref.py: ${answer.error}`));
    else w.resolve(answer);
  });
  const request = (message: Answer): Promise<Answer> =>
    new Promise((resolve, reject) => {
      if (failure) return reject(failure);
      waiting.push({ resolve, reject });
      child.stdin.write(`${JSON.stringify(message)}\n`);
    });

  const { optuna } = await request({ op: 'version' });
  started = true;
  let studies = 0;
  return {
    version: String(optuna),
    async createStudy({ space, seed, direction }) {
      const study = `s${studies++}`;
      await request({ op: 'create', study, seed, direction, params: orderedParams(space).map(({ name, def }) => ({ name, def })) });
      return {
        async ask() {
          const answer = await request({ op: 'ask', study });
          return { id: String(answer.trial), params: answer.params as Params };
        },
        async tell(id, value) {
          await request({ op: 'tell', study, trial: Number(id), value });
        },
        async drop() {
          await request({ op: 'drop', study });
        },
      };
    },
    async close() {
      child.stdin.end();
      if (child.exitCode === null) await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}
