/**
 * How long the report's parameter importance takes: the seeded random forest fitted to N stored
 * trials (default 1,000) of a six-parameter space with a log range and a conditional range.
 * `npx tsx bench/report-importance.ts [N]`; prints one line and writes bench/results/report-importance.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseSearchSpace } from '../src/config/space.ts';
import { createRng } from '../src/core/rng.ts';
import type { StoredTrial } from '../src/transport/messages.ts';
import { paramImportance } from '../src/report/importance.ts';
import { paramAxes } from '../src/report/params.ts';

const count = Number(process.argv[2] ?? 1000);
const space = parseSearchSpace({
  learningRate: { type: 'float', low: 1e-4, high: 1e-1, log: true },
  weightDecay: { type: 'float', low: 0, high: 0.1 },
  loss: { type: 'categorical', values: ['ce', 'focal', 'logit-adjusted'] },
  focalGamma: { type: 'float', low: 0.5, high: 5, when: { loss: ['focal'] } },
  batchSize: { type: 'int', low: 8, high: 64 },
  sampling: { type: 'categorical', values: ['none', 'oversample'] },
});
const rng = createRng('bench/report-importance');
const trials = Array.from({ length: count }, (_, number) => {
  const loss = rng.pick(['ce', 'focal', 'logit-adjusted']);
  const learningRate = 10 ** rng.uniform(-4, -1);
  const params = { learningRate, weightDecay: rng.uniform(0, 0.1), loss, batchSize: rng.int(8, 64), sampling: rng.pick(['none', 'oversample']), ...(loss === 'focal' ? { focalGamma: rng.uniform(0.5, 5) } : {}) };
  const value = 0.9 - (Math.log10(learningRate) + 2.5) ** 2 * 0.1 + 0.02 * rng.normal();
  return { number, state: 'complete', params, reports: [], attempts: [], value } as unknown as StoredTrial;
});
const result = paramImportance(trials, paramAxes(space), 1);
const line = `${count} trials, ${result.params.length} params: ${result.durationMs.toFixed(0)} ms (${result.method}); top: ${result.params.slice(0, 3).map((p) => `${p.name} ${p.importance.toFixed(2)}`).join(', ')}`;
console.log(line);
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/report-importance.json', JSON.stringify({ count, durationMs: result.durationMs, params: result.params }, null, 2));
