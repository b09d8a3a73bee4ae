/**
 * Grad-CAM (Selvaraju et al. 2017) for the minority class: where in the image the model found what
 * made it say "defect". The feature map is the last 4-D tensor every later layer depends on (the
 * last convolutional block, before pooling); its channels are weighted by the mean gradient of the
 * minority probability with respect to them, summed, rectified and scaled to [0, 1].
 *
 * Works on any flat functional classifier skewer saves (stock layers included): the model is split
 * at that tensor into a feature model and a head that reuse the same layer objects (same weights).
 */
import * as tf from '@tensorflow/tfjs';

export interface GradCam {
  /** The layer whose output is the feature map. */
  readonly layer: string;
  /** Maps in [0, 1], one per image, `height` x `width` of the feature map, row-major. */
  compute(x: tf.Tensor4D, minorityIndex: number): Promise<{ maps: Float32Array[]; height: number; width: number }>;
  dispose(): void;
}

function rank(tensor: tf.SymbolicTensor | tf.SymbolicTensor[]): number {
  return (Array.isArray(tensor) ? tensor[0]! : tensor).shape.length;
}

/** The index of the last layer with a 4-D output that every later layer reads only through. */
function splitIndex(layers: readonly tf.layers.Layer[]): number {
  const position = new Map(layers.map((l, i) => [l.name, i]));
  for (let i = layers.length - 2; i >= 0; i--) {
    if (rank(layers[i]!.output as tf.SymbolicTensor) !== 4) continue;
    const closed = layers.slice(i + 1).every((l) => l.inboundNodes[0]!.inboundLayers.every((from) => (position.get(from.name) ?? -1) >= i));
    if (closed) return i;
  }
  throw new Error('Grad-CAM needs a 4-D feature map that the classifier head reads through (a convolutional backbone)');
}

export function createGradCam(model: tf.LayersModel): GradCam {
  const layers = model.layers;
  const at = splitIndex(layers);
  const split = layers[at]!;
  const features = tf.model({ inputs: model.inputs, outputs: split.output as tf.SymbolicTensor });
  const featureInput = tf.input({ shape: (split.output as tf.SymbolicTensor).shape.slice(1) as number[] });
  const outputs = new Map<string, tf.SymbolicTensor>([[split.name, featureInput]]);
  for (const layer of layers.slice(at + 1)) {
    const inbound = layer.inboundNodes[0]!.inboundLayers.map((from) => outputs.get(from.name)!);
    outputs.set(layer.name, layer.apply(inbound.length === 1 ? inbound[0]! : inbound) as tf.SymbolicTensor);
  }
  const head = tf.model({ inputs: featureInput, outputs: outputs.get(model.outputLayers[0]!.name)! });
  return {
    layer: split.name,
    async compute(x, minorityIndex) {
      const [height, width] = (split.output as tf.SymbolicTensor).shape.slice(1, 3) as [number, number];
      const cams = tf.tidy(() => {
        const a = features.apply(x, { training: false }) as tf.Tensor4D;
        const score = (t: tf.Tensor): tf.Scalar => (head.apply(t, { training: false }) as tf.Tensor2D).slice([0, minorityIndex], [-1, 1]).sum();
        const grads = tf.grad(score)(a);
        const weights = grads.mean([1, 2], true); // [n, 1, 1, c]
        const cam = tf.relu(a.mul(weights).sum(-1)); // [n, h, w]
        const peak = cam.max([1, 2], true);
        return cam.div(tf.maximum(peak, 1e-12));
      });
      const values = await cams.data();
      cams.dispose();
      const size = height * width;
      const maps = Array.from({ length: x.shape[0] }, (_, i) => Float32Array.from(values.subarray(i * size, (i + 1) * size)));
      return { maps, height, width };
    },
    dispose() {
      // features and head share their layers (and weights) with `model`: nothing of their own to free.
    },
  };
}

/** Where a map peaks, as fractions of its width and height (the centre of the hottest cell). */
export function mapPeak(map: Float32Array, height: number, width: number): { x: number; y: number } {
  let best = 0;
  for (let i = 1; i < map.length; i++) if (map[i]! > map[best]!) best = i;
  return { x: ((best % width) + 0.5) / width, y: (Math.floor(best / width) + 0.5) / height };
}
