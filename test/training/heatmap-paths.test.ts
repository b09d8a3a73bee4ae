// Where predict --heatmaps writes each overlay: the input tree mirrored from the folder the images
// share, the extension kept only where two images of a folder share a stem; never two on one file.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { heatmapPaths } from '../../src/training/heatmap-paths.ts';

test('two folders holding a.png each get two overlays, under their folder names', () => {
  const out = heatmapPaths(['/data/one/a.png', '/data/two/a.png', '/data/two/b.jpg'], 'heat');
  assert.deepEqual([...out.entries()], [
    ['/data/one/a.png', path.join('heat', 'one', 'a.gradcam.png')],
    ['/data/two/a.png', path.join('heat', 'two', 'a.gradcam.png')],
    ['/data/two/b.jpg', path.join('heat', 'two', 'b.gradcam.png')],
  ]);
});

test('images of one folder, or one file, land directly in the folder; deeper trees are mirrored', () => {
  assert.deepEqual([...heatmapPaths(['/d/ok/1.png', '/d/ok/2.png'], '/h').values()], ['/h/1.gradcam.png', '/h/2.gradcam.png']);
  assert.deepEqual([...heatmapPaths(['/d/ok/1.png'], '/h').values()], ['/h/1.gradcam.png']);
  assert.deepEqual([...heatmapPaths(['/d/a/x/1.png', '/d/b/1.png'], '/h').values()], ['/h/a/x/1.gradcam.png', '/h/b/1.gradcam.png']);
  // Folders that share only the root still mirror from there.
  assert.deepEqual([...heatmapPaths(['/p/1.png', '/q/1.png'], '/h').values()], ['/h/p/1.gradcam.png', '/h/q/1.gradcam.png']);
});

test('a.png and a.jpg in one folder keep their extensions; other stems do not', () => {
  const out = heatmapPaths(['/d/a.png', '/d/a.jpg', '/d/c.png'], '/h');
  assert.deepEqual([...out.values()], ['/h/a.png.gradcam.png', '/h/a.jpg.gradcam.png', '/h/c.gradcam.png']);
});

test('relative paths are resolved before comparing, and keyed as given; no image is left out', () => {
  const files = ['one/a.png', path.resolve('two/a.png')];
  const out = heatmapPaths(files, 'heat');
  assert.deepEqual([...out.keys()], files);
  assert.deepEqual([...out.values()], [path.join('heat', 'one', 'a.gradcam.png'), path.join('heat', 'two', 'a.gradcam.png')]);
  assert.equal(heatmapPaths([], 'heat').size, 0);
});
