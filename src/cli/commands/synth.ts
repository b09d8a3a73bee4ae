import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../../core/errors.ts';
import { DEMO_DATASET } from '../../data/demo-data.ts';
import { writeSyntheticDataset } from '../../data/synth.ts';
import type { RegisterCommand } from './register.ts';

interface SynthFlags {
  out: string;
  images: string;
  minorityFraction: string;
  size: string;
  seed: string;
  minorityClass: string;
  majorityClass: string;
}

/** A finite number from a flag, or a UserError naming the flag. */
export function numberFlag(text: string, flag: string, rule: (v: number) => boolean, expected: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || !rule(value)) {
    throw new UserError(`got '${text}', expected ${expected}`, { where: flag });
  }
  return value;
}

/**
 * `skewer synth`: writes a synthetic imbalanced defect dataset (textured surfaces; the minority
 * carries small scratches, spots, cracks) as PNGs in folder-per-class layout.
 */
export const register: RegisterCommand = (program) => {
  program
    .command('synth')
    .description('write a synthetic imbalanced defect dataset (PNG, one folder per class)')
    .requiredOption('--out <dir>', 'folder to create (must be empty or absent)')
    .option('--images <n>', 'number of images', String(DEMO_DATASET.images))
    .option('--minority-fraction <f>', 'share of defect images, between 0 and 1', String(DEMO_DATASET.minorityFraction))
    .option('--size <px>', 'pixels per side, 16 to 2048', String(DEMO_DATASET.size))
    .option('--seed <seed>', 'random seed (number or text)', String(DEMO_DATASET.seed))
    .option('--minority-class <name>', 'name of the defect class', 'defect')
    .option('--majority-class <name>', 'name of the defect-free class', 'ok')
    .action(async (flags: SynthFlags) => {
      const out = path.resolve(flags.out);
      if (existsSync(out) && readdirSync(out).some((name) => !name.startsWith('.'))) {
        throw new UserError('output folder is not empty', { where: out, hint: 'choose a new folder, or delete this one first' });
      }
      const images = numberFlag(flags.images, '--images', (v) => Number.isInteger(v) && v >= 2, 'a whole number >= 2');
      const minorityFraction = numberFlag(flags.minorityFraction, '--minority-fraction', (v) => v > 0 && v < 1, 'between 0 and 1 (e.g. 0.1)');
      const size = numberFlag(flags.size, '--size', (v) => Number.isInteger(v) && v >= 16 && v <= 2048, 'a whole number from 16 to 2048');
      const seed = /^-?\d+$/.test(flags.seed) ? Number(flags.seed) : flags.seed;
      const started = performance.now();
      const { counts } = await writeSyntheticDataset({
        out,
        images,
        minorityFraction,
        size,
        seed,
        minorityClass: flags.minorityClass,
        majorityClass: flags.majorityClass,
      });
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      const summary = Object.entries(counts).map(([name, n]) => `${name}: ${n}`).join(', ');
      process.stdout.write(`wrote ${images} images of ${size}x${size} px to ${out} (${summary}) in ${seconds} s\n`);
      process.stdout.write(`next: skewer data ${flags.out}\n`);
    });
};
