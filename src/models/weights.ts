/**
 * Model files on local disk, in the tfjs layers format (`model.json` + binary weight shards),
 * without tfjs-node's `file://` handler: we read and write the files ourselves and hand tfjs the
 * artifacts in memory. Used to load pretrained backbone weights by layer name (never downloaded at
 * run time) and to save and reload trained models.
 */
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../core/errors.ts';

const WEIGHTS_FILE = 'weights.bin';

/** How to get pretrained weights for a backbone into the format we read. */
export function pretrainedWeightsHint(backbone: string): string {
  const keras: Record<string, string> = {
    mobilenetv2: 'MobileNetV2',
    densenet121: 'DenseNet121',
    densenet201: 'DenseNet201',
    efficientnetb3: 'EfficientNetB3',
  };
  const cls = keras[backbone];
  if (cls === undefined) return `${backbone} has no published pretrained weights; point weights.path at a model saved by skewer`;
  return (
    `in Python: \`tf.keras.applications.${cls}(weights='imagenet', include_top=False).save('${backbone}.h5')\`, then ` +
    `\`tensorflowjs_converter --input_format keras ${backbone}.h5 ./${backbone}-imagenet\` and set weights.path to ./${backbone}-imagenet`
  );
}

/** `dir` or `dir/model.json` -> the model.json path; a clear UserError if there is none. */
async function resolveModelJson(target: string, hint: string): Promise<string> {
  const info = await stat(target).catch(() => undefined);
  if (info === undefined) throw new UserError('no model file or directory here', { where: target, hint });
  const file = info.isDirectory() ? path.join(target, 'model.json') : target;
  if (!(await stat(file).catch(() => undefined))?.isFile()) {
    throw new UserError('directory has no model.json', { where: target, hint });
  }
  return file;
}

async function readModelJson(file: string, hint: string): Promise<tf.io.ModelJSON> {
  const text = await readFile(file, 'utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UserError('not a tfjs model.json (invalid JSON)', { where: file, hint, cause: error });
  }
  const json = parsed as Partial<tf.io.ModelJSON>;
  if (typeof json !== 'object' || json === null || !Array.isArray(json.weightsManifest)) {
    throw new UserError('not a tfjs model.json (no weightsManifest)', { where: file, hint });
  }
  return json as tf.io.ModelJSON;
}

/** Reads model.json and its weight shards into in-memory artifacts. */
async function readArtifacts(target: string, hint: string): Promise<tf.io.ModelArtifacts> {
  const file = await resolveModelJson(target, hint);
  const json = await readModelJson(file, hint);
  return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
    const specs: tf.io.WeightsManifestEntry[] = [];
    const buffers: ArrayBuffer[] = [];
    for (const group of manifest) {
      specs.push(...group.weights);
      for (const shard of group.paths) {
        const shardPath = path.join(path.dirname(file), shard);
        const bytes = await readFile(shardPath).catch((error: unknown) => {
          throw new UserError('weight shard named in model.json is missing', { where: shardPath, hint, cause: error });
        });
        buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
      }
    }
    return [specs, tf.io.CompositeArrayBuffer.join(buffers)];
  });
}

/** The named weight tensors of a tfjs model directory or model.json. The caller disposes them. */
export async function readWeights(target: string, hint = 'point weights.path at a tfjs model directory (model.json + .bin shards)'): Promise<tf.NamedTensorMap> {
  const artifacts = await readArtifacts(target, hint);
  if (artifacts.weightSpecs === undefined || artifacts.weightData === undefined) {
    throw new UserError('model.json lists no weights', { where: target, hint });
  }
  return tf.io.decodeWeights(artifacts.weightData, artifacts.weightSpecs);
}

/**
 * Writes each of `model`'s weights whose layer name matches a weight in `weights` (exactly, or as
 * the tail of a prefixed name such as `model/conv1/conv/kernel`). Every weight of the model must be
 * found with the right shape: a half-loaded model is refused, naming what is missing.
 */
export function assignWeightsByName(model: tf.LayersModel, weights: tf.NamedTensorMap, where: string, hint: string): number {
  const names = Object.keys(weights);
  const problems: string[] = [];
  const matches: Array<[tf.LayerVariable, tf.Tensor]> = [];
  for (const variable of model.weights) {
    const key = variable.originalName;
    const found = weights[key] ?? weights[names.find((n) => n.endsWith(`/${key}`)) ?? ''];
    if (found === undefined) problems.push(`${key} missing`);
    else if (found.shape.join(',') !== variable.shape.join(',')) problems.push(`${key} has shape [${found.shape}], expected [${variable.shape}]`);
    else matches.push([variable, found]);
  }
  if (problems.length > 0) {
    const listed = problems.slice(0, 5).join('; ') + (problems.length > 5 ? `; and ${problems.length - 5} more` : '');
    throw new UserError(`weights do not fit ${model.name} (${problems.length} of ${model.weights.length}): ${listed}`, { where, hint });
  }
  tf.tidy(() => {
    for (const [variable, value] of matches) variable.write(value.dtype === 'float32' ? value : tf.cast(value, 'float32'));
  });
  return matches.length;
}

/** Saves a model as `dir/model.json` + `dir/weights.bin`. */
export async function saveLayersModel(model: tf.LayersModel, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology!,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs ?? [] }],
      };
      await writeFile(path.join(dir, 'model.json'), JSON.stringify(modelJson));
      await writeFile(path.join(dir, WEIGHTS_FILE), new Uint8Array(weightData));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  return path.join(dir, 'model.json');
}

/** Loads a model saved by `saveLayersModel` (or any tfjs layers model on disk). */
export async function loadLayersModel(target: string): Promise<tf.LayersModel> {
  const artifacts = await readArtifacts(target, 'point at a directory written by skewer (model.json + weights.bin)');
  return tf.loadLayersModel(tf.io.fromMemory(artifacts));
}
