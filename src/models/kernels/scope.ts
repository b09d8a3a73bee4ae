/**
 * Backend-level composition of wasm kernels. A `KernelScope` runs kernels that the wasm backend
 * already has (Conv2D, Transpose, PadV2, …) on TensorInfos, remembers every intermediate it made
 * and frees them all in `dispose()` except the one result handed back to the engine with `keep()`.
 * Nothing here goes through the engine, so no tensor is tracked twice and none can leak past a
 * kernel call.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export type TensorInfo = tf.TensorInfo;
export type Shape4 = [number, number, number, number];
/** Explicit padding in the `computeConv2DInfo` form: [[0,0],[top,bottom],[left,right],[0,0]]. */
export type ExplicitPadding = [[number, number], [number, number], [number, number], [number, number]];

export class KernelScope {
  private readonly made: TensorInfo[] = [];
  private readonly kept = new Set<TensorInfo>();

  constructor(readonly backend: BackendWasm) {}

  /** Runs the wasm kernel currently registered under `kernelName`. */
  run(kernelName: string, inputs: Record<string, TensorInfo>, attrs: object = {}): TensorInfo {
    const kernel = tf.getKernel(kernelName, 'wasm');
    if (!kernel) throw new Error(`wasm backend has no kernel ${kernelName}`);
    return this.track(kernel.kernelFunc({ inputs, backend: this.backend, attrs: attrs as tf.NamedAttrMap }) as TensorInfo);
  }

  /** Runs a specific kernel function (e.g. the original of a kernel we override). */
  runWith(kernelFunc: tf.KernelFunc, inputs: Record<string, TensorInfo>, attrs: object = {}): TensorInfo {
    return this.track(kernelFunc({ inputs, backend: this.backend, attrs: attrs as tf.NamedAttrMap }) as TensorInfo);
  }

  track(info: TensorInfo): TensorInfo {
    this.made.push(info);
    return info;
  }

  /** Marks the result: it survives `dispose()` and belongs to the engine. */
  keep(info: TensorInfo): TensorInfo {
    this.kept.add(info);
    return info;
  }

  dispose(): void {
    for (const info of this.made) if (!this.kept.has(info)) this.backend.disposeData(info.dataId);
    this.made.length = 0;
  }

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }

  reverse(x: TensorInfo, dims: number[]): TensorInfo {
    return this.run('Reverse', { x }, { dims });
  }

  sum(x: TensorInfo, axis: number[]): TensorInfo {
    return this.run('Sum', { x }, { axis, keepDims: false });
  }

  /** Keeps the first `size[i]` entries of every axis. */
  head(x: TensorInfo, size: number[]): TensorInfo {
    if (size.every((s, i) => s === x.shape[i])) return x;
    return this.run('Slice', { x }, { begin: size.map(() => 0), size });
  }

  pad(x: TensorInfo, paddings: Array<[number, number]>): TensorInfo {
    if (paddings.every(([a, b]) => a === 0 && b === 0)) return x;
    return this.run('PadV2', { x }, { paddings, constantValue: 0 });
  }

  conv2d(x: TensorInfo, filter: TensorInfo, strides: [number, number], dilations: [number, number], pad: ExplicitPadding): TensorInfo {
    return this.run('Conv2D', { x, filter }, { strides, dilations, pad, dataFormat: 'NHWC', dimRoundingMode: undefined });
  }

  depthwise(x: TensorInfo, filter: TensorInfo, strides: [number, number], dilations: [number, number], pad: ExplicitPadding): TensorInfo {
    return this.run('DepthwiseConv2dNative', { x, filter }, { strides, dilations, pad, dataFormat: 'NHWC', dimRoundingMode: undefined });
  }

  /**
   * Inserts `stride - 1` zeros after every row and column of an NHWC tensor (the "upsampled"
   * output gradient of a strided convolution): [N, H, W, C] -> [N, H*sh, W*sw, C].
   */
  upsample(x: TensorInfo, [sh, sw]: [number, number]): TensorInfo {
    if (sh === 1 && sw === 1) return x;
    const [n, h, w, c] = x.shape as Shape4;
    const spread = this.reshape(x, [n, h, 1, w, 1, c]);
    const padded = this.pad(spread, [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]]);
    return this.reshape(padded, [n, h * sh, w * sw, c]);
  }
}

/**
 * Padding for a stride-1 correlation that must produce exactly `outLength` values from an input of
 * `inLength` with `padBefore` zeros in front, when each output reads a window spanning `span`
 * elements (dilated filter extent) stepping by `step`. Returns the zeros to add after and, when the
 * input is longer than needed, how many trailing input elements to keep instead.
 */
export function fitWindow(inLength: number, padBefore: number, span: number, outLength: number, step = 1): { padAfter: number; keep: number } {
  const needed = (outLength - 1) * step + span;
  const padAfter = needed - inLength - padBefore;
  return padAfter >= 0 ? { padAfter, keep: inLength } : { padAfter: 0, keep: inLength + padAfter };
}

export function explicitPadding(top: number, bottom: number, left: number, right: number): ExplicitPadding {
  return [[0, 0], [top, bottom], [left, right], [0, 0]];
}
