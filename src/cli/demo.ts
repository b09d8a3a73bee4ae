/**
 * `npm run demo`: the main job on the embedded default. Makes the synthetic defect dataset in
 * data/demo if it is absent, shows what skewer sees in it, then runs a whole local search over
 * configs/demo.yaml with the live UI (plain lines where there is no terminal, or CI is set).
 * A demo study that already exists is resumed: a finished one just shows its results again.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { studyDir } from '../coordinator/journal.ts';
import { DEMO_DATASET, describeDataset, ensureDemoDataset, scanDataset } from '../data/index.ts';
import { formatDatasetSummary } from './commands/data.ts';
import { reportError } from './errors.ts';
import { main } from './main.ts';

const DEMO_STUDY = { name: 'demo', file: path.join('configs', 'demo.yaml'), agents: 2 };

export async function runDemo(write: (text: string) => void = (t) => process.stdout.write(t)): Promise<number> {
  const { dir, created } = await ensureDemoDataset();
  const { images, minorityFraction, size, seed } = DEMO_DATASET;
  write(
    created
      ? `made the demo dataset in ${dir}: ${images} synthetic ${size}x${size} px surfaces, ${minorityFraction * 100}% with defects (seed ${seed})\n\n`
      : `using the demo dataset in ${dir} (delete it to make it afresh)\n\n`,
  );
  write(formatDatasetSummary(describeDataset(await scanDataset(dir))));

  const resume = existsSync(studyDir(DEMO_STUDY.name));
  write(
    resume
      ? `\nresuming the demo study in ${studyDir(DEMO_STUDY.name)}\n(delete that folder to search afresh)\n`
      : `\nsearching ${DEMO_STUDY.file} with ${DEMO_STUDY.agents} local agents\n(Ctrl-C stops it; \`npm run demo\` again resumes it)\n`,
  );
  const argv = ['node', 'skewer', 'search', resume ? DEMO_STUDY.name : DEMO_STUDY.file, '--agents', String(DEMO_STUDY.agents)];
  const code = await main(resume ? [...argv, '--resume'] : argv);
  if (code === 0) {
    write(
      [
        '',
        'next:',
        ...nextSteps([
          [`npx skewer status ${DEMO_STUDY.name}`, 'every trial, its state and metrics'],
          [`npx skewer export ${DEMO_STUDY.name} --out best.yaml`, 'the best recipe as a trial spec'],
          ['npx skewer retrain best.yaml --out model/', 'final model, judged on the holdout'],
          ['npx skewer server', 'a NATS server for many machines,'],
          ['npx skewer agent --server nats://HOST:4222', 'then this on each (see README)'],
        ]),
        '',
      ].join('\n'),
    );
  }
  return code;
}

/** Commands in one column and what they do in the next, aligned. */
function nextSteps(rows: ReadonlyArray<readonly [string, string]>): string[] {
  const width = Math.max(...rows.map(([command]) => command.length));
  return rows.map(([command, what]) => `  ${command.padEnd(width)}  ${what}`);
}

try {
  process.exitCode = await runDemo();
} catch (error) {
  process.exitCode = reportError(error);
}
