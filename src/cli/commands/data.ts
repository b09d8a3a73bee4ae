import { describeDataset, type DatasetSummary } from '../../data/describe.ts';
import { scanDataset } from '../../data/scan.ts';
import { defaultScanCacheDir } from '../../data/scan-cache.ts';
import type { RegisterCommand } from './register.ts';

/** The plain-text inspection table of `skewer data`. */
export function formatDatasetSummary(summary: DatasetSummary): string {
  const width = Math.max(5, ...summary.classes.map((c) => c.name.length));
  const lines = [
    `dataset    ${summary.root}`,
    `hash       sha256:${summary.hash}`,
    '',
    `${'class'.padEnd(width)}  ${'images'.padStart(7)}  ${'share'.padStart(6)}  role`,
    ...summary.classes.map(
      (c) => `${c.name.padEnd(width)}  ${String(c.count).padStart(7)}  ${`${(c.share * 100).toFixed(1)}%`.padStart(6)}  ${c.role === 'other' ? '' : c.role}`,
    ),
    `${'total'.padEnd(width)}  ${String(summary.total).padStart(7)}`,
    '',
    `imbalance  ${summary.imbalanceRatio.toFixed(2)} : 1 (${summary.majorityClass} : ${summary.minorityClass})`,
    `sizes      ${formatSizes(summary.imageSizes)}`,
    `unreadable ${summary.unreadable.length === 0 ? 'none' : `${summary.unreadable.length} file(s), left out:`}`,
    ...summary.unreadable.map((u) => `  ${u.path}: ${u.reason}`),
  ];
  return `${lines.join('\n')}\n`;
}

function formatSizes(s: DatasetSummary['imageSizes']): string {
  const range = (low: number, high: number) => (low === high ? `${low}` : `${low}-${high}`);
  return `${range(s.minWidth, s.maxWidth)} x ${range(s.minHeight, s.maxHeight)} px (width x height)`;
}

/** `skewer data DIR`: what skewer sees in a dataset, before any search runs on it. */
export const register: RegisterCommand = (program) => {
  program
    .command('data')
    .description('inspect a dataset: classes, counts, imbalance, image sizes, unreadable files, hash')
    .argument('<source>', 'a folder with one sub-folder per class, or a path,label CSV manifest')
    .option('--minority <name>', 'the rare class (default: the class with the fewest images)')
    .option('--json', 'print one JSON document instead of the table')
    .action(async (source: string, flags: { minority?: string; json?: boolean }) => {
      // Decoding every image here also warms the verdict cache the trials on this dataset use.
      const index = await scanDataset(source, { verdictCache: defaultScanCacheDir(), ...(flags.minority && { minorityClass: flags.minority }) });
      const summary = describeDataset(index);
      process.stdout.write(flags.json ? `${JSON.stringify(summary, null, 2)}\n` : formatDatasetSummary(summary));
    });
};
