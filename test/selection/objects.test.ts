/** Object-level selections: objects are the units, images are what is selected. */
import { describe, expect, it } from 'vitest';
import { selectionConfig } from '../../functions/selection/config.js';
import { computeHeavyStatic, heavyStaticEntries, runSelection } from '../../functions/selection/select.js';
import { gaussian, rng, syntheticSource } from './source.js';

/** 40 images in two clusters (dense: images 0–29, sparse: 30–39); image i has 1 + i % 3 objects. */
function objectDataset(seed: number) {
  const random = rng(seed);
  const centre = (c: number) => Array.from({ length: 6 }, (_, d) => (d === c ? 3 : 0));
  const images = Array.from({ length: 40 }, (_, i) => centre(i < 30 ? 0 : 1).map((x) => x + (i < 30 ? 0.05 : 0.6) * gaussian(random)));
  const sampleRow: number[] = [];
  const vectors: number[][] = [];
  images.forEach((_, i) => {
    for (let k = 0; k <= i % 3; k++) {
      sampleRow.push(i);
      vectors.push(Array.from({ length: 4 }, () => gaussian(random)));
    }
  });
  return syntheticSource({ rows: 40, embeddings: images, objects: { det: { vectors, sampleRow } } });
}

const objectUnits = { input: { type: 'EMBEDDINGS', task: 'det' }, strategy: { type: 'DIVERSITY' }, strength: 0 };

describe('object-level selections with image embeddings beside them', () => {
  const source = objectDataset(21);

  it('image DIVERSITY over objects picks what image DIVERSITY over images picks', () => {
    const images = runSelection(selectionConfig({ n_samples: 12, strategies: [{ input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY' } }] }), source).rows;
    const viaObjects = runSelection(selectionConfig({ n_samples: 12, strategies: [objectUnits, { input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY' } }] }), source);
    expect(viaObjects.rows).toEqual(images);
    // Every pick is an object; its explanation reports the image-level distance.
    expect(viaObjects.picks.every((p) => p.unit >= p.row)).toBe(true);
  });

  it('image TYPICALITY over objects prefers images of the dense cluster, and each image is selected once', () => {
    const result = runSelection(
      selectionConfig({ n_samples: 10, strategies: [objectUnits, { input: { type: 'EMBEDDINGS' }, strategy: { type: 'TYPICALITY', num_nearest_neighbors: 4 } }] }),
      source,
    );
    expect(result.rows).toHaveLength(10);
    expect(new Set(result.rows).size).toBe(10);
    expect(result.rows.every((r) => r < 30)).toBe(true);
  });

  it('shards of the static part, computed on their own, concatenate to the whole', () => {
    for (const image of [true, false]) {
      const input = image ? { type: 'EMBEDDINGS' } : { type: 'EMBEDDINGS', task: 'det' };
      const config = selectionConfig({ n_samples: 5, strategies: [objectUnits, { input, strategy: { type: 'TYPICALITY', num_nearest_neighbors: 3 } }] });
      const [entry] = heavyStaticEntries(config);
      const units = source.objectEmbeddings('det')!.rows;
      const whole = computeHeavyStatic(config, source, entry!, 0, units);
      const bounds = [0, 7, 31, 50, units];
      const joined = new Float32Array(whole.length);
      let offset = 0;
      for (let i = 1; i < bounds.length; i++) {
        const part = computeHeavyStatic(config, source, entry!, bounds[i - 1]!, bounds[i]!);
        joined.set(part, offset);
        offset += part.length;
      }
      expect(whole.length).toBe(units * 3);
      expect(offset).toBe(whole.length);
      expect(Array.from(joined)).toEqual(Array.from(whole));
    }
  });
});

describe('a preselected image without objects', () => {
  it('still counts for BALANCE, WEIGHTS sums and image-level DIVERSITY', () => {
    const source = syntheticSource({
      rows: 6,
      embeddings: [[1, 0], [0.9, 0.1], [0, 1], [-1, 0], [0, -1], [0.8, 0.2]],
      categorical: { k: ['a', 'a', 'a', 'b', 'b', 'b'] },
      numeric: { v: [10, 1, 1, 1, 1, 1] },
      objects: { det: { vectors: [[1, 0], [0, 1], [1, 1], [-1, 1], [1, -1]], sampleRow: [1, 2, 3, 4, 5] } },
    });
    const balance = runSelection(
      selectionConfig({ n_samples: 2, strategies: [{ ...objectUnits }, { input: { type: 'METADATA', key: 'k' }, strategy: { type: 'BALANCE', target: { a: 0.5, b: 0.5 } } }] }),
      source,
      { preselectedRows: [0] },
    );
    // Row 0 ('a') is already picked, so the balancing pick is a 'b'.
    expect(balance.rows).toEqual([3]);
    const weights = runSelection(
      selectionConfig({ n_samples: 3, strategies: [{ ...objectUnits }, { input: { type: 'METADATA', key: 'v' }, strategy: { type: 'WEIGHTS', stopping_condition_max_sum: 11 } }] }),
      source,
      { preselectedRows: [0] },
    );
    expect(weights.rows).toEqual([1]);
    expect(weights.summary).toMatchObject({ stopReason: 'MAX_SUM', weightSums: { 1: 11 } });
    const diversity = runSelection(
      selectionConfig({ n_samples: 2, strategies: [{ ...objectUnits }, { input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY' } }] }),
      source,
      { preselectedRows: [0] },
    );
    // Farthest from row 0's image embedding [1, 0] is row 3's [-1, 0].
    expect(diversity.rows).toEqual([3]);
  });
});
