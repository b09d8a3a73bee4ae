// The benchmark's synthetic recipe surface must have the optimum it claims, inside the recipe space.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRng } from '../../src/core/rng.ts';
import { loadConfigFile } from '../../src/config/load.ts';
import { SearchSpaceSchema } from '../../src/config/space.ts';
import { checkParams, sampleRandomParams } from '../../src/search/index.ts';
import { RECIPE_OPTIMUM_PARAMS, recipeHardObjective, recipeObjective } from '../../bench/search-objectives.ts';
import { recipeHardArgmax } from '../../bench/search-recipe-hard.ts';

test('the recipe surface: its optimum is a legal recipe and no random recipe or local move beats it', async () => {
  const space = await loadConfigFile(SearchSpaceSchema, 'configs/recipe-space.yaml');
  const objective = recipeObjective(space);
  assert.deepEqual(checkParams(space, RECIPE_OPTIMUM_PARAMS), []);
  assert.equal(objective.evaluate(RECIPE_OPTIMUM_PARAMS), objective.optimum);
  const rng = createRng('recipe');
  for (let i = 0; i < 5000; i++) assert.ok(objective.evaluate(sampleRandomParams(space, rng)) <= objective.optimum);
  for (const [name, delta] of [['resolution', 8], ['minorityWeight', 0.05], ['learningRate', 1e-5], ['cutmixAlpha', 0.01]] as const) {
    for (const sign of [-1, 1]) {
      const moved = { ...RECIPE_OPTIMUM_PARAMS, [name]: (RECIPE_OPTIMUM_PARAMS[name] as number) + sign * delta };
      assert.ok(objective.evaluate(moved) < objective.optimum, `${name} ${sign > 0 ? '+' : '-'}${delta}`);
    }
  }
});

test('the harder recipe surface: its optimum (by enumeration) is legal, conditional, and beaten by no random recipe or local move', async () => {
  const objective = recipeHardObjective();
  const optimum = recipeHardArgmax();
  assert.deepEqual(checkParams(objective.space, optimum), []);
  assert.equal(objective.evaluate(optimum), objective.optimum);
  const rng = createRng('recipe-hard');
  const inactive = new Set<string>();
  for (let i = 0; i < 5000; i++) {
    const p = sampleRandomParams(objective.space, rng);
    for (const name of Object.keys(objective.space)) if (!(name in p)) inactive.add(name);
    assert.ok(objective.evaluate(p) <= objective.optimum);
  }
  assert.ok(inactive.size >= 8, `conditional parameters seen inactive: ${[...inactive].join(', ')}`);
  for (const name of ['resolution', 'epochs', 'learningRate']) {
    for (const sign of [-1, 1]) {
      const value = optimum[name] as number;
      const moved = { ...optimum, [name]: name === 'learningRate' ? value * (1 + sign * 0.05) : value + sign * 8 };
      assert.ok(objective.evaluate(moved) < objective.optimum, `${name} ${sign > 0 ? '+' : '-'}`);
    }
  }
});
