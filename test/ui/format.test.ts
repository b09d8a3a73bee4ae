import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fit, foldLabel, formatDuration, formatScore, formatSummary, progressBar, sparkline } from '../../src/ui/format.ts';
import { fitColumns, leaderboardColumns, rowWidth } from '../../src/ui/tui/columns.ts';
import { foldStudyEvents } from '../../src/ui/view-state.ts';
import { scriptedStudy, T0 } from './fixtures/study-events.ts';

test('sparkline scales between min and max, keeps the last values, and draws a flat series mid-height', () => {
  assert.equal(sparkline([0, 1, 2, 3, 4, 5, 6, 7], 8), '▁▂▃▄▅▆▇█');
  assert.equal(sparkline([0.5, 0.7, 0.9], 2), '▁█');
  assert.equal(sparkline([0.8, 0.8, 0.8], 10), '▄▄▄');
  assert.equal(sparkline([], 10), '');
});

test('fit truncates with an ellipsis or pads to the exact width', () => {
  assert.equal(fit('balanced-batch', 12), 'balanced-ba…');
  assert.equal(fit('ok', 5), 'ok   ');
  assert.equal(fit('7', 3, 'right'), '  7');
  assert.equal([...fit('défaut', 4)].length, 4);
});

test('numbers and durations read as people expect', () => {
  assert.equal(formatScore(0.87349), '0.873');
  assert.equal(formatScore(55.2712), '55.27');
  assert.equal(formatScore(undefined), '—');
  assert.equal(formatSummary({ mean: 0.9, std: 0.025, ci95: [0.8, 1], n: 3 }), '0.900±0.025');
  assert.equal(formatDuration(850), '850ms');
  assert.equal(formatDuration(12_340), '12.3s');
  assert.equal(formatDuration(245_000), '4m05s');
  assert.equal(formatDuration(3_720_000), '1h02m');
  assert.equal(progressBar(1, 2, 10), '█████░░░░░');
  assert.equal(progressBar(3, 3, 4), '████');
});

test('narrow terminals drop the least important columns first and keep the ranking ones', () => {
  const view = foldStudyEvents(scriptedStudy());
  const all = leaderboardColumns(view, T0 + 20_000);
  const keys = (width: number) => fitColumns(all, width).map((c) => c.key);
  assert.deepEqual(keys(200), all.map((c) => c.key));
  for (const width of [100, 80, 60, 40]) {
    const kept = fitColumns(all, width);
    assert.ok(rowWidth(kept) <= width, `${width}: ${rowWidth(kept)}`);
    assert.deepEqual(keys(width).slice(0, 3), ['rank', 'trial', 'score']);
  }
  assert.ok(keys(80).includes('minority') && keys(80).includes('majority') && keys(80).includes('state'));
  assert.ok(!keys(60).includes('agent'));
});

test('cut values stay distinct: a value that would read like another keeps its head and tail', async () => {
  const { distinctShortForms } = await import('../../src/ui/format.ts');
  const values = ['none', 'undersample', 'undersample-per-epoch', 'balanced-batch', 'oversample'];
  const short = distinctShortForms(values, 12);
  assert.equal(short.get('undersample'), 'undersample');
  assert.equal(short.get('balanced-batch'), 'balanced-ba…');
  assert.equal(short.get('undersample-per-epoch'), 'unders…epoch');
  const narrow = distinctShortForms(values, 8);
  assert.equal(narrow.get('undersample'), 'unde…ple');
  assert.equal(narrow.get('undersample-per-epoch'), 'unde…och');
  assert.equal(new Set(narrow.values()).size, values.length, 'every form distinct');
  for (const form of narrow.values()) assert.ok([...form].length <= 8);
});

test('a fold is numbered over all repeats, with its repeat when the trial ran repeated k-fold', () => {
  assert.equal(foldLabel({ fold: 2 }), '3');
  assert.equal(foldLabel({ fold: 3, repeat: 1 }), '4/r2');
});
