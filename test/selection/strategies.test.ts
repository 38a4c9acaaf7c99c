/** Each strategy does what docs/selection.md says, on data where the answer is known. */
import { describe, expect, it } from 'vitest';
import { selectionConfig } from '../../functions/selection/config.js';
import { SelectionInputError } from '../../functions/selection/errors.js';
import { GreedyRun, prepareSelection, runSelection } from '../../functions/selection/select.js';
import { gaussian, normalize, rng, syntheticSource } from './source.js';

const embeddings = { input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY' } };

function clustered(seed: number, sizes: number[], dim = 6, spread = 0.05) {
  const random = rng(seed);
  const centres = sizes.map(() => Array.from({ length: dim }, () => gaussian(random)));
  const vectors: number[][] = [];
  const cluster: number[] = [];
  sizes.forEach((size, c) => {
    for (let i = 0; i < size; i++) {
      vectors.push(centres[c]!.map((x) => x + spread * gaussian(random)));
      cluster.push(c);
    }
  });
  return { vectors, cluster, centres };
}

const dist = (a: Float32Array, i: number, j: number, dim: number) => {
  let s = 0;
  for (let d = 0; d < dim; d++) s += (a[i * dim + d]! - a[j * dim + d]!) ** 2;
  return Math.sqrt(s);
};

describe('DIVERSITY', () => {
  it('equals a brute-force farthest-first traversal, covering radius included', () => {
    const random = rng(11);
    const vectors = Array.from({ length: 150 }, () => Array.from({ length: 5 }, () => gaussian(random)));
    const source = syntheticSource({ rows: 150, embeddings: vectors });
    const picks = runSelection(selectionConfig({ n_samples: 15, strategies: [embeddings] }), source).rows;
    // Brute force: start from row 0 (the lowest index, all objectives equal), then farthest from the set.
    const { data, dim } = normalize(vectors);
    const chosen = [0];
    while (chosen.length < 15) {
      let best = -1;
      let bestDistance = -1;
      for (let i = 0; i < 150; i++) {
        if (chosen.includes(i)) continue;
        const d = Math.min(...chosen.map((c) => dist(data, i, c, dim)));
        if (d > bestDistance + 1e-12) {
          best = i;
          bestDistance = d;
        }
      }
      chosen.push(best);
    }
    expect(picks).toEqual(chosen);
    const radius = (set: number[]) => Math.max(...Array.from({ length: 150 }, (_, i) => Math.min(...set.map((c) => dist(data, i, c, dim)))));
    expect(radius(picks)).toBeCloseTo(radius(chosen), 6);
  });

  it('stops at the minimum distance and never picks a duplicate before distinct samples', () => {
    const vectors = [[1, 0], [1, 0], [0, 1], [-1, 0], [0, -1], [0.99, 0.01]];
    const source = syntheticSource({ rows: 6, embeddings: vectors });
    const all = runSelection(selectionConfig({ n_samples: 6, strategies: [embeddings] }), source);
    expect(all.rows.slice(0, 4).sort()).toEqual([0, 2, 3, 4]);
    // Row 1 is an exact copy of row 0: once row 0 is picked, its objective is exactly 0, and it comes last.
    expect(all.rows[5]).toBe(1);
    expect(all.picks[5]!.objectives[0]!.objective).toBe(0);
    const stopped = runSelection(
      selectionConfig({ n_samples: 6, strategies: [{ input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY', stopping_condition_minimum_distance: 0.5 } }] }),
      source,
    );
    expect(stopped.rows).toHaveLength(4);
    expect(stopped.summary.stopReason).toBe('MIN_DISTANCE');
  });
});

describe('TYPICALITY', () => {
  const { vectors, cluster } = clustered(5, [60, 10, 3], 6, 0.15);
  const source = syntheticSource({ rows: vectors.length, embeddings: vectors });

  it('picks members of the dense cluster', () => {
    const result = runSelection(selectionConfig({ n_samples: 10, strategies: [{ input: { type: 'EMBEDDINGS' }, strategy: { type: 'TYPICALITY', num_nearest_neighbors: 5 } }] }), source);
    expect(result.rows.every((r) => cluster[r] === 0)).toBe(true);
  });

  it('mines outliers with a negative strength', () => {
    const result = runSelection(
      selectionConfig({ n_samples: 3, strategies: [{ input: { type: 'EMBEDDINGS' }, strategy: { type: 'TYPICALITY', num_nearest_neighbors: 5 }, strength: -1 }] }),
      source,
    );
    expect(result.rows.every((r) => cluster[r] === 2)).toBe(true);
  });

  it('stops below the minimum typicality', () => {
    const result = runSelection(
      selectionConfig({
        n_samples: 73,
        strategies: [{ input: { type: 'EMBEDDINGS' }, strategy: { type: 'TYPICALITY', num_nearest_neighbors: 5, stopping_condition_minimum_typicality: 0.3 } }],
      }),
      source,
    );
    expect(result.summary.stopReason).toBe('MIN_TYPICALITY');
    expect(result.rows.length).toBeLessThan(73);
    for (const pick of result.picks) expect(pick.objectives[0]!.objective).toBeGreaterThanOrEqual(0.3);
  });
});

describe('SIMILARITY', () => {
  it("picks the query's nearest neighbours, query samples first", () => {
    const { vectors, cluster, centres } = clustered(8, [30, 30, 30], 6, 0.1);
    const source = syntheticSource({ rows: 90, embeddings: vectors, queries: { 'other/q': [centres[1]!] }, selfQueries: { 'self/q': [31, 32] } });
    const config = (datasetId: string, tag: string) =>
      selectionConfig({ n_samples: 10, strategies: [{ input: { type: 'EMBEDDINGS', dataset_id: datasetId, tag_name: tag }, strategy: { type: 'SIMILARITY' } }] });
    expect(runSelection(config('other', 'q'), source).rows.every((r) => cluster[r] === 1)).toBe(true);
    const self = runSelection(config('self', 'q'), source);
    expect(self.rows.slice(0, 2).sort()).toEqual([31, 32]);
    expect(self.picks[0]!.objectives[0]!.objective).toBe(1);
    expect(() => runSelection(config('nope', 'q'), source)).toThrow(SelectionInputError);
  });
});

describe('THRESHOLD', () => {
  const values = [0, 5, 10, 15, 20, 25, NaN];
  const source = syntheticSource({ rows: 7, numeric: { v: values }, embeddings: values.map((_, i) => [Math.cos(i), Math.sin(i)]) });
  it.each([
    ['SMALLER', [0, 1]],
    ['SMALLER_EQUAL', [0, 1, 2]],
    ['BIGGER', [3, 4, 5]],
    ['BIGGER_EQUAL', [2, 3, 4, 5]],
  ] as const)('%s 10 keeps exactly the rows that hold', (operation, expected) => {
    const result = runSelection(
      selectionConfig({ n_samples: 7, strategies: [embeddings, { input: { type: 'METADATA', key: 'v' }, strategy: { type: 'THRESHOLD', threshold: 10, operation } }] }),
      source,
    );
    expect([...result.rows].sort((a, b) => a - b)).toEqual(expected);
    expect(result.summary.dropped).toContainEqual({ reason: expect.stringMatching(/^no value for v/), count: 1 });
    expect(result.summary.stopReason).toBe('POOL_EXHAUSTED');
  });
});

describe('WEIGHTS', () => {
  const source = syntheticSource({ rows: 6, numeric: { v: [1, 6, 2, 5, 3, 4] } });
  it('prefers high values, stops at max_sum, and keeps the sum inside target_range', () => {
    const weights = (strategy: Record<string, unknown>) => selectionConfig({ n_samples: 6, strategies: [{ input: { type: 'METADATA', key: 'v' }, strategy: { type: 'WEIGHTS', ...strategy } }] });
    expect(runSelection(weights({}), source).rows).toEqual([1, 3, 5, 4, 2, 0]);
    const capped = runSelection(weights({ stopping_condition_max_sum: 14 }), source);
    expect(capped.rows).toEqual([1, 3, 5]);
    expect(capped.summary.stopReason).toBe('MAX_SUM');
    const ranged = runSelection(weights({ target_range: { min_sum: 8, max_sum: 12 } }), source);
    expect(ranged.summary.weightSums![0]).toBeLessThanOrEqual(12);
    expect(ranged.rows).toEqual([1, 3, 0]);
    expect(ranged.summary.stopReason).toBe('TARGET_RANGE');
    expect(ranged.summary.notes).toEqual(['strategies[0] WEIGHTS: picked sum 12, within target_range [8, 12]']);
    // One pick cannot reach min_sum 8 (values are at most 6); the selection does not pad, it says so.
    const short = runSelection(selectionConfig({ n_samples: 1, strategies: [{ input: { type: 'METADATA', key: 'v' }, strategy: { type: 'WEIGHTS', target_range: { min_sum: 8, max_sum: 12 } } }] }), source);
    expect(short.rows).toEqual([1]);
    expect(short.summary.stopReason).toBe('TARGET_REACHED');
    expect(short.summary.notes).toEqual(['strategies[0] WEIGHTS: picked sum 6, below target_range [8, 12]']);
  });

  it('RANDOM values are reproducible, seed by seed', () => {
    const random = (seed: number) =>
      runSelection(selectionConfig({ n_samples: 5, strategies: [{ input: { type: 'RANDOM', random_seed: seed }, strategy: { type: 'WEIGHTS' } }] }), syntheticSource({ rows: 100 })).rows;
    expect(random(42)).toEqual(random(42));
    expect(random(42)).not.toEqual(random(43));
  });
});

describe('BALANCE', () => {
  it('moves the picked shares to the target, with the rest in "other"', () => {
    const random = rng(2);
    const weather = Array.from({ length: 400 }, () => {
      const x = random();
      return x < 0.6 ? 'sunny' : x < 0.7 ? 'cloudy' : x < 0.85 ? 'rainy' : 'foggy';
    });
    const source = syntheticSource({ rows: 400, categorical: { 'weather.description': weather } });
    const result = runSelection(
      selectionConfig({ n_samples: 100, strategies: [{ input: { type: 'METADATA', key: 'weather.description' }, strategy: { type: 'BALANCE', target: { sunny: 0.2, cloudy: 0.4 } } }] }),
      source,
    );
    const share = (v: string) => result.rows.filter((r) => weather[r] === v).length / 100;
    expect(share('sunny')).toBeCloseTo(0.2, 1);
    expect(share('cloudy')).toBeCloseTo(0.4, 1);
    expect(share('rainy') + share('foggy')).toBeCloseTo(0.4, 1);
    expect(result.summary.notes).toEqual([
      `strategies[0] BALANCE: picked shares sunny ${share('sunny').toFixed(3)} (target 0.2), cloudy ${share('cloudy').toFixed(3)} (target 0.4), (other) ${(share('rainy') + share('foggy')).toFixed(3)} (target 0.4)`,
    ]);
  });

  it('UNIFORM evens out classes, and a class that runs out is not an error', () => {
    const labels = [...Array(50).fill('a'), ...Array(50).fill('b'), ...Array(3).fill('c')] as string[];
    const source = syntheticSource({ rows: labels.length, categorical: { k: labels } });
    const result = runSelection(selectionConfig({ n_samples: 21, strategies: [{ input: { type: 'METADATA', key: 'k' }, strategy: { type: 'BALANCE', distribution: 'UNIFORM' } }] }), source);
    const count = (v: string) => result.rows.filter((r) => labels[r] === v).length;
    expect(count('c')).toBe(3);
    expect(Math.abs(count('a') - count('b'))).toBeLessThanOrEqual(1);
  });

  it('the video example: huge-strength balance plus diversity gives equal frames per video', () => {
    const random = rng(4);
    const video = Array.from({ length: 300 }, (_, i) => `video_${i < 150 ? 0 : i < 230 ? 1 : i < 280 ? 2 : 3}`);
    const vectors = video.map(() => Array.from({ length: 6 }, () => gaussian(random)));
    const source = syntheticSource({ rows: 300, categorical: { video_name: video }, embeddings: vectors });
    const result = runSelection(
      selectionConfig({
        n_samples: 40,
        strategies: [
          { input: { type: 'METADATA', key: 'video_name' }, strategy: { type: 'BALANCE', target: { video_0: 0.25, video_1: 0.25, video_2: 0.25, video_3: 0.25 }, strength: 1e9 } },
          { input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY', strength: 1.0 } },
        ],
      }),
      source,
    );
    const perVideo = [0, 1, 2, 3].map((v) => result.rows.filter((r) => video[r] === `video_${v}`).length);
    expect(perVideo).toEqual([10, 10, 10, 10]);
  });
});

describe('the pool', () => {
  const source = syntheticSource({ rows: 10, numeric: { v: [1, 2, 3, 4, 5, 6, 7, 8, 9, NaN] } });
  const weights = (n: Record<string, number>) => selectionConfig({ ...n, strategies: [{ input: { type: 'METADATA', key: 'v' }, strategy: { type: 'WEIGHTS' } }] });

  it('an input tag limits the candidates; proportion_samples counts the pool', () => {
    const result = runSelection(weights({ proportion_samples: 0.5 }), source, { inputRows: [0, 1, 2, 3, 9] });
    expect(result.summary.poolSize).toBe(4);
    expect(result.rows).toEqual([3, 2]);
  });

  it('preselected rows count toward n and are never picked again', () => {
    const result = runSelection(weights({ n_samples: 4 }), source, { preselectedRows: [8, 7] });
    expect(result.rows).toEqual([6, 5]);
    expect(result.summary).toMatchObject({ preselected: 2, selected: 2, stopReason: 'TARGET_REACHED' });
  });

  it('never pads: fewer admissible samples than asked ends with POOL_EXHAUSTED', () => {
    const result = runSelection(weights({ n_samples: 50 }), source);
    expect(result.rows).toHaveLength(9);
    expect(result.summary.stopReason).toBe('POOL_EXHAUSTED');
  });

  it('names a missing key with what the dataset has', () => {
    const bad = selectionConfig({ n_samples: 1, strategies: [{ input: { type: 'METADATA', key: 'nope' }, strategy: { type: 'WEIGHTS' } }] });
    expect(() => runSelection(bad, source)).toThrow(/strategies\[0\]\.input\.key: metadata key 'nope' not found; available: v/);
  });
});

describe('object-level embeddings', () => {
  it('picks objects and reports their images, each image once', () => {
    const source = syntheticSource({
      rows: 5,
      objects: { det: { vectors: [[1, 0], [0.99, 0.1], [0, 1], [-1, 0], [0, -1], [0.7, 0.7]], sampleRow: [0, 0, 1, 2, 4, 4] } },
    });
    const result = runSelection(selectionConfig({ n_samples: 5, strategies: [{ input: { type: 'EMBEDDINGS', task: 'det' }, strategy: { type: 'DIVERSITY' } }] }), source);
    expect([...result.rows].sort()).toEqual([0, 1, 2, 4]);
    expect(result.summary.dropped).toContainEqual({ reason: expect.stringMatching(/^no objects in det/), count: 1 });
  });
});

describe('checkpoints', () => {
  it('a run stopped at a deadline and resumed from its state picks what an uninterrupted run picks', () => {
    const { vectors } = clustered(9, [40, 40, 40]);
    const weather = vectors.map((_, i) => ['a', 'b', 'c'][i % 3]!);
    const source = syntheticSource({ rows: vectors.length, embeddings: vectors, categorical: { w: weather }, numeric: { s: vectors.map((_, i) => (i * 37) % 11) } });
    const config = selectionConfig({
      n_samples: 30,
      strategies: [
        embeddings,
        { input: { type: 'METADATA', key: 'w' }, strategy: { type: 'BALANCE', distribution: 'UNIFORM' } },
        { input: { type: 'METADATA', key: 's' }, strategy: { type: 'WEIGHTS' } },
      ],
    });
    const whole = runSelection(config, source).rows;
    const first = new GreedyRun(prepareSelection(config, source)).run({ deadline: 0 });
    expect(first.done).toBe(false);
    expect(first.state.picks).toHaveLength(1);
    // Serialise the state as the workflow does (JSON in S3), then resume in a fresh process's worth of objects.
    let state = JSON.parse(JSON.stringify(first.state));
    let rows: number[] = [];
    for (let hop = 0; hop < 40; hop++) {
      const run = new GreedyRun(prepareSelection(config, source), state);
      const result = run.run({ maxPicks: 1 });
      expect(result.state.picks.length).toBe(Math.min(30, hop + 2));
      state = JSON.parse(JSON.stringify(result.state));
      rows = result.state.picks.map((p) => p.row);
      if (result.done) break;
    }
    expect(rows).toEqual(whole);
  });

  it('DIVERSITY keeps its distances exactly as float64 bytes, and a state with them as an array of numbers (null for ∞) resumes the same', () => {
    const { vectors } = clustered(10, [30, 30]);
    const source = syntheticSource({ rows: vectors.length, embeddings: vectors });
    const config = selectionConfig({ n_samples: 12, strategies: [embeddings] });
    const whole = runSelection(config, source).rows;
    const first = new GreedyRun(prepareSelection(config, source)).run({ maxPicks: 5 });
    const saved = first.state.strategies![0] as { minDistSqFloat64: string; minDistSq?: unknown };
    const bytes = Buffer.from(saved.minDistSqFloat64, 'base64');
    const distances = new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    expect(distances).toHaveLength(vectors.length);
    // Only the first pick left the candidates before any update: it alone keeps ∞, exactly.
    expect(distances.filter((d) => d === Infinity)).toHaveLength(1);
    expect(distances.every((d) => d >= 0)).toBe(true);
    const asNumbers = { ...saved, minDistSqFloat64: undefined, minDistSq: Array.from(distances, (d) => (Number.isFinite(d) ? d : null)) };
    const state = JSON.parse(JSON.stringify({ ...first.state, strategies: [asNumbers] }));
    const rest = new GreedyRun(prepareSelection(config, source), state).run({});
    expect(rest.state.picks.map((p) => p.row)).toEqual(whole);
  });

  it("DIVERSITY's state of a finished selection keeps no distances; restored, it serves the summary and refuses to pick", () => {
    const { vectors } = clustered(11, [30, 30]);
    const source = syntheticSource({ rows: vectors.length, embeddings: vectors });
    const config = selectionConfig({ n_samples: 12, strategies: [embeddings] });
    const done = new GreedyRun(prepareSelection(config, source)).run({});
    expect(done.done).toBe(true);
    const saved = done.state.strategies![0] as { picked: boolean; maxMinDistSq: number; minDistSqFloat64?: string };
    expect(Object.keys(saved).sort()).toEqual(['maxMinDistSq', 'picked']);
    expect(saved.maxMinDistSq).toBeGreaterThan(0);
    // Restored (as Finish does), the picks are the run's; asked for more picks, DIVERSITY refuses.
    const larger = selectionConfig({ n_samples: 13, strategies: [embeddings] });
    const restored = new GreedyRun(prepareSelection(larger, source), JSON.parse(JSON.stringify(done.state)));
    expect(restored.picked.map((p) => p.row)).toEqual(done.state.picks.map((p) => p.row));
    expect(() => restored.run({})).toThrow(/finished selection, which keeps no distances/);
  });
});
