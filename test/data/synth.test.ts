import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { UserError } from '../../src/core/errors.ts';
import { createRng } from '../../src/core/rng.ts';
import { syntheticImage, writeSyntheticDataset } from '../../src/data/index.ts';
import { tempDir } from './fixtures.ts';

test('writes folder-per-class PNGs with the asked counts and size', async () => {
  const out = tempDir();
  const { counts } = await writeSyntheticDataset({ out, images: 45, minorityFraction: 0.1, size: 24, seed: 3 });
  assert.deepEqual(counts, { ok: 40, defect: 5 });
  assert.deepEqual(readdirSync(out).sort(), ['defect', 'ok']);
  assert.equal(readdirSync(path.join(out, 'defect')).length, 5);
  assert.equal(readdirSync(path.join(out, 'ok')).length, 40);
  const meta = await sharp(path.join(out, 'defect', '0000.png')).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height, meta.channels], ['png', 24, 24, 3]);
  const named = tempDir();
  const custom = await writeSyntheticDataset({ out: named, images: 10, minorityFraction: 0.3, size: 16, seed: 3, minorityClass: 'scratched', majorityClass: 'good' });
  assert.deepEqual(custom.counts, { good: 7, scratched: 3 });
});

test('deterministic by seed: same seed same bytes, another seed other images', async () => {
  const [a, b, c] = [tempDir(), tempDir(), tempDir()];
  for (const [dir, seed] of [[a, 1], [b, 1], [c, 2]] as const) await writeSyntheticDataset({ out: dir, images: 12, minorityFraction: 0.25, size: 16, seed });
  const file = path.join('defect', '0001.png');
  assert.deepEqual(readFileSync(path.join(a, file)), readFileSync(path.join(b, file)));
  assert.notDeepEqual(readFileSync(path.join(a, file)), readFileSync(path.join(c, file)));
});

test('a defect is a small, local change of the surface, of varied place and size', () => {
  const size = 64;
  const changedShares: number[] = [];
  const centres: string[] = [];
  for (let i = 0; i < 40; i++) {
    const clean = syntheticImage(size, false, createRng(`img-${i}`));
    const defective = syntheticImage(size, true, createRng(`img-${i}`));
    let changed = 0;
    let rowSum = 0;
    let colSum = 0;
    for (let p = 0; p < size * size; p++) {
      const delta = Math.abs(clean[p * 3]! - defective[p * 3]!) + Math.abs(clean[p * 3 + 1]! - defective[p * 3 + 1]!);
      if (delta > 2) {
        changed++;
        rowSum += Math.floor(p / size);
        colSum += p % size;
      }
    }
    assert.ok(changed > 0, `image ${i} has a visible defect`);
    changedShares.push(changed / (size * size));
    centres.push(`${Math.floor(rowSum / changed / 16)},${Math.floor(colSum / changed / 16)}`);
  }
  assert.ok(Math.max(...changedShares) < 0.1, `defects stay small (max ${Math.max(...changedShares).toFixed(3)} of the image)`);
  assert.ok(Math.max(...changedShares) > 3 * Math.min(...changedShares), 'defect sizes vary');
  assert.ok(new Set(centres).size >= 8, `defects sit in many places (${new Set(centres).size} of 16 cells)`);
});

test('a defect barely moves the mean brightness: no global cue gives the class away', () => {
  // Mean brightness of clean vs defective versions differs by far less than between surfaces.
  const means = (defective: boolean) =>
    Array.from({ length: 30 }, (_, i) => {
      const px = syntheticImage(32, defective, createRng(`m-${i}`));
      return px.reduce((s, v) => s + v, 0) / px.length;
    });
  const clean = means(false);
  const defective = means(true);
  const within = clean.map((m, i) => Math.abs(m - defective[i]!));
  const spread = Math.max(...clean) - Math.min(...clean);
  assert.ok(Math.max(...within) < spread / 5, `defect shifts the mean by ${Math.max(...within).toFixed(2)}, surfaces spread ${spread.toFixed(2)}`);
});

test('bad options are UserErrors', async () => {
  const out = tempDir();
  await assert.rejects(writeSyntheticDataset({ out, images: 1, minorityFraction: 0.1, size: 16, seed: 1 }), UserError);
  await assert.rejects(writeSyntheticDataset({ out, images: 10, minorityFraction: 1, size: 16, seed: 1 }), UserError);
  await assert.rejects(writeSyntheticDataset({ out, images: 10, minorityFraction: 0.1, size: 8, seed: 1 }), UserError);
  await assert.rejects(writeSyntheticDataset({ out, images: 10, minorityFraction: 0.1, size: 16, seed: 1, minorityClass: 'ok' }), UserError);
});

test('no single global pixel statistic separates the classes well: the model must find the defect', () => {
  // Best-threshold balanced accuracy of one per-image number (darkest, brightest pixel, largest
  // deviation from the mean in standard deviations) over independent clean and defective surfaces.
  const stats = (defective: boolean) =>
    Array.from({ length: 100 }, (_, i) => {
      const rgb = syntheticImage(64, defective, createRng(`${defective ? 'd' : 'c'}-${i}`));
      const gray = Array.from({ length: rgb.length / 3 }, (_, p) => (rgb[p * 3]! + rgb[p * 3 + 1]! + rgb[p * 3 + 2]!) / 3);
      const mean = gray.reduce((s, v) => s + v, 0) / gray.length;
      const std = Math.sqrt(gray.reduce((s, v) => s + (v - mean) ** 2, 0) / gray.length);
      const [min, max] = [Math.min(...gray), Math.max(...gray)];
      return { min, max, extreme: Math.max(mean - min, max - mean) / std };
    });
  const clean = stats(false);
  const defective = stats(true);
  const bestBalancedAccuracy = (key: 'min' | 'max' | 'extreme') => {
    const values = [...clean, ...defective].map((s) => s[key]).sort((a, b) => a - b);
    let best = 0;
    for (const threshold of values) {
      const defectRecall = defective.filter((s) => s[key] >= threshold).length / defective.length;
      const cleanRecall = clean.filter((s) => s[key] < threshold).length / clean.length;
      const accuracy = (defectRecall + cleanRecall) / 2;
      best = Math.max(best, accuracy, 1 - accuracy);
    }
    return best;
  };
  for (const key of ['min', 'max', 'extreme'] as const) {
    const accuracy = bestBalancedAccuracy(key);
    assert.ok(accuracy < 0.8, `${key} pixel alone reaches balanced accuracy ${accuracy.toFixed(2)}`);
  }
});
