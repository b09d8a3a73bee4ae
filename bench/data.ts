/**
 * `npm run bench:data`: can the data pipeline keep a GPU fed? Images per second for
 * decode + resize (600x600 PNG and JPEG -> 256 and -> 600, sharp) and for each augmentation
 * (a batch of 32 at 256 px, on host arrays), on one worker thread and on two (this machine's
 * cores); and the dataset scan every trial starts with, decoding every image versus taking the
 * verdicts remembered by content. Prints tables and writes bench/results/data.json. About a minute.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker, isMainThread, parentPort } from 'node:worker_threads';
import sharp from 'sharp';
import { createRng } from '../src/core/rng.ts';
import { augmentHostBatch } from '../src/data/augment.ts';
import { decodeImage } from '../src/data/decode.ts';
import type { HostBatch } from '../src/data/host-batch.ts';
import { scanDataset } from '../src/data/scan.ts';
import { syntheticImage } from '../src/data/synth.ts';
import type { AugmentationName } from '../src/data/types.ts';

interface Task {
  kind: 'decode' | 'augment';
  name: string;
  /** decode: source files; augment: the augmentation. */
  files?: string[];
  resolution?: number;
  augmentation?: AugmentationName;
  seconds: number;
}

const BATCH = 32;
const AUG_RESOLUTION = 256;
const SECONDS = Number(process.env.SKEWER_BENCH_SECONDS ?? 2);

/** Runs one task for about `seconds` on this thread; returns images processed and elapsed s. */
async function runTask(task: Task, worker: number): Promise<{ images: number; seconds: number }> {
  sharp.concurrency(1);
  const rng = createRng(`bench/${worker}`);
  let step: () => Promise<number>;
  if (task.kind === 'decode') {
    const files = task.files!;
    let i = worker;
    step = async () => {
      await decodeImage(files[i++ % files.length]!, { resolution: task.resolution!, fit: 'cover' });
      return 1;
    };
  } else {
    const pixels = new Float32Array(BATCH * AUG_RESOLUTION * AUG_RESOLUTION * 3);
    for (let k = 0; k < pixels.length; k++) pixels[k] = ((k * 2654435761) % 1000) / 1000;
    const labels = new Float32Array(BATCH * 2).map((_, k) => (k % 2 === Math.floor(k / 2) % 2 ? 1 : 0));
    const batch: HostBatch = { pixels, labels, batch: BATCH, height: AUG_RESOLUTION, width: AUG_RESOLUTION, classes: 2 };
    step = async () => {
      augmentHostBatch(batch, [task.augmentation!], rng);
      return BATCH;
    };
  }
  await step(); // warm-up: JIT, sharp's first load
  let images = 0;
  const start = performance.now();
  do images += await step();
  while (performance.now() < start + task.seconds * 1000);
  return { images, seconds: (performance.now() - start) / 1000 };
}

/** Long-lived worker threads (started once: loading tsx + sharp in a thread takes seconds). */
class Pool {
  private readonly threads: Worker[];

  constructor(size: number) {
    // A worker does not inherit tsx's loader: register it, then load this file as the worker body.
    const body = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(import.meta.url)}); })`;
    this.threads = Array.from({ length: size }, () => new Worker(body, { eval: true }));
  }

  run(task: Task, worker: number): Promise<{ images: number; seconds: number }> {
    const thread = this.threads[worker]!;
    return new Promise((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      thread.once('error', onError);
      thread.once('message', (result: { images: number; seconds: number }) => {
        thread.off('error', onError);
        resolve(result);
      });
      thread.postMessage({ task, worker });
    });
  }

  /** Images/s with the first `workers` threads working at once (total images / slowest thread's time). */
  async throughput(task: Task, workers: number): Promise<number> {
    const results = await Promise.all(Array.from({ length: workers }, (_, w) => this.run(task, w)));
    return results.reduce((sum, r) => sum + r.images, 0) / Math.max(...results.map((r) => r.seconds));
  }

  close(): Promise<number[]> {
    return Promise.all(this.threads.map((t) => t.terminate()));
  }
}

async function makeSources(dir: string): Promise<{ png: string[]; jpeg: string[] }> {
  const png: string[] = [];
  const jpeg: string[] = [];
  for (let i = 0; i < 8; i++) {
    const rgb = syntheticImage(600, i % 2 === 0, createRng(`bench-source/${i}`));
    const image = sharp(rgb, { raw: { width: 600, height: 600, channels: 3 } });
    png.push(path.join(dir, `${i}.png`));
    jpeg.push(path.join(dir, `${i}.jpg`));
    await image.clone().png().toFile(png[i]!);
    await image.clone().jpeg({ quality: 90 }).toFile(jpeg[i]!);
  }
  return { png, jpeg };
}

const SCAN_IMAGES = 48;

/** A folder dataset of distinct 600x600 PNGs; scanned without, then with, remembered verdicts. */
async function benchScan(dir: string): Promise<{ images: number; decodeImagesPerSecond: number; rememberedImagesPerSecond: number; speedup: number }> {
  const root = path.join(dir, 'scan');
  for (const label of ['defect', 'ok']) mkdirSync(path.join(root, label), { recursive: true });
  for (let i = 0; i < SCAN_IMAGES; i++) {
    const defect = i % 4 === 0;
    const rgb = syntheticImage(600, defect, createRng(`bench-scan/${i}`));
    await sharp(rgb, { raw: { width: 600, height: 600, channels: 3 } }).png().toFile(path.join(root, defect ? 'defect' : 'ok', `${i}.png`));
  }
  const cache = path.join(dir, 'verdicts');
  const time = async (verdictCache?: string): Promise<number> => {
    const start = performance.now();
    await scanDataset(root, verdictCache ? { verdictCache } : {});
    return SCAN_IMAGES / ((performance.now() - start) / 1000);
  };
  await time(); // warm-up: sharp's first load, the page cache
  const decodeImagesPerSecond = await time(cache); // an empty cache: every image decoded, verdicts written
  const rememberedImagesPerSecond = await time(cache);
  return { images: SCAN_IMAGES, decodeImagesPerSecond, rememberedImagesPerSecond, speedup: rememberedImagesPerSecond / decodeImagesPerSecond };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'skewer-bench-data-'));
  try {
    process.stdout.write('making 600x600 sources...\n');
    const sources = await makeSources(dir);
    const tasks: Task[] = [
      { kind: 'decode', name: 'decode+resize png 600->256', files: sources.png, resolution: 256, seconds: SECONDS },
      { kind: 'decode', name: 'decode+resize jpeg 600->256', files: sources.jpeg, resolution: 256, seconds: SECONDS },
      { kind: 'decode', name: 'decode+resize png 600->600', files: sources.png, resolution: 600, seconds: SECONDS },
      { kind: 'decode', name: 'decode+resize jpeg 600->600', files: sources.jpeg, resolution: 600, seconds: SECONDS },
      ...(['hflip', 'vflip', 'rot90', 'crop', 'cutmix', 'mixup', 'augmix'] as const).map(
        (augmentation): Task => ({ kind: 'augment', name: `${augmentation} @${AUG_RESOLUTION}px`, augmentation, seconds: SECONDS }),
      ),
    ];
    const cores = Math.max(2, os.availableParallelism());
    const pool = new Pool(cores);
    const rows: Array<{ name: string; oneWorker: number; allWorkers: number; workers: number; speedup: number }> = [];
    process.stdout.write(`\n${'step'.padEnd(30)} ${'1 worker img/s'.padStart(15)} ${`${cores} workers img/s`.padStart(16)} ${'speedup'.padStart(8)}\n`);
    for (const task of tasks) {
      const oneWorker = await pool.throughput(task, 1);
      const allWorkers = await pool.throughput(task, cores);
      const row = { name: task.name, oneWorker, allWorkers, workers: cores, speedup: allWorkers / oneWorker };
      rows.push(row);
      process.stdout.write(`${row.name.padEnd(30)} ${oneWorker.toFixed(0).padStart(15)} ${allWorkers.toFixed(0).padStart(16)} ${`${row.speedup.toFixed(2)}x`.padStart(8)}\n`);
    }
    process.stdout.write(`\nscanning ${SCAN_IMAGES} distinct 600x600 PNGs (what every trial process does first)...\n`);
    const scan = await benchScan(dir);
    process.stdout.write(
      `${'scan, decoding every image'.padEnd(30)} ${scan.decodeImagesPerSecond.toFixed(0).padStart(8)} img/s\n` +
        `${'scan, remembered verdicts'.padEnd(30)} ${scan.rememberedImagesPerSecond.toFixed(0).padStart(8)} img/s  (${scan.speedup.toFixed(1)}x)\n`,
    );
    const result = {
      benchmark: 'data',
      date: new Date().toISOString(),
      node: process.version,
      sharp: sharp.versions.sharp,
      cpus: os.cpus().length,
      loadAverageAtEnd: os.loadavg(),
      batch: BATCH,
      augmentationResolution: AUG_RESOLUTION,
      secondsPerMeasurement: SECONDS,
      rows,
      scan,
    };
    mkdirSync('bench/results', { recursive: true });
    writeFileSync('bench/results/data.json', `${JSON.stringify(result, null, 2)}\n`);
    await pool.close();
    process.stdout.write(`\nwrote bench/results/data.json (load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}: other processes skew absolute figures; compare rows)\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (isMainThread) {
  await main();
} else {
  parentPort!.on('message', async ({ task, worker }: { task: Task; worker: number }) => {
    parentPort!.postMessage(await runTask(task, worker));
  });
}
