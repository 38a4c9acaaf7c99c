/**
 * BALANCE on a categorical key reads the key's codes as one-hot vectors: it holds no per-row class counts,
 * and selects exactly what the same classes given as per-row counts select.
 */
import { describe, expect, it } from 'vitest';
import { computeReportFigures } from '../../functions/report/figures.js';
import { selectionConfig } from '../../functions/selection/config.js';
import { classColumn } from '../../functions/selection/inputs.js';
import { prepareSelection, runSelection } from '../../functions/selection/select.js';
import { BalanceStrategy } from '../../functions/selection/strategies/balance.js';
import type { ClassCounts, SelectionSource } from '../../functions/selection/types.js';
import { gaussian, rng, syntheticSource } from './source.js';

const ROWS = 3_000;
const LABELS = ['sunny', 'cloudy', 'rainy', 'foggy'];

/** Weather (4 values, some rows without one), image embeddings, a numeric weight and objects per image. */
function dataset(seed: number): SelectionSource {
  const random = rng(seed);
  const weather = Array.from({ length: ROWS }, () => (random() < 0.05 ? undefined : LABELS[Math.floor(random() * random() * 4)]));
  const vectors = Array.from({ length: ROWS }, () => Array.from({ length: 6 }, () => gaussian(random)));
  const sampleRow = Array.from({ length: 2 * ROWS }, (_, i) => Math.floor(i / 2));
  const objects = { vectors: sampleRow.map(() => Array.from({ length: 4 }, () => gaussian(random))), sampleRow };
  return syntheticSource({ rows: ROWS, categorical: { weather }, embeddings: vectors, numeric: { w: vectors.map(() => random()) }, objects: { det: objects } });
}

/** The same dataset with the key's classes handed over as per-row counts (1 for the row's value). */
function asClassCounts(source: SelectionSource): SelectionSource {
  return {
    ...source,
    metadataClassCounts: (key): ClassCounts | undefined => {
      const column = source.metadata(key);
      if (column?.kind !== 'categorical') return undefined;
      const k = column.categories.length;
      const counts = new Float64Array(source.rowCount * k);
      const present = new Uint8Array(source.rowCount);
      column.codes.forEach((code, row) => {
        if (code < 0) return;
        counts[row * k + code] = 1;
        present[row] = 1;
      });
      return { classes: column.categories, counts, present };
    },
  };
}

/** The Float64Arrays of at least `length` values reachable from `root` through object fields. */
function largeFloatArrays(root: unknown, length: number): string[] {
  const found: string[] = [];
  const seen = new Set<unknown>();
  const walk = (value: unknown, path: string) => {
    if (value === null || typeof value !== 'object' || seen.has(value)) return;
    seen.add(value);
    if (value instanceof Float64Array) {
      if (value.length >= length) found.push(`${path} (${value.length})`);
      return;
    }
    if (ArrayBuffer.isView(value)) return;
    for (const [name, field] of Object.entries(value)) walk(field, `${path}.${name}`);
  };
  walk(root, 'strategy');
  return found;
}

const weather = (strategy: object, strength = 1) => ({ input: { type: 'METADATA', key: 'weather' }, strategy, strength });
const diversity = { input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY' } };
const weights = { input: { type: 'METADATA', key: 'w' }, strategy: { type: 'WEIGHTS' } };
const objectUnits = { input: { type: 'EMBEDDINGS', task: 'det' }, strategy: { type: 'DIVERSITY' }, strength: 0 };

const CASES = {
  'TARGET with an "other" bucket': { n_samples: 120, strategies: [diversity, weights, weather({ type: 'BALANCE', target: { cloudy: 0.3, foggy: 0.3 } }, 3)] },
  'TARGET naming every class': { n_samples: 100, strategies: [weights, weather({ type: 'BALANCE', target: { sunny: 0.25, cloudy: 0.25, rainy: 0.25, foggy: 0.25 } })] },
  'UNIFORM under a huge strength': { n_samples: 120, strategies: [diversity, weather({ type: 'BALANCE', distribution: 'UNIFORM' }, 1e6)] },
  INPUT: { n_samples: 100, strategies: [diversity, weights, weather({ type: 'BALANCE', distribution: 'INPUT' }, 0.5)] },
  'object-level UNIFORM': { n_samples: 60, strategies: [objectUnits, diversity, weather({ type: 'BALANCE', distribution: 'UNIFORM' })] },
} as const;

describe('BALANCE on a categorical key', () => {
  const source = dataset(7);
  const counted = asClassCounts(source);

  it('reads the codes of the key, not per-row counts', () => {
    const column = classColumn({ type: 'METADATA', key: 'weather' }, source)!;
    expect(column.counts).toBeUndefined();
    const metadata = source.metadata('weather');
    expect(column.oneHot!.codes).toBe(metadata?.kind === 'categorical' ? metadata.codes : undefined);
  });

  for (const [name, raw] of Object.entries(CASES)) {
    it(`${name}: holds no per-row Float64Array and selects what per-row class counts select`, async () => {
      const config = selectionConfig(raw);
      const balanceOf = (s: SelectionSource) => prepareSelection(config, s).strategies.find((strategy) => strategy instanceof BalanceStrategy)!;
      expect(largeFloatArrays(balanceOf(source), ROWS)).toEqual([]);
      // The probe sees the per-row arrays where they exist.
      expect(largeFloatArrays(balanceOf(counted), ROWS).length).toBeGreaterThan(0);

      const outcome = async (s: SelectionSource) => {
        const result = runSelection(config, s);
        const figures = await computeReportFigures(
          {
            run: { id: 'run', datasetId: 'dataset', datasetName: 'dataset', resultTagName: 'picked', createdAt: '', finishedAt: '' },
            rawConfig: raw,
            config,
            summary: result.summary,
            timings: {},
            source: s,
            prepared: prepareSelection(config, s),
            picks: result.picks,
            fileName: (row) => s.fileName(row),
            embeddingRows: async (rows) => ({ dim: 1, data: Float32Array.from(rows) }),
          },
          () => new Date(0),
        );
        return { rows: result.rows, picks: result.picks, summary: result.summary, balance: figures.balance, contributions: figures.contributions };
      };
      const oneHot = await outcome(source);
      expect(oneHot.rows).toHaveLength(config.nSamples!);
      // Equal to the last bit: toEqual compares numbers with Object.is.
      expect(oneHot).toEqual(await outcome(counted));
    });
  }
});
