/**
 * A bounded cache of decoded images: least-recently-used entries are evicted once the decoded
 * bytes exceed the budget, so a dataset larger than memory streams from disk. Images are held
 * as 8-bit RGB (a quarter of float32's size, so four times as many fit) and turned into floats
 * when a batch is assembled. Concurrent loads of the same image share one decode.
 */
import { bytesToFloats, checkDecodeOptions, decodeImageBytes } from './decode.ts';
import type { Fit } from './types.ts';

export interface ImageCacheStats {
  hits: number;
  misses: number;
  /** Bytes of decoded pixels currently held (8-bit RGB: resolution^2 * 3 per image). */
  bytes: number;
  evictions: number;
}

export class ImageCache {
  private readonly budgetBytes: number;
  /** Insertion order of a Map is the LRU order: the first key is the least recently used. */
  private readonly entries = new Map<string, Uint8Array>();
  private readonly pending = new Map<string, Promise<Uint8Array>>();
  private readonly counters: ImageCacheStats = { hits: 0, misses: 0, bytes: 0, evictions: 0 };

  constructor(options: { budgetBytes: number }) {
    if (!(options.budgetBytes >= 0) || !Number.isFinite(options.budgetBytes)) {
      throw new RangeError(`ImageCache budgetBytes must be a finite number >= 0, got ${options.budgetBytes}`);
    }
    this.budgetBytes = options.budgetBytes;
  }

  /** The image at `resolution` x `resolution` x 3 as floats in [0, 1] (a new array each call). */
  async load(path: string, options: { resolution: number; fit: Fit }): Promise<Float32Array> {
    const bytes = await this.loadBytes(path, options);
    const out = new Float32Array(bytes.length);
    bytesToFloats(bytes, out, 0);
    return out;
  }

  /**
   * The image as 8-bit RGB, from memory when cached, else decoded from disk. The array is the
   * cache's own: read it, never write to it.
   */
  async loadBytes(path: string, options: { resolution: number; fit: Fit }): Promise<Uint8Array> {
    checkDecodeOptions(options);
    const key = `${options.resolution}/${options.fit}/${path}`;
    const cached = this.entries.get(key);
    if (cached) {
      this.counters.hits++;
      this.entries.delete(key);
      this.entries.set(key, cached);
      return cached;
    }
    const inFlight = this.pending.get(key);
    if (inFlight) {
      this.counters.hits++;
      return inFlight;
    }
    this.counters.misses++;
    const decoding = decodeImageBytes(path, options).finally(() => this.pending.delete(key));
    this.pending.set(key, decoding);
    const pixels = await decoding;
    this.store(key, pixels);
    return pixels;
  }

  stats(): ImageCacheStats {
    return { ...this.counters };
  }

  /** Drops every entry (counters are kept). */
  clear(): void {
    this.entries.clear();
    this.counters.bytes = 0;
  }

  private store(key: string, pixels: Uint8Array): void {
    if (pixels.byteLength > this.budgetBytes || this.entries.has(key)) return;
    this.entries.set(key, pixels);
    this.counters.bytes += pixels.byteLength;
    while (this.counters.bytes > this.budgetBytes) {
      const oldest = this.entries.keys().next().value as string;
      this.counters.bytes -= this.entries.get(oldest)!.byteLength;
      this.entries.delete(oldest);
      this.counters.evictions++;
    }
  }
}
