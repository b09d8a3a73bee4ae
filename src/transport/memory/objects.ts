import type { ObjectStore } from '../types.ts';

/** Chunk size for `get`, so readers see a stream as they would from JetStream. */
const CHUNK_BYTES = 128 * 1024;

/** Blobs kept in memory; a `put` replaces the whole object atomically once fully read. */
export class MemoryObjectState {
  readonly objects = new Map<string, Uint8Array>();
}

export function memoryObjects(state: MemoryObjectState): ObjectStore {
  return {
    has: async (name) => state.objects.has(name),
    async put(name, data) {
      const chunks: Uint8Array[] = [];
      if (data instanceof Uint8Array) chunks.push(data);
      else for await (const chunk of data) chunks.push(chunk);
      state.objects.set(name, Buffer.concat(chunks));
    },
    async get(name) {
      const bytes = state.objects.get(name);
      if (!bytes) return undefined;
      return (async function* () {
        for (let offset = 0; offset < bytes.length; offset += CHUNK_BYTES) {
          yield bytes.subarray(offset, Math.min(bytes.length, offset + CHUNK_BYTES));
        }
      })();
    },
  };
}
