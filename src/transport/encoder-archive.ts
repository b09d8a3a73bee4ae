/**
 * Pretrained encoders through the object store, like datasets: the first agent that pretrains an
 * encoder publishes its folder (model.json + weights.bin) under `<key>.skewer-encoder`; an agent
 * on another machine fetches it instead of pretraining. The key names a cache folder and an
 * object, so it is checked by pattern before it reaches either. Each study has its own bucket
 * (`encoderBucketName`), which its agents may write under configs/nats-least-privilege.conf.
 */
import { readdir } from 'node:fs/promises';
import { ENCODER_KEY_PATTERN, ENCODER_OBJECT_SUFFIX } from '../core/names.ts';
import { packDataset, unpack } from './dataset-archive.ts';
import { encoderBucketName } from './subjects.ts';
import type { ObjectStore, Transport } from './types.ts';

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

/**
 * The encoder store of each study, its bucket opened on first use. A bucket that cannot be opened
 * (no rights, a lost connection) rejects that fetch or publish, which the encoder cache logs and
 * survives; the next use tries again.
 */
export function studyEncoderStores(transport: Pick<Transport, 'objects'>): (study: string) => ObjectEncoderStore {
  const opened = new Map<string, Promise<ObjectEncoderStore>>();
  const open = (study: string): Promise<ObjectEncoderStore> => {
    let store = opened.get(study);
    if (!store) {
      store = transport.objects(encoderBucketName(study), { bindOnly: true }).then(objectEncoderStore); // the coordinator made it
      store.catch(() => opened.delete(study));
      opened.set(study, store);
    }
    return store;
  };
  return (study) => ({
    fetch: async (key, dir) => (await open(study)).fetch(key, dir),
    publish: async (key, dir) => (await open(study)).publish(key, dir),
  });
}
