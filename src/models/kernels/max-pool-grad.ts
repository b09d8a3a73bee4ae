/**
 * `MaxPoolGrad` for wasm, for correctness: the stock 4.22 kernel seeds its running maximum with
 * `std::numeric_limits<float>::min()` (the smallest *positive* float), so in a window whose values
 * are all <= 0 no element wins and the gradient goes to the wrong place; it also breaks ties towards
 * the last element. After a ReLU this hides (ReLU' masks those pixels), but a max-pool after batch
 * norm or a linear conv trains with wrong gradients. Here each output gradient goes to the first
 * maximum of its window, the `cpu` backend's rule, in one pass with the channel loop innermost
 * (measured as fast as the stock kernel).
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

interface MaxPoolGradAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

export function makeMaxPoolGrad(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const input = args.inputs.input!;
    const dy = args.inputs.dy!;
    if (input.dtype !== 'float32') return original(args);
    const attrs = args.attrs as unknown as MaxPoolGradAttrs;
    const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
    const backend = args.backend as BackendWasm;
    const out = backend.makeOutput(input.shape, 'float32');
    // Views after makeOutput: a heap growth detaches earlier ones.
    const dx = backend.typedArrayFromHeap(out) as Float32Array;
    const x = backend.typedArrayFromHeap(input) as Float32Array;
    const dyValues = backend.typedArrayFromHeap(dy) as Float32Array;
    dx.fill(0);
    const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth, strideHeight, strideWidth, filterHeight, filterWidth } = info;
    const best = new Float32Array(channels);
    const bestAt = new Int32Array(channels);
    let dyOffset = 0;
    for (let n = 0; n < batchSize; n++) {
      for (let oh = 0; oh < outHeight; oh++) {
        const top = oh * strideHeight - info.padInfo.top;
        const rowLo = Math.max(0, top);
        const rowHi = Math.min(inHeight, top + filterHeight);
        for (let ow = 0; ow < outWidth; ow++, dyOffset += channels) {
          const left = ow * strideWidth - info.padInfo.left;
          const colLo = Math.max(0, left);
          const colHi = Math.min(inWidth, left + filterWidth);
          best.fill(-Infinity);
          bestAt.fill(-1);
          for (let r = rowLo; r < rowHi; r++) {
            for (let c = colLo; c < colHi; c++) {
              const base = ((n * inHeight + r) * inWidth + c) * channels;
              for (let ch = 0; ch < channels; ch++) {
                const value = x[base + ch]!;
                if (value > best[ch]!) {
                  best[ch] = value;
                  bestAt[ch] = base + ch;
                }
              }
            }
          }
          for (let ch = 0; ch < channels; ch++) if (bestAt[ch]! >= 0) dx[bestAt[ch]!]! += dyValues[dyOffset + ch]!;
        }
      }
    }
    return out;
  };
}
