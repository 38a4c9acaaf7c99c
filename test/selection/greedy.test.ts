/** The greedy combiner: explanations, ties, and resuming from picks alone. */
import { describe, expect, it } from 'vitest';
import { selectionConfig, type SelectionConfig } from '../../functions/selection/config.js';
import { runGreedy, type GreedyState } from '../../functions/selection/greedy.js';
import { prepareSelection, runSelection, type SelectionOptions } from '../../functions/selection/select.js';
import type { SelectionSource } from '../../functions/selection/types.js';
import { gaussian, rng, syntheticSource } from './source.js';

function dataset(seed: number, rows: number) {
  const random = rng(seed);
  const vectors = Array.from({ length: rows }, () => Array.from({ length: 5 }, () => gaussian(random)));
  const weather = vectors.map(() => ['sunny', 'rain', 'fog'][Math.floor(random() * 3)]!);
  const value = vectors.map(() => Math.round(random() * 50));
  const sampleRow: number[] = [];
  const objects: number[][] = [];
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < r % 4; k++) {
      sampleRow.push(r);
      objects.push(Array.from({ length: 3 }, () => gaussian(random)));
    }
  }
  return syntheticSource({ rows, embeddings: vectors, categorical: { weather }, numeric: { value }, objects: { det: { vectors: objects, sampleRow } } });
}

/** Runs in hops of `hop` picks, handing only the picks (as JSON) from one hop to the next. */
function inHops(config: SelectionConfig, source: SelectionSource, options: SelectionOptions, hop: number) {
  let picks: GreedyState['picks'] = [];
  for (let i = 0; i < 1000; i++) {
    const result = runGreedy(prepareSelection(config, source, options), { alreadyPicked: picks, maxPicks: hop });
    picks = JSON.parse(JSON.stringify(result.state.picks)) as GreedyState['picks'];
    if (result.done) return { rows: picks.map((p) => p.row), stopReason: result.stopReason, hops: i + 1 };
  }
  throw new Error('never done');
}

describe('resuming from picks alone', () => {
  const source = dataset(8, 120);
  const strategies = [
    { input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY' } },
    { input: { type: 'METADATA', key: 'weather' }, strategy: { type: 'BALANCE', target: { sunny: 0.5, rain: 0.3 } } },
    { input: { type: 'METADATA', key: 'value' }, strategy: { type: 'WEIGHTS', stopping_condition_max_sum: 900 } },
  ];

  it.each([
    ['image-level', strategies, {}],
    ['image-level with preselected rows and an input tag', strategies, { preselectedRows: [5, 17, 40], inputRows: Array.from({ length: 90 }, (_, i) => i + 3) }],
    ['object-level', [{ input: { type: 'EMBEDDINGS', task: 'det' }, strategy: { type: 'DIVERSITY' } }, ...strategies.slice(1)], { preselectedRows: [3] }],
  ])('%s: hops of 1, 3 and 7 picks give the uninterrupted picks', (_, entries, options) => {
    const config = selectionConfig({ n_samples: 40, strategies: entries });
    const whole = runSelection(config, source, options);
    expect(whole.rows.length).toBeGreaterThan(10);
    for (const hop of [1, 3, 7]) {
      const hopped = inHops(config, source, options, hop);
      expect(hopped.rows).toEqual(whole.rows);
      expect(hopped.stopReason).toBe(whole.summary.stopReason);
      expect(hopped.hops).toBeGreaterThan(1);
    }
  });
});

describe('explanations', () => {
  it('each pick carries every strategy objective, and the score is Σ strength × log(objective)', () => {
    const source = dataset(9, 60);
    const config = selectionConfig({
      n_samples: 10,
      strategies: [
        { input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY' }, strength: 2 },
        { input: { type: 'METADATA', key: 'value' }, strategy: { type: 'WEIGHTS' }, strength: 0.5 },
        { input: { type: 'METADATA', key: 'weather' }, strategy: { type: 'BALANCE', distribution: 'UNIFORM' } },
      ],
    });
    const result = runSelection(config, source);
    expect(result.picks).toHaveLength(10);
    const strengths = [2, 0.5, 1];
    for (const pick of result.picks) {
      expect(pick.objectives.map((o) => o.strategy)).toEqual([0, 1, 2]);
      for (const o of pick.objectives) {
        expect(o.objective).toBeGreaterThanOrEqual(0);
        expect(o.objective).toBeLessThanOrEqual(1);
      }
      expect(pick.score).toBeCloseTo(pick.objectives.reduce((sum, o, i) => sum + strengths[i]! * Math.log(o.objective), 0), 9);
    }
    // The first pick has nothing to be far from yet: objective 1.
    expect(result.picks[0]!.objectives[0]!.objective).toBe(1);
    expect(result.summary).toMatchObject({ poolSize: 60, requested: 10, selected: 10, stopReason: 'TARGET_REACHED', preselected: 0 });
  });

  it('ties go to the lowest row', () => {
    const source = syntheticSource({ rows: 6, numeric: { v: [1, 3, 2, 3, 3, 0] } });
    const config = selectionConfig({ n_samples: 4, strategies: [{ input: { type: 'METADATA', key: 'v' }, strategy: { type: 'WEIGHTS' } }] });
    expect(runSelection(config, source).rows).toEqual([1, 3, 4, 2]);
  });

  it('proportion_samples rounds p × pool, at least 1', () => {
    const source = syntheticSource({ rows: 10, numeric: { v: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] } });
    const run = (p: number) => runSelection(selectionConfig({ proportion_samples: p, strategies: [{ input: { type: 'METADATA', key: 'v' }, strategy: { type: 'WEIGHTS' } }] }), source);
    expect(run(0.25).rows).toHaveLength(3); // 2.5 rounds half up
    expect(run(0.24).rows).toHaveLength(2);
    expect(run(0.01).rows).toHaveLength(1);
    expect(run(1).rows).toHaveLength(10);
    expect(run(0.25).summary.requested).toBe(3);
  });
});
