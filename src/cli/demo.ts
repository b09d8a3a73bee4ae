/**
 * `npm run demo`: the main job on the embedded default. Makes the synthetic defect dataset in
 * data/demo if it is absent, then runs the furthest step that exists (today: the data inspection).
 */
import { DEMO_DATASET, describeDataset, ensureDemoDataset, scanDataset } from '../data/index.ts';
import { formatDatasetSummary } from './commands/data.ts';
import { reportError } from './errors.ts';

export async function runDemo(write: (text: string) => void = (t) => process.stdout.write(t)): Promise<void> {
  const { dir, created } = await ensureDemoDataset();
  const { images, minorityFraction, size, seed } = DEMO_DATASET;
  write(
    created
      ? `made the demo dataset in ${dir}: ${images} synthetic ${size}x${size} px surfaces, ${minorityFraction * 100}% with defects (seed ${seed})\n\n`
      : `using the demo dataset in ${dir} (delete it to make it afresh)\n\n`,
  );
  write(formatDatasetSummary(describeDataset(await scanDataset(dir))));
}

try {
  await runDemo();
} catch (error) {
  process.exitCode = reportError(error);
}
