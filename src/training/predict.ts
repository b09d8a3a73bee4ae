/**
 * `skewer predict`: a model `retrain` saved, run on image files or folders with exactly its recipe's
 * preprocessing (preprocessing.json: resolution, fit, RGB in [0, 1]) and the decision threshold
 * retrain fixed before it saw the holdout. Unreadable images are reported by path and skipped.
 * With `heatmaps`, a Grad-CAM overlay for the minority class per image, the input tree mirrored.
 */
import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { UserError } from '../core/errors.ts';
import { decodeImage } from '../data/index.ts';
import { loadLayersModel } from '../models/index.ts';
import { createGradCam, mapPeak } from './gradcam.ts';
import { heatmapPaths } from './heatmap-paths.ts';
import { PREPROCESSING_FILE, type Preprocessing } from './preprocessing.ts';

const IMAGE_FILE = /\.(png|jpe?g|tiff?|bmp|webp)$/i;

export interface Prediction {
  readonly path: string;
  readonly minorityProbability: number;
  readonly predicted: string;
  /** The Grad-CAM overlay written for it, and where its map peaks (fractions of width and height). */
  readonly heatmap?: { readonly file: string; readonly peak: { readonly x: number; readonly y: number } };
}

export interface PredictOutcome {
  readonly predictions: Prediction[];
  readonly unreadable: ReadonlyArray<{ readonly path: string; readonly reason: string }>;
  readonly counts: Readonly<Record<string, number>>;
  readonly threshold: number;
  readonly minorityClass: string;
}

export interface PredictOptions {
  readonly batchSize?: number;
  /** Folder for the `<name>.gradcam.png` overlays, the input tree mirrored under it (heatmap-paths.ts). */
  readonly heatmaps?: string;
}

export async function readPreprocessing(modelDir: string): Promise<Preprocessing> {
  const file = path.join(modelDir, PREPROCESSING_FILE);
  let parsed: Preprocessing;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8')) as Preprocessing;
  } catch (error) {
    throw new UserError(`cannot read ${PREPROCESSING_FILE} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, {
      where: file,
      hint: 'Point at a folder written by `skewer retrain` (model.json, weights.bin, preprocessing.json).',
    });
  }
  if (parsed.kind !== 'skewer-preprocessing' || parsed.version !== 1) {
    throw new UserError(`not a skewer preprocessing file (kind ${JSON.stringify(parsed.kind)}, version ${JSON.stringify(parsed.version)})`, { where: file });
  }
  return parsed;
}

/** Image files under the given files and folders (folders recursively), in path order. */
export async function collectImages(inputs: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  const walk = async (entry: string): Promise<void> => {
    const info = await stat(entry).catch(() => undefined);
    if (!info) throw new UserError('no such file or folder', { where: entry, hint: 'Give image files or folders of images.' });
    if (info.isFile()) {
      out.push(entry);
      return;
    }
    for (const name of (await readdir(entry)).sort()) {
      const full = path.join(entry, name);
      const child = await stat(full);
      if (child.isDirectory()) await walk(full);
      else if (IMAGE_FILE.test(name)) out.push(full);
    }
  };
  for (const input of inputs) await walk(path.resolve(input));
  return out;
}

export async function predictImages(modelDir: string, inputs: readonly string[], options: PredictOptions = {}): Promise<PredictOutcome> {
  const pre = await readPreprocessing(modelDir);
  const model = await loadLayersModel(modelDir);
  const cam = options.heatmaps ? createGradCam(model) : undefined;
  const { classNames, minorityIndex, minorityClass } = pre.output;
  const { threshold } = pre.decision;
  const size = pre.resize.width;
  const files = await collectImages(inputs);
  const overlayOf = options.heatmaps ? heatmapPaths(files, options.heatmaps) : undefined;
  const predictions: Prediction[] = [];
  const unreadable: Array<{ path: string; reason: string }> = [];
  const batchSize = options.batchSize ?? 16;
  try {
    for (let start = 0; start < files.length; start += batchSize) {
      const decoded: Array<{ file: string; pixels: Float32Array }> = [];
      for (const file of files.slice(start, start + batchSize)) {
        try {
          decoded.push({ file, pixels: await decodeImage(file, { resolution: size, fit: pre.resize.fit }) });
        } catch (error) {
          unreadable.push({ path: file, reason: (error as Error).message });
        }
      }
      if (decoded.length === 0) continue;
      const x = tf.tensor4d(concat(decoded.map((d) => d.pixels)), [decoded.length, size, size, 3]);
      try {
        const probabilities = await tf.tidy(() => model.apply(x, { training: false }) as tf.Tensor2D).array();
        const maps = cam ? await cam.compute(x, minorityIndex) : undefined;
        for (const [i, { file }] of decoded.entries()) {
          const row = probabilities[i]!;
          const predicted = classNames[decide(row, minorityIndex, threshold)]!;
          let heatmap: Prediction['heatmap'];
          if (maps && overlayOf) {
            const out = overlayOf.get(file)!;
            await writeOverlay(file, maps.maps[i]!, maps.height, maps.width, out);
            heatmap = { file: out, peak: mapPeak(maps.maps[i]!, maps.height, maps.width) };
          }
          predictions.push({ path: file, minorityProbability: row[minorityIndex]!, predicted, ...(heatmap && { heatmap }) });
        }
      } finally {
        x.dispose();
      }
    }
  } finally {
    model.dispose();
  }
  const counts = Object.fromEntries(classNames.map((name) => [name, predictions.filter((p) => p.predicted === name).length]));
  return { predictions, unreadable, counts, threshold, minorityClass };
}

/** The saved rule: minority when its probability reaches the threshold, else the most probable other class. */
function decide(row: readonly number[], minorityIndex: number, threshold: number): number {
  if (row[minorityIndex]! >= threshold) return minorityIndex;
  let best = -1;
  for (let c = 0; c < row.length; c++) if (c !== minorityIndex && (best < 0 || row[c]! > row[best]!)) best = c;
  return best;
}

function concat(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** A jet-like colour for t in [0, 1]: blue (cold) through green to red (hot). */
function colour(t: number): [number, number, number] {
  const clamp = (v: number) => Math.round(255 * Math.min(1, Math.max(0, v)));
  return [clamp(1.5 - Math.abs(4 * t - 3)), clamp(1.5 - Math.abs(4 * t - 2)), clamp(1.5 - Math.abs(4 * t - 1))];
}

/**
 * The map, coloured and half transparent where cold, scaled onto the whole original image (sharp
 * composes): exact for the `stretch` fit; for `contain`/`cover` the model saw a padded/cropped square.
 */
async function writeOverlay(file: string, map: Float32Array, height: number, width: number, out: string): Promise<void> {
  const base = sharp(file).autoOrient().removeAlpha().toColourspace('srgb');
  const { width: w = 1, height: h = 1 } = await base.clone().metadata().then((m) => ({ width: m.autoOrient?.width ?? m.width, height: m.autoOrient?.height ?? m.height }));
  const rgba = Buffer.alloc(width * height * 4);
  map.forEach((t, i) => {
    const [r, g, b] = colour(t);
    rgba.set([r, g, b, Math.round(60 + 140 * t)], i * 4);
  });
  const layer = await sharp(rgba, { raw: { width, height, channels: 4 } }).resize(w, h, { fit: 'fill', kernel: 'cubic' }).png().toBuffer();
  await mkdir(path.dirname(out), { recursive: true });
  await base.composite([{ input: layer, blend: 'over' }]).png().toFile(out);
}
