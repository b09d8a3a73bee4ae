/**
 * Pretrained encoders, cached so that trials sharing one pretrain once. The key is a sha256 over
 * what determines the encoder: the dataset's content hash, the holdout (seed and size: they decide
 * which images are non-holdout), the backbone, resolution, fit, starting weights and every
 * pretraining setting. Everything else of the recipe (loss, sampling, epochs, ...) does not enter.
 *
 * Concurrent trials on one machine with one key pretrain once: the first holds `<key>.lock` in the
 * cache folder (src/training/encoder-lock.ts), the others wait and then read its encoder from disk.
 *
 * Lookup order: this machine's disk (`~/.cache/skewer/encoders/<key>`, written atomically: a
 * partial folder renamed into place), then a remote store when one is given (the agent's object
 * store, see src/agent/encoders.ts), then pretraining (saved to disk, then published to the store).
 * A store that fails either way (fetch or publish) is logged and costs a pretraining, not the trial.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { SimclrSettings } from '../config/trial.ts';
import { saveLayersModel } from '../models/index.ts';
import type { PreparedTrial } from './prepare.ts';
import { withKeyLock } from './encoder-lock.ts';
import { throwIfAborted } from './fit.ts';
import { pretrainSimclr, type PretrainOptions, type PretrainProgress } from './simclr.ts';

const COMPLETE_MARKER = '.skewer-complete';

/** Where a pretrained encoder came from: this trial pretrained it, this machine's disk, or the remote store. */
export type EncoderSource = 'pretrained' | 'disk' | 'store';

/** Encoders beyond this machine (e.g. a NATS object store). Keys are 64 hex digits. */
export interface EncoderStore {
  /** Writes the encoder's files into `dir` (which exists, empty) and returns true; false when the store has none. */
  fetch(key: string, dir: string): Promise<boolean>;
  /** Stores the encoder files of `dir` under `key` (a no-op when it is there already). */
  publish(key: string, dir: string): Promise<void>;
}

export interface ObtainEncoderOptions {
  /** Default: `$XDG_CACHE_HOME/skewer/encoders` (or `~/.cache/...`). */
  readonly cacheDir?: string;
  readonly store?: EncoderStore;
  readonly signal?: AbortSignal;
  readonly onEpoch?: (progress: PretrainProgress) => void;
  readonly onBatch?: PretrainOptions['onBatch'];
  readonly log?: (line: string) => void;
  /** A pretraining lock untouched this long is taken over (default 60 s). */
  readonly lockStaleMs?: number;
}

export interface ObtainedEncoder {
  readonly key: string;
  /** The encoder's folder (model.json + weights.bin), loadable as backbone weights by layer name. */
  readonly path: string;
  readonly source: EncoderSource;
  /** Mean NT-Xent per epoch, when this call pretrained. */
  readonly losses?: readonly number[];
}

export function defaultEncoderCacheDir(): string {
  return path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'), 'skewer', 'encoders');
}

/** The cache key of the encoder `settings` pretrain for `trial` (64 hex digits). */
export function encoderKey(trial: Pick<PreparedTrial, 'spec' | 'index'>, settings: SimclrSettings): string {
  const { spec } = trial;
  const parts = {
    v: 1,
    dataset: trial.index.hash,
    holdoutSeed: spec.seed,
    holdout: spec.holdout,
    backbone: spec.backbone,
    resolution: spec.resolution,
    fit: spec.fit,
    weights: spec.weights?.path ?? null,
    pretraining: Object.fromEntries(Object.entries(settings).sort(([a], [b]) => (a < b ? -1 : 1))),
  };
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/** The encoder for `trial`: from disk, from the store, or pretrained now (and then cached). */
export async function obtainEncoder(trial: PreparedTrial, settings: SimclrSettings, options: ObtainEncoderOptions = {}): Promise<ObtainedEncoder> {
  const key = encoderKey(trial, settings);
  const root = options.cacheDir ?? defaultEncoderCacheDir();
  const dir = path.join(root, key);
  if (existsSync(path.join(dir, COMPLETE_MARKER))) return { key, path: dir, source: 'disk' };
  await mkdir(root, { recursive: true });
  // Another trial on this machine pretraining the same key: wait for it, then read its encoder.
  return withKeyLock(root, key, () => obtainLocked(trial, settings, key, root, options), {
    ...(options.signal && { signal: options.signal }),
    ...(options.lockStaleMs !== undefined && { staleMs: options.lockStaleMs }),
    onWait: (holder) => options.log?.(`encoder ${key.slice(0, 12)}: waiting for ${holder}, which is pretraining it`),
  });
}

async function obtainLocked(trial: PreparedTrial, settings: SimclrSettings, key: string, root: string, options: ObtainEncoderOptions): Promise<ObtainedEncoder> {
  const dir = path.join(root, key);
  if (existsSync(path.join(dir, COMPLETE_MARKER))) return { key, path: dir, source: 'disk' };
  const partial = `${dir}.partial-${process.pid}-${Date.now()}`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true });
  try {
    if (options.store && (await fetchFromStore(options.store, key, partial, options))) {
      await seal(partial, dir);
      options.log?.(`encoder ${key.slice(0, 12)}: fetched from the store`);
      return { key, path: dir, source: 'store' };
    }
    const started = performance.now();
    const pretrained = await pretrainSimclr(trial, settings, { ...(options.signal && { signal: options.signal }), ...(options.onEpoch && { onEpoch: options.onEpoch }), ...(options.onBatch && { onBatch: options.onBatch }) });
    try {
      await saveLayersModel(pretrained.encoder, partial);
    } finally {
      pretrained.dispose();
    }
    await seal(partial, dir);
    options.log?.(
      `encoder ${key.slice(0, 12)}: SimCLR pretrained in ${((performance.now() - started) / 1000).toFixed(1)} s, NT-Xent ` +
        `${pretrained.losses[0]!.toFixed(3)} -> ${pretrained.losses.at(-1)!.toFixed(3)}; tensors ${tf.memory().numTensors}`,
    );
    // The encoder is on this machine already: a store that refuses it (an agent without publish
    // rights, a lost connection) costs the other machines a pretraining, not this trial.
    await options.store?.publish(key, dir).catch((error: unknown) => {
      options.log?.(`encoder ${key.slice(0, 12)}: could not publish it to the store (${(error as Error).message ?? String(error)}); other machines will pretrain it themselves`);
    });
    return { key, path: dir, source: 'pretrained', losses: pretrained.losses };
  } finally {
    await rm(partial, { recursive: true, force: true });
  }
}

/**
 * The store's copy of the encoder into `partial`, or false. A fetch that throws (a lost
 * connection, no read rights, a corrupt or half-written object) costs this trial a pretraining,
 * not the attempt: it is logged, `partial` is emptied of what it left, and the caller pretrains.
 * An abort is not a store failure and still ends the trial.
 */
async function fetchFromStore(store: EncoderStore, key: string, partial: string, options: ObtainEncoderOptions): Promise<boolean> {
  try {
    return await store.fetch(key, partial);
  } catch (error) {
    throwIfAborted(options.signal);
    options.log?.(`encoder ${key.slice(0, 12)}: could not fetch it from the store (${(error as Error).message ?? String(error)}); pretraining it here instead`);
    await rm(partial, { recursive: true, force: true });
    await mkdir(partial, { recursive: true });
    return false;
  }
}

/** Marks `partial` complete and moves it into place (another process's copy, already there, wins). */
async function seal(partial: string, dir: string): Promise<void> {
  await writeFile(path.join(partial, COMPLETE_MARKER), '');
  if (existsSync(path.join(dir, COMPLETE_MARKER))) return;
  await rm(dir, { recursive: true, force: true });
  await rename(partial, dir);
}
