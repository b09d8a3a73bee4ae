// A tiny learnable defect dataset (webgpu training tests, predict and Grad-CAM tests).
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { createRng } from '../../src/core/index.ts';

/**
 * A defect task a tiny net learns in a few epochs on a few images: grey noise, and in the minority
 * class a dark 6x6 patch at a seeded random place. (The DAGM-like `skewer synth` surfaces are
 * deliberately hard: learning them takes ~600 images and 10 epochs, minutes on a software GPU.)
 */
export interface PatchImage {
  readonly file: string;
  readonly label: string;
  /** The patch's centre as fractions of the image's width and height (defect images). */
  readonly centre?: { readonly x: number; readonly y: number };
}

export async function writePatchDataset(dir: string, size: number, counts: { defect: number; ok: number }, seed = 'webgpu-train-patches'): Promise<PatchImage[]> {
  const rng = createRng(seed);
  const written: PatchImage[] = [];
  for (const [label, count] of Object.entries(counts)) {
    await mkdir(path.join(dir, label), { recursive: true });
    for (let i = 0; i < count; i++) {
      const pixels = Buffer.alloc(size * size * 3);
      for (let j = 0; j < pixels.length; j++) pixels[j] = Math.round(255 * rng.uniform(0.4, 0.6));
      let centre: PatchImage['centre'];
      if (label === 'defect') {
        const px = rng.int(0, size - 6);
        const py = rng.int(0, size - 6);
        centre = { x: (px + 3) / size, y: (py + 3) / size };
        for (let y = py; y < py + 6; y++) for (let x = px; x < px + 6; x++) for (let c = 0; c < 3; c++) pixels[(y * size + x) * 3 + c] = Math.round(pixels[(y * size + x) * 3 + c]! * 0.4);
      }
      const file = path.join(dir, label, `${String(i).padStart(3, '0')}.png`);
      await sharp(pixels, { raw: { width: size, height: size, channels: 3 } }).png().toFile(file);
      written.push({ file, label, ...(centre && { centre }) });
    }
  }
  return written;
}

