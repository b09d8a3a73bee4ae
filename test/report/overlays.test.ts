// What the report's Grad-CAM gallery picks, and what it says when it cannot draw (no model run needed).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { holdoutOverlays } from '../../src/cli/commands/report-overlays.ts';
import { chooseOverlays, FEW_OVERLAYS, MAX_OVERLAYS, type RetrainReport } from '../../src/report/index.ts';

const row = (trueClass: string, predicted: string, i: number) => ({ path: `${trueClass}/${i}.png`, trueClass, predicted });

test('misclassified images first, at most 12; found minority images only fill up to 4 when errors are few', () => {
  const many = [...Array.from({ length: 20 }, (_, i) => row('defect', 'ok', i)), ...Array.from({ length: 5 }, (_, i) => row('defect', 'defect', 100 + i))];
  const chosen = chooseOverlays(many, 'defect');
  assert.equal(chosen.length, MAX_OVERLAYS);
  assert.ok(chosen.every((c) => c.kind === 'misclassified'));
  const few = [row('ok', 'defect', 1), row('ok', 'ok', 2), row('defect', 'defect', 3), row('defect', 'defect', 4), row('defect', 'defect', 5), row('defect', 'defect', 6)];
  const filled = chooseOverlays(few, 'defect');
  assert.deepEqual(filled.map((c) => [c.path, c.kind]), [['ok/1.png', 'misclassified'], ['defect/3.png', 'minority found'], ['defect/4.png', 'minority found'], ['defect/5.png', 'minority found']]);
  assert.equal(filled.length, FEW_OVERLAYS);
  assert.deepEqual(chooseOverlays([row('ok', 'ok', 1)], 'defect'), [], 'nothing wrong and no minority found: nothing to show');
});

test('a report.json without holdout images (an older skewer) or without its model becomes a note, never an error', async () => {
  const base = { kind: 'skewer-final-report', createdAt: 'x', spec: {}, dataset: { classNames: ['defect', 'ok'], minorityClass: 'defect' }, plan: { threshold: 0.4, epochs: 1, source: 'spec' } } as unknown as RetrainReport;
  const old = await holdoutOverlays({ ...base, holdout: {} } as RetrainReport, '/nowhere');
  assert.deepEqual([old.overlays.length, old.threshold], [0, 0.4]);
  assert.match(old.notes[0]!, /lists no holdout images .*run `skewer retrain` again/);
  const noModel = await holdoutOverlays({ ...base, dataset: { ...base.dataset, root: '/nowhere' }, holdout: { items: [{ path: 'a.png', label: 'ok' }] } } as unknown as RetrainReport, '/nowhere/model');
  assert.match(noModel.notes[0]!, /no model at \/nowhere\/model\/model\.json/);
});
