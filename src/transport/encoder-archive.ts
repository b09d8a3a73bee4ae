/**
 * Pretrained encoders through the object store, like datasets: the first agent that pretrains an
 * encoder publishes its folder (model.json + weights.bin) under `<key>.skewer-encoder`; an agent
 * on another machine fetches it instead of pretraining. The key names a cache folder and an
 * object, so it is checked by pattern before it reaches either.
 */
import { readdir } from 'node:fs/promises';
import { ENCODER_KEY_PATTERN, ENCODER_OBJECT_SUFFIX } from '../core/names.ts';
import { packDataset, unpack } from './dataset-archive.ts';
import type { ObjectStore } from './types.ts';

/** What src/training/encoder-cache.ts calls an EncoderStore, over an object store. */
export interface ObjectEncoderStore {
  fetch(key: string, dir: string): Promise<boolean>;
  publish(key: string, dir: string): Promise<void>;
}

function objectName(key: string): string {
  if (!ENCODER_KEY_PATTERN.test(key)) {
    throw new Error(`refusing encoder key ${JSON.stringify(key)}: an encoder key is 64 lowercase hex digits (a sha256)`);
  }
  return `${key}${ENCODER_OBJECT_SUFFIX}`;
}

export function objectEncoderStore(objects: ObjectStore): ObjectEncoderStore {
  return {
    async fetch(key, dir) {
      const stream = await objects.get(objectName(key));
      if (!stream) return false;
      await unpack(stream, dir);
      const files = await readdir(dir);
      if (!files.includes('model.json')) throw new Error(`encoder ${key} in the object store has no model.json (found: ${files.join(', ') || 'nothing'})`);
      return true;
    },
    async publish(key, dir) {
      const name = objectName(key);
      if (!(await objects.has(name))) await objects.put(name, packDataset(dir));
    },
  };
}
