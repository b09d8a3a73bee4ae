/**
 * Gradients of a depthwise convolution (filter [KH, KW, C, M], output channel c*M+m) for the wasm
 * backend, which lacks both in 4.22. Each is one forward depthwise convolution on XNNPACK:
 * - filter: dW[kh,kw,c,m] = Σ_{n,oh,ow} x[n, oh*s+kh*d-pt, ·, c] · dy[n,oh,ow,c*M+m]. Put the batch
 *   into the channels, x -> [1, H, W, C*N] (channel c*N+n), and read dy as a depthwise filter
 *   [OH, OW, C*N, M] dilated by the forward stride; the output [1, KH, KW, C*N*M] summed over n is dW.
 * - input: dx is a stride-1 depthwise convolution of the upsampled dy (C*M channels, multiplier 1)
 *   with the flipped filter [KH, KW, C*M, 1], then summed over the multiplier m.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { transposedConvolution } from './conv2d-backprop.ts';
import { KernelScope, explicitPadding, fitWindow, type Shape4, type TensorInfo } from './scope.ts';

interface DepthwiseBackpropAttrs {
  strides: number | [number, number];
  dilations: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

type KernelArgs<A> = { inputs: tf.NamedTensorInfoMap; backend: BackendWasm; attrs: A };

export function depthwiseConv2dNativeBackpropFilter(args: KernelArgs<DepthwiseBackpropAttrs & { filterShape: Shape4 }>): TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = inputs.x!;
  const dy = inputs.dy!;
  const info = tf.backend_util.computeConv2DInfo(x.shape as Shape4, attrs.filterShape, attrs.strides, attrs.dilations ?? 1, attrs.pad, attrs.dimRoundingMode, true);
  const [n, , , channels] = x.shape as Shape4;
  const multiplier = attrs.filterShape[3];
  const scope = new KernelScope(backend);
  try {
    const rows = fitWindow(info.inHeight, info.padInfo.top, (info.outHeight - 1) * info.strideHeight + 1, info.filterHeight, info.dilationHeight);
    const cols = fitWindow(info.inWidth, info.padInfo.left, (info.outWidth - 1) * info.strideWidth + 1, info.filterWidth, info.dilationWidth);
    const xCropped = scope.head(x, [n, rows.keep, cols.keep, channels]);
    const xBatchInChannels = scope.reshape(scope.transpose(xCropped, [1, 2, 3, 0]), [1, rows.keep, cols.keep, channels * n]);
    const dy5 = scope.reshape(dy, [n, info.outHeight, info.outWidth, channels, multiplier]);
    const dyAsFilter = scope.reshape(scope.transpose(dy5, [1, 2, 3, 0, 4]), [info.outHeight, info.outWidth, channels * n, multiplier]);
    const perSample = scope.depthwise(
      xBatchInChannels,
      dyAsFilter,
      [info.dilationHeight, info.dilationWidth],
      [info.strideHeight, info.strideWidth],
      explicitPadding(info.padInfo.top, rows.padAfter, info.padInfo.left, cols.padAfter),
    );
    const split = scope.reshape(perSample, [info.filterHeight, info.filterWidth, channels, n, multiplier]);
    const grad = n === 1 ? scope.reshape(split, attrs.filterShape) : scope.sum(split, [3]);
    return scope.keep(grad);
  } finally {
    scope.dispose();
  }
}

export function depthwiseConv2dNativeBackpropInput(args: KernelArgs<DepthwiseBackpropAttrs & { inputShape: Shape4 }>): TensorInfo {
  const { inputs, backend, attrs } = args;
  const dy = inputs.dy!;
  const filter = inputs.filter!;
  const [kh, kw, channels, multiplier] = filter.shape as Shape4;
  const info = tf.backend_util.computeConv2DInfo(attrs.inputShape, filter.shape as Shape4, attrs.strides, attrs.dilations ?? 1, attrs.pad, attrs.dimRoundingMode, true);
  const scope = new KernelScope(backend);
  try {
    const flipped = scope.reshape(scope.reverse(filter, [0, 1]), [kh, kw, channels * multiplier, 1]);
    const perProduct = transposedConvolution(scope, dy, flipped, info, true);
    if (multiplier === 1) return scope.keep(perProduct);
    const [n, h, w] = attrs.inputShape;
    return scope.keep(scope.sum(scope.reshape(perProduct, [n, h, w, channels, multiplier]), [4]));
  } finally {
    scope.dispose();
  }
}
