/**
 * Where `skewer predict --heatmaps DIR` writes each image's Grad-CAM overlay: the input tree is
 * mirrored under DIR from the folder all the images share, so `predict m data/ok data/defect
 * --heatmaps heat` writes heat/ok/000.gradcam.png and heat/defect/000.gradcam.png, and images of
 * one folder (or a single file) land directly in DIR. An overlay is named after its image without
 * the extension, unless another image of that folder has the same stem (a.png, a.jpg): then the
 * whole file name is kept (a.png.gradcam.png, a.jpg.gradcam.png). No two images share an overlay.
 * Pure: paths in, paths out.
 */
import path from 'node:path';

export const HEATMAP_SUFFIX = '.gradcam.png';

/** The deepest folder holding every file (absolute paths). */
function commonFolder(files: readonly string[]): string {
  let common = path.dirname(files[0]!).split(path.sep);
  for (const file of files.slice(1)) {
    const parts = path.dirname(file).split(path.sep);
    let i = 0;
    while (i < common.length && i < parts.length && common[i] === parts[i]) i++;
    common = common.slice(0, i);
  }
  return common.join(path.sep) || path.sep;
}

/** The overlay file of each image, keyed by the image's path as given; under `dir` as given (relative stays relative). */
export function heatmapPaths(files: readonly string[], dir: string): Map<string, string> {
  const out = new Map<string, string>();
  if (files.length === 0) return out;
  const resolved = files.map((file) => path.resolve(file));
  const root = commonFolder(resolved);
  const stemsPerFolder = new Map<string, Map<string, Set<string>>>();
  for (const file of new Set(resolved)) {
    const { dir: folder, name } = path.parse(file);
    const stems = stemsPerFolder.get(folder) ?? new Map<string, Set<string>>();
    stemsPerFolder.set(folder, stems);
    stems.set(name, (stems.get(name) ?? new Set()).add(file));
  }
  resolved.forEach((file, i) => {
    const { dir: folder, name, base } = path.parse(file);
    const shared = stemsPerFolder.get(folder)!.get(name)!.size > 1;
    out.set(files[i]!, path.join(dir, path.relative(root, folder), `${shared ? base : name}${HEATMAP_SUFFIX}`));
  });
  return out;
}
