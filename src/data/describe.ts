/** A dataset's inspection summary (what `skewer data` prints), as plain data. */
import type { DatasetIndex } from './types.ts';

export interface DatasetSummary {
  root: string;
  /** Images per class name. */
  counts: Record<string, number>;
  classes: Array<{ name: string; count: number; role: 'minority' | 'majority' | 'other'; share: number }>;
  total: number;
  minorityClass: string;
  majorityClass: string;
  /** Majority count / minority count. */
  imbalanceRatio: number;
  imageSizes: DatasetIndex['imageSizes'];
  unreadable: DatasetIndex['unreadable'];
  hash: string;
}

export function describeDataset(index: DatasetIndex): DatasetSummary {
  const total = index.items.length;
  return {
    root: index.root,
    counts: { ...index.counts },
    classes: index.classNames.map((name) => ({
      name,
      count: index.counts[name] ?? 0,
      role: name === index.minorityClass ? 'minority' : name === index.majorityClass ? 'majority' : 'other',
      share: total === 0 ? 0 : (index.counts[name] ?? 0) / total,
    })),
    total,
    minorityClass: index.minorityClass,
    majorityClass: index.majorityClass,
    imbalanceRatio: (index.counts[index.majorityClass] ?? 0) / Math.max(1, index.counts[index.minorityClass] ?? 0),
    imageSizes: index.imageSizes,
    unreadable: index.unreadable,
    hash: index.hash,
  };
}
