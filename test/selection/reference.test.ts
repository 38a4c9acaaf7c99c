/** The reference checks of docs/selection.md, each as stated there. */
import { describe, expect, it } from 'vitest';
import { selectionConfig } from '../../functions/selection/config.js';
import { runSelection } from '../../functions/selection/select.js';
import { rng, gaussian, syntheticSource } from './source.js';

describe('reference checks', () => {
  it('product rule: (21.0, 10.3), (20.8, 10.8), (20.5, 10.9) → the second wins', () => {
    const source = syntheticSource({ rows: 3, numeric: { a: [21.0, 20.8, 20.5], b: [10.3, 10.8, 10.9] } });
    const config = selectionConfig({
      n_samples: 1,
      strategies: [
        { input: { type: 'METADATA', key: 'a' }, strategy: { type: 'WEIGHTS' } },
        { input: { type: 'METADATA', key: 'b' }, strategy: { type: 'WEIGHTS' } },
      ],
    });
    const result = runSelection(config, source);
    expect(result.rows).toEqual([1]);
    // The score is the product rule (a sum of logs), over both objectives, each scaled to the maximum:
    // row 0 (the best a) would win on a alone, row 2 (the best b) on b alone.
    const [pick] = result.picks;
    expect(pick!.objectives.map((o) => o.objective)).toEqual([expect.closeTo(20.8 / 21.0, 6), expect.closeTo(10.8 / 10.9, 6)]);
    expect(pick!.score).toBeCloseTo(Math.log(20.8 / 21.0) + Math.log(10.8 / 10.9), 6);
  });

  it('two WEIGHTS [1,2,3] and [6,5,3], n_samples 2 → rows 1 and 2', () => {
    const source = syntheticSource({ rows: 3, numeric: { a: [1, 2, 3], b: [6, 5, 3] } });
    const config = selectionConfig({
      n_samples: 2,
      strategies: [
        { input: { type: 'METADATA', key: 'a' }, strategy: { type: 'WEIGHTS' }, strength: 1 },
        { input: { type: 'METADATA', key: 'b' }, strategy: { type: 'WEIGHTS' }, strength: 1 },
      ],
    });
    expect(runSelection(config, source).rows).toEqual([1, 2]);
  });

  it('BALANCE with rows [[1,0],[.3,.7],[0,1],[0,1],[1,1]], target a .5 b .5, n 2 → rows 4 and 1', () => {
    const source = syntheticSource({
      rows: 5,
      classCounts: { task: { classes: ['a', 'b'], rows: [[1, 0], [0.3, 0.7], [0, 1], [0, 1], [1, 1]] } },
    });
    const config = selectionConfig({
      n_samples: 2,
      strategies: [{ input: { type: 'PREDICTIONS', task: 'task', name: 'CLASS_DISTRIBUTION' }, strategy: { type: 'BALANCE', target: { a: 0.5, b: 0.5 } } }],
    });
    expect(runSelection(config, source).rows).toEqual([4, 1]);
  });

  it('DIVERSITY continued from preselected rows gives the same picks as from scratch', () => {
    const random = rng(3);
    const vectors = Array.from({ length: 200 }, () => Array.from({ length: 8 }, () => gaussian(random)));
    const source = syntheticSource({ rows: 200, embeddings: vectors });
    const diversity = (n: number) => selectionConfig({ n_samples: n, strategies: [{ input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY' } }] });
    const scratch = runSelection(diversity(20), source).rows;
    const first = scratch.slice(0, 8);
    const continued = runSelection(diversity(20), source, { preselectedRows: first }).rows;
    expect(continued).toEqual(scratch.slice(8));
    expect(new Set(scratch).size).toBe(20);
  });
});
