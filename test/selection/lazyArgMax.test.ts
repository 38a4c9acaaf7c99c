/**
 * The lazy arg-max must pick exactly what a scan over every candidate picks: same rows, same order, ties
 * to the lower unit — on data full of ties (exact duplicate embeddings, repeated weights, few classes).
 */
import { describe, expect, it } from 'vitest';
import { parseSelectionConfig, type SelectionConfig } from '../../functions/selection/config.js';
import { lazyArgMaxApplies } from '../../functions/selection/lazyArgMax.js';
import { prepareSelection, runGreedy } from '../../functions/selection/select.js';
import type { SelectionSource } from '../../functions/selection/types.js';
import { gaussian, rng, syntheticSource } from './source.js';

function picksBoth(config: SelectionConfig, source: SelectionSource, options: { preselectedRows?: number[] } = {}) {
  const lazyProblem = prepareSelection(config, source, options);
  const lazy = runGreedy(lazyProblem);
  const scan = runGreedy({ ...prepareSelection(config, source, options), scanEveryPick: true });
  return { applies: lazyArgMaxApplies(lazyProblem.strategies), lazy, scan };
}

function tiedSource(random: () => number, rows: number) {
  // A few distinct vectors, many exact copies; weights on a coarse grid; three classes and gaps.
  const distinct = Array.from({ length: 3 + Math.floor(random() * 12) }, () => Array.from({ length: 5 }, () => gaussian(random)));
  return syntheticSource({
    rows,
    embeddings: Array.from({ length: rows }, () => distinct[Math.floor(random() * distinct.length)]!),
    numeric: { v: Array.from({ length: rows }, () => Math.round(random() * 4)) },
    categorical: { c: Array.from({ length: rows }, () => (random() < 0.15 ? undefined : ['a', 'b', 'c'][Math.floor(random() * 3)])) },
  });
}

describe('lazy arg-max', () => {
  it('applies to DIVERSITY + WEIGHTS + metadata BALANCE, and not with a gate or a negative DIVERSITY strength', () => {
    const source = tiedSource(rng(1), 50);
    const parse = (strategies: unknown[]) => {
      const parsed = parseSelectionConfig({ n_samples: 10, strategies });
      if (!parsed.ok) throw new Error('config');
      return prepareSelection(parsed.config, source).strategies;
    };
    const diversity = { input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY' } };
    const weights = { input: { type: 'METADATA', key: 'v' }, strategy: { type: 'WEIGHTS' } };
    const balance = { input: { type: 'METADATA', key: 'c' }, strategy: { type: 'BALANCE', distribution: 'UNIFORM' } };
    expect(lazyArgMaxApplies(parse([diversity, weights, balance]))).toBe(true);
    expect(lazyArgMaxApplies(parse([diversity, balance, balance]))).toBe(false);
    expect(lazyArgMaxApplies(parse([{ ...diversity, strength: -1 }, weights]))).toBe(false);
    expect(lazyArgMaxApplies(parse([diversity, { ...weights, strategy: { type: 'WEIGHTS', target_range: { max_sum: 20 } } }]))).toBe(false);
  });

  it('picks what the scan picks, over random configs on tie-heavy data', () => {
    const random = rng(4242);
    let lazyRuns = 0;
    for (let trial = 0; trial < 150; trial++) {
      const rows = 30 + Math.floor(random() * 120);
      const source = tiedSource(random, rows);
      const pool = [
        () => ({ input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY' }, strength: [1, 0.5, 3, 0][Math.floor(random() * 4)] }),
        () => ({ input: { type: 'EMBEDDINGS' }, strategy: { type: 'TYPICALITY', num_nearest_neighbors: 3 } }),
        () => ({ input: { type: 'METADATA', key: 'v' }, strategy: { type: 'WEIGHTS' }, strength: [1, 2, -1][Math.floor(random() * 3)] }),
        () => ({ input: { type: 'RANDOM', random_seed: trial }, strategy: { type: 'WEIGHTS' } }),
        () => ({ input: { type: 'METADATA', key: 'c' }, strategy: { type: 'BALANCE', distribution: (['UNIFORM', 'INPUT'] as const)[Math.floor(random() * 2)] }, strength: [1, 1e6, 0.1][Math.floor(random() * 3)] }),
        () => ({ input: { type: 'METADATA', key: 'c' }, strategy: { type: 'BALANCE', target: { a: 0.7, b: 0.1 } } }),
      ];
      const strategies = Array.from({ length: 1 + Math.floor(random() * 3) }, () => pool[Math.floor(random() * pool.length)]!());
      const parsed = parseSelectionConfig({ n_samples: 1 + Math.floor(random() * rows), strategies });
      expect(parsed.ok).toBe(true);
      if (!parsed.ok) continue;
      const preselectedRows = random() < 0.3 ? [Math.floor(random() * rows)] : [];
      const { applies, lazy, scan } = picksBoth(parsed.config, source, { preselectedRows });
      if (applies) lazyRuns++;
      expect(lazy.state.picks.map((p) => p.row)).toEqual(scan.state.picks.map((p) => p.row));
      expect(lazy.state.picks.map((p) => p.score)).toEqual(scan.state.picks.map((p) => p.score));
      expect(lazy.state.picks.map((p) => p.objectives)).toEqual(scan.state.picks.map((p) => p.objectives));
      expect(lazy.stopReason).toBe(scan.stopReason);
    }
    // Most trials must have taken the lazy path, or the comparison proves little.
    expect(lazyRuns).toBeGreaterThan(75);
  });

  it('picks what the scan picks on a larger pool with DIVERSITY + WEIGHTS + BALANCE, resumed half-way', () => {
    const random = rng(99);
    const rows = 3000;
    const source = syntheticSource({
      rows,
      embeddings: Array.from({ length: rows }, () => Array.from({ length: 8 }, () => gaussian(random))),
      numeric: { v: Array.from({ length: rows }, () => random()) },
      categorical: { c: Array.from({ length: rows }, () => ['a', 'b', 'c', 'd'][Math.floor(random() * random() * 4)]) },
    });
    const parsed = parseSelectionConfig({
      n_samples: 300,
      strategies: [
        { input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY' } },
        { input: { type: 'METADATA', key: 'v' }, strategy: { type: 'WEIGHTS' } },
        { input: { type: 'METADATA', key: 'c' }, strategy: { type: 'BALANCE', distribution: 'UNIFORM' } },
      ],
    });
    if (!parsed.ok) throw new Error('config');
    const { applies, lazy, scan } = picksBoth(parsed.config, source);
    expect(applies).toBe(true);
    expect(lazy.state.picks).toHaveLength(300);
    expect(lazy.state.picks.map((p) => p.row)).toEqual(scan.state.picks.map((p) => p.row));
    const first = runGreedy(prepareSelection(parsed.config, source), { maxPicks: 120 });
    const rest = runGreedy(prepareSelection(parsed.config, source), { alreadyPicked: first.state });
    expect(rest.state.picks.map((p) => p.row)).toEqual(scan.state.picks.map((p) => p.row));
  });
});
