import type { JetStreamClient } from '@nats-io/jetstream';
import { Objm } from '@nats-io/obj';
import { MissingBucketError, type ObjectStore } from '../types.ts';
import { storageType } from './streams.ts';

/**
 * A JetStream object store: chunked, with a SHA-256 digest the client checks on `get`. `bindOnly`
 * opens an existing one with STREAM.INFO alone.
 */
export async function natsObjects(js: JetStreamClient, bucket: string, storage: 'file' | 'memory', bindOnly = false): Promise<ObjectStore> {
  const store = bindOnly
    ? await new Objm(js).open(bucket).catch((error: unknown) => {
        throw (error as Error).message === 'object store not found' ? new MissingBucketError(bucket) : error;
      })
    : await new Objm(js).create(bucket, { storage: storageType(storage) });
  return {
    async has(name) {
      const info = await store.info(name);
      return info !== null && !info.deleted;
    },
    async put(name, data) {
      if (data instanceof Uint8Array) await store.putBlob({ name }, data);
      else await store.put({ name }, ReadableStream.from(data));
    },
    async get(name) {
      const result = await store.get(name);
      if (!result) return undefined;
      return (async function* () {
        for await (const chunk of result.data) yield chunk;
        const error = await result.error;
        if (error) throw error;
      })();
    },
  };
}
