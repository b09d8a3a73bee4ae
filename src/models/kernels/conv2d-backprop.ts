/**
 * Gradients of a regular 2-D convolution for the wasm backend, written as forward convolutions so
 * they run on XNNPACK:
 * - `Conv2DBackpropFilter` (missing from wasm 4.22): dW[kh,kw,ci,co] = Σ_{n,oh,ow} x[n, oh*s+kh-pt,
 *   ow*s+kw-pl, ci] · dy[n,oh,ow,co] is a convolution of the input seen as [Ci, H, W, N] ("channels
 *   as batch, batch as channels") with the output gradient seen as a filter [OH, OW, N, Co], dilated
 *   by the forward stride. The result [Ci, KH, KW, Co] is transposed back to [KH, KW, Ci, Co].
 *   A 1×1 stride-1 convolution is a plain product instead, dW = xᵀ·dy over [N·H·W] rows (measured
 *   ~2.5x faster than the convolution form; for larger filters an im2col GEMM measured slower).
 * - `Conv2DBackpropInput` (wasm has a naive loop): dx is a stride-1 convolution of the upsampled
 *   output gradient with the spatially flipped filter whose in/out channels are swapped; for a 1×1
 *   stride-1 convolution, the product dy·Wᵀ.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { KernelScope, explicitPadding, fitWindow, type Shape4, type TensorInfo } from './scope.ts';

interface BackpropFilterAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: Shape4;
}

interface BackpropInputAttrs extends Omit<BackpropFilterAttrs, 'filterShape'> {
  inputShape: Shape4;
}

/** A 1×1, stride-1 convolution without padding: a plain matrix product over pixels. */
function isPointwise(info: tf.backend_util.Conv2DInfo): boolean {
  return info.filterHeight === 1 && info.filterWidth === 1 && info.strideHeight === 1 && info.strideWidth === 1 && info.outHeight === info.inHeight && info.outWidth === info.inWidth;
}

function requireChannelsLast(kernel: string, dataFormat: string): void {
  if (dataFormat !== 'NHWC') throw new Error(`${kernel} on wasm supports dataFormat NHWC only, got ${dataFormat}`);
}

export function conv2DBackpropFilter(args: { inputs: tf.NamedTensorInfoMap; backend: BackendWasm; attrs: BackpropFilterAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = inputs.x!;
  const dy = inputs.dy!;
  requireChannelsLast('Conv2DBackpropFilter', attrs.dataFormat);
  const info = tf.backend_util.computeConv2DInfo(x.shape as Shape4, attrs.filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const scope = new KernelScope(backend);
  try {
    const pixels = info.batchSize * info.outHeight * info.outWidth;
    if (isPointwise(info)) {
      const xRows = scope.reshape(x, [1, pixels, info.inChannels]);
      const dyRows = scope.reshape(dy, [1, pixels, info.outChannels]);
      return scope.keep(scope.reshape(scope.run('BatchMatMul', { a: xRows, b: dyRows }, { transposeA: true, transposeB: false }), attrs.filterShape));
    }
    const rows = fitWindow(info.inHeight, info.padInfo.top, (info.outHeight - 1) * info.strideHeight + 1, info.filterHeight);
    const cols = fitWindow(info.inWidth, info.padInfo.left, (info.outWidth - 1) * info.strideWidth + 1, info.filterWidth);
    const xCropped = scope.head(x, [info.batchSize, rows.keep, cols.keep, info.inChannels]);
    const xAsBatch = scope.transpose(xCropped, [3, 1, 2, 0]);
    const dyAsFilter = scope.transpose(dy, [1, 2, 0, 3]);
    const grad = scope.conv2d(
      xAsBatch,
      dyAsFilter,
      [1, 1],
      [info.strideHeight, info.strideWidth],
      explicitPadding(info.padInfo.top, rows.padAfter, info.padInfo.left, cols.padAfter),
    );
    return scope.keep(scope.transpose(grad, [1, 2, 0, 3]));
  } finally {
    scope.dispose();
  }
}

/**
 * dx of a convolution (or of a depthwise one when `depthwise`): shared by the regular and the
 * depthwise input gradients. `filterForConv` must already be flipped and laid out for the forward
 * kernel used.
 */
export function transposedConvolution(
  scope: KernelScope,
  dy: TensorInfo,
  filterForConv: TensorInfo,
  info: tf.backend_util.Conv2DInfo,
  depthwise: boolean,
): TensorInfo {
  const spanH = (info.filterHeight - 1) * info.dilationHeight + 1;
  const spanW = (info.filterWidth - 1) * info.dilationWidth + 1;
  const padTop = spanH - 1 - info.padInfo.top;
  const padLeft = spanW - 1 - info.padInfo.left;
  if (padTop < 0 || padLeft < 0) throw new Error('padding larger than the filter extent is not supported');
  const up = scope.upsample(dy, [info.strideHeight, info.strideWidth]);
  const rows = fitWindow(up.shape[1]!, padTop, spanH, info.inHeight);
  const cols = fitWindow(up.shape[2]!, padLeft, spanW, info.inWidth);
  const cropped = scope.head(up, [up.shape[0]!, rows.keep, cols.keep, up.shape[3]!]);
  const pad = explicitPadding(padTop, rows.padAfter, padLeft, cols.padAfter);
  const dilations: [number, number] = [info.dilationHeight, info.dilationWidth];
  return depthwise ? scope.depthwise(cropped, filterForConv, [1, 1], dilations, pad) : scope.conv2d(cropped, filterForConv, [1, 1], dilations, pad);
}

/** Builds the XNNPACK-backed Conv2DBackpropInput; cases it does not cover go to `fallback`. */
export function makeConv2DBackpropInput(fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { inputs, attrs } = args as unknown as { inputs: tf.NamedTensorInfoMap; attrs: BackpropInputAttrs };
    const backend = args.backend as BackendWasm;
    if (attrs.dataFormat !== 'NHWC') return fallback(args);
    const dy = inputs.dy!;
    const filter = inputs.filter!;
    const info = tf.backend_util.computeConv2DInfo(attrs.inputShape, filter.shape as Shape4, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
    if (info.padInfo.top > info.filterHeight - 1 || info.padInfo.left > info.filterWidth - 1) return fallback(args);
    const scope = new KernelScope(backend);
    try {
      if (isPointwise(info)) {
        // dx [N·H·W, Ci] = dy [N·H·W, Co] · Wᵀ: one GEMM; the convolution form pays an XNNPACK
        // operator (weight packing) per call, which dominates at small spatial sizes (measured 9x).
        const pixels = info.batchSize * info.inHeight * info.inWidth;
        const product = scope.run('BatchMatMul', { a: scope.reshape(dy, [1, pixels, info.outChannels]), b: scope.reshape(filter, [1, info.inChannels, info.outChannels]) }, { transposeA: false, transposeB: true });
        return scope.keep(scope.reshape(product, attrs.inputShape));
      }
      const flipped = scope.reverse(filter, [0, 1]);
      const swapped = scope.transpose(flipped, [0, 1, 3, 2]);
      return scope.keep(transposedConvolution(scope, dy, swapped, info, false));
    } finally {
      scope.dispose();
    }
  };
}
