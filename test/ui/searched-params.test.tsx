/** @jsxRuntime automatic */
// Issue 15: every parameter a shipped space searches has a leaderboard column or appears in the
// trial's detail, with its value, whatever the sampler drew (conditional ones included). The
// parameter names come from the spaces themselves, so a dimension added to a config is covered.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { cleanup, render } from 'ink-testing-library';
import { loadConfigFile } from '../../src/config/load.ts';
import { SearchSpaceSchema } from '../../src/config/space.ts';
import { createStudy } from '../../src/search/index.ts';
import type { StudyViewState, TrialView } from '../../src/ui/view-state.ts';
import { keyParamNames } from '../../src/ui/selectors.ts';
import { formatParamValue } from '../../src/ui/format.ts';
import { TrialDetail } from '../../src/ui/tui/TrialDetail.tsx';

afterEach(() => cleanup());

const SPACES = ['configs/recipe-space.yaml', 'configs/recipe-space-cpu.yaml', 'configs/recipe-space-cpu-pruned.yaml'];

for (const file of SPACES) {
  test(`${file}: every searched parameter is a column or in the row's detail, with its value`, async () => {
    const space = await loadConfigFile(SearchSpaceSchema, file);
    const study = createStudy({ space, sampler: 'random', seed: 7, direction: 'maximize' });
    const trials = new Map<string, TrialView>();
    const seenNames = new Set<string>();
    for (let i = 0; i < 40; i += 1) {
      const asked = study.ask();
      assert.ok(asked, 'the space yields trials');
      for (const name of Object.keys(asked.params)) seenNames.add(name);
      trials.set(`t${i}`, { id: `t${i}`, number: i, params: asked.params, state: 'running', attempts: 1 });
    }
    // Forty random draws reach every parameter, conditional ones included (else the test says so).
    const declared = Object.keys(space);
    for (const name of declared) assert.ok(seenNames.has(name), `no draw of ${file} set '${name}': raise the draw count`);

    const columns = keyParamNames({ trials } as unknown as StudyViewState);
    for (const trial of trials.values()) {
      const frame = render(<TrialDetail trial={trial} now={0} width={400} />).lastFrame() ?? '';
      const flat = frame.replace(/\s*\n\s*/g, ' ');
      for (const [name, value] of Object.entries(trial.params)) {
        if (columns.includes(name)) continue;
        assert.ok(flat.includes(`${name}=${formatParamValue(value)}`), `trial ${trial.number}: '${name}' is neither a column nor in the detail:\n${frame}`);
      }
      cleanup();
    }
  });
}
