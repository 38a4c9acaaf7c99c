/** RANDOM values: counter-based, so any row range is computed on its own and every machine agrees. */
import { describe, expect, it } from 'vitest';
import { selectionConfig } from '../../functions/selection/config.js';
import { DEFAULT_RANDOM_SEED, randomColumn, randomValue } from '../../functions/selection/random.js';
import { runSelection } from '../../functions/selection/select.js';
import { syntheticSource } from './source.js';

describe('RANDOM values', () => {
  it('are pinned: the same numbers on every machine and in every version', () => {
    expect([randomValue(0, 0), randomValue(0, 1), randomValue(42, 7), randomValue(-5, 2 ** 33 + 3)]).toEqual([
      0.6650139959926763, 0.686163363051296, 0.3721104889293758, 0.8234185195754326,
    ]);
  });

  it('of a row range equal the same rows of the whole column', () => {
    const whole = randomColumn(7, 0, 5000);
    for (const [start, end] of [[0, 1], [1234, 2345], [4999, 5000]] as const) expect(randomColumn(7, start, end)).toEqual(whole.subarray(start, end));
  });

  it('are uniform in [0, 1) and differ between seeds, including seeds beyond 32 bits', () => {
    const values = randomColumn(1, 0, 100_000);
    const bins = new Array<number>(20).fill(0);
    for (const v of values) {
      expect(v >= 0 && v < 1).toBe(true);
      bins[Math.floor(v * 20)]!++;
    }
    // χ² with 19 degrees of freedom: 43.8 is its 0.1 % quantile.
    const chi2 = bins.reduce((sum, b) => sum + (b - 5000) ** 2 / 5000, 0);
    expect(chi2).toBeLessThan(43.8);
    expect(randomColumn(2, 0, 100)).not.toEqual(randomColumn(1, 0, 100));
    expect(randomColumn(2 ** 32 + 1, 0, 100)).not.toEqual(randomColumn(1, 0, 100));
  });

  it('without random_seed use the documented default seed', () => {
    const source = syntheticSource({ rows: 200 });
    const pick = (input: Record<string, unknown>) => runSelection(selectionConfig({ n_samples: 10, strategies: [{ input: { type: 'RANDOM', ...input }, strategy: { type: 'WEIGHTS' } }] }), source).rows;
    expect(pick({})).toEqual(pick({ random_seed: DEFAULT_RANDOM_SEED }));
    expect(pick({})).not.toEqual(pick({ random_seed: DEFAULT_RANDOM_SEED + 1 }));
  });
});
