/** Pre-selection filters (exact duplicates, corrupt samples) and the datapool's candidate rules. */
import { describe, expect, it } from 'vitest';
import { selectionConfig } from '../../functions/selection/config.js';
import { canonicalRows } from '../../functions/selection/filters.js';
import { createMemorySource } from '../../functions/selection/memorySource.js';
import { runSelection } from '../../functions/selection/select.js';

const diversity = { input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY' } };
const names = (n: number) => Array.from({ length: n }, (_, i) => `img_${i}.png`);
const matrix = (rows: number[][]) => ({ dim: rows[0]!.length, data: Float32Array.from(rows.flat()) });

describe('exact duplicates', () => {
  const rows = [[1, 0], [0, 1], [1, 0], [2, 0], [-1, 0], [0, 1]];
  const source = createMemorySource({ fileNames: names(6), embeddings: matrix(rows) });

  it('finds bit-identical raw rows only ([2, 0] is not a copy of [1, 0])', () => {
    expect([...canonicalRows(source.rawEmbeddings()!)]).toEqual([0, 1, 0, 3, 4, 1]);
  });

  it('keeps the first, removes the others and names the sample each duplicates', () => {
    const result = runSelection(selectionConfig({ n_samples: 6, remove_exact_duplicates: true, strategies: [diversity] }), source);
    expect([...result.rows].sort()).toEqual([0, 1, 3, 4]);
    expect(result.summary.dropped).toContainEqual({ reason: expect.stringMatching(/exact duplicate/), count: 2 });
    expect(result.summary.duplicates).toEqual({
      count: 2,
      listed: [
        { row: 2, duplicateOf: 0, fileName: 'img_2.png', duplicateOfFileName: 'img_0.png' },
        { row: 5, duplicateOf: 1, fileName: 'img_5.png', duplicateOfFileName: 'img_1.png' },
      ],
    });
  });

  it('is on by the caller’s default and off when the config says false', () => {
    const config = selectionConfig({ n_samples: 6, strategies: [diversity] });
    expect(runSelection(config, source, { removeExactDuplicates: true }).rows).toHaveLength(4);
    const off = runSelection(selectionConfig({ n_samples: 6, remove_exact_duplicates: false, strategies: [diversity] }), source, { removeExactDuplicates: true });
    expect(off.rows).toHaveLength(6);
    expect(off.summary.duplicates).toBeUndefined();
  });

  it('a candidate identical to a preselected sample is the one removed', () => {
    const result = runSelection(selectionConfig({ n_samples: 6, remove_exact_duplicates: true, strategies: [diversity] }), source, { preselectedRows: [2] });
    expect(result.rows).not.toContain(0);
    expect(result.summary.duplicates!.listed[0]).toMatchObject({ row: 0, duplicateOf: 2 });
  });

  it('rejects a non-boolean remove_exact_duplicates with its path', () => {
    expect(() => selectionConfig({ n_samples: 1, remove_exact_duplicates: 'yes', strategies: [diversity] })).toThrow(/remove_exact_duplicates: must be true or false/);
  });
});

describe('corrupt samples', () => {
  it('are never candidates and are counted per reason', () => {
    const source = createMemorySource({ fileNames: names(5), embeddings: matrix([[1, 0], [0, 1], [-1, 0], [0, -1], [1, 1]]) });
    const corruptRows = new Map([
      [0, 'truncated image'],
      [2, 'not an image'],
      [3, 'truncated image'],
    ]);
    const result = runSelection(selectionConfig({ n_samples: 5, strategies: [diversity] }), source, { corruptRows });
    expect([...result.rows].sort()).toEqual([1, 4]);
    expect(result.summary.dropped).toEqual([
      { reason: 'corrupt image: truncated image', count: 2 },
      { reason: 'corrupt image: not an image', count: 1 },
    ]);
  });
});

describe('the order of the filters: thresholds, then corrupt samples, then duplicates', () => {
  // Rows: 0 ok; 1 corrupt with no value (its image could not be read); 2 corrupt with a value failing the
  // threshold; 3 a copy of 0; 4 fails the threshold, and 5 is its copy; 6 ok.
  const luminance = [0.5, NaN, 0.01, 0.5, 0.01, 0.01, 0.9];
  const source = createMemorySource({
    fileNames: names(7),
    embeddings: matrix([[1, 0], [0, 1], [-1, 0], [1, 0], [1, 1], [1, 1], [0, -1]]),
    metadata: { types: new Map([['lightly.luminance', 'NUMERIC_FLOAT']]), columns: new Map([['lightly.luminance', { kind: 'numeric', values: Float64Array.from(luminance) }]]) } as never,
  });
  const config = selectionConfig({
    n_samples: 7,
    remove_exact_duplicates: true,
    strategies: [diversity, { input: { type: 'METADATA', key: 'lightly.luminance' }, strategy: { type: 'THRESHOLD', threshold: 0.1, operation: 'BIGGER' } }],
  });
  const result = runSelection(config, source, { corruptRows: new Map([[1, 'truncated image'], [2, 'truncated image']]) });

  it('counts each removal once, under the first filter that removes it', () => {
    expect(result.summary.dropped).toEqual([
      { reason: expect.stringMatching(/^THRESHOLD strategies\[1\]/), count: 3 },
      { reason: 'corrupt image: truncated image', count: 1 },
      { reason: expect.stringMatching(/exact duplicate/), count: 1 },
    ]);
    expect([...result.rows].sort()).toEqual([0, 6]);
  });

  it('a copy of a sample a threshold removed is no duplicate: the threshold removed both', () => {
    expect(result.summary.duplicates?.listed.map((d) => [d.row, d.duplicateOf])).toEqual([[3, 0]]);
  });

  it('the pool size is before the thresholds and filters (a corrupt sample without a value is in it)', () => {
    expect(result.summary.poolSize).toBe(7);
  });
});

describe('datapool', () => {
  // Rows 0–3 picked before (the pool); rows 4–5 existed then but were not picked; rows 6–9 are new.
  const rows = [[1, 0], [0, 1], [-1, 0], [0, -1], [0.7, 0.7], [-0.7, 0.7], [0.7, -0.7], [0.99, 0.05], [-0.7, -0.7], [0.05, 0.99]];
  const source = createMemorySource({ fileNames: names(10), embeddings: matrix(rows) });

  it('only new samples are candidates; the pool is preselected; n counts new picks', () => {
    const result = runSelection(selectionConfig({ n_samples: 2, strategies: [diversity] }), source, { datapool: { rows: [0, 1, 2, 3], newFrom: 6 } });
    expect(result.rows).toHaveLength(2);
    // The two far from every pool sample; 7 and 9 sit next to pool samples 0 and 1.
    expect([...result.rows].sort()).toEqual([6, 8]);
    expect(result.summary.requested).toBe(2);
    expect(result.summary.preselected).toBe(4);
    expect(result.summary.datapool).toEqual({ poolSize: 4, processAll: false });
  });

  it('processAll makes every sample outside the pool a candidate', () => {
    const result = runSelection(selectionConfig({ n_samples: 4, strategies: [diversity] }), source, { datapool: { rows: [0, 1, 2, 3] } });
    expect([...result.rows].sort()).toEqual([4, 5, 6, 8]);
  });

  it('proportion_samples applies to the candidates', () => {
    const result = runSelection(selectionConfig({ proportion_samples: 0.5, strategies: [diversity] }), source, { datapool: { rows: [0, 1, 2, 3], newFrom: 6 } });
    expect(result.rows).toHaveLength(2);
  });

  it('the minimum distance is measured against the pool', () => {
    const config = selectionConfig({ n_samples: 4, strategies: [{ input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY', stopping_condition_minimum_distance: 0.2 } }] });
    const result = runSelection(config, source, { datapool: { rows: [0, 1, 2, 3], newFrom: 6 } });
    expect(result.rows).not.toContain(7);
    expect(result.rows).not.toContain(9);
    expect(result.summary.stopReason).toBe('MIN_DISTANCE');
  });

  it('works with sequences: the pool’s frames are preselected sequences', () => {
    const fileNames = Array.from({ length: 12 }, (_, i) => `v-${String(i).padStart(2, '0')}-mp4.png`);
    const data = new Float32Array(24);
    for (let i = 0; i < 12; i++) [data[2 * i], data[2 * i + 1]] = [Math.cos(i * 0.25), Math.sin(i * 0.25)];
    const frames = createMemorySource({ fileNames, embeddings: { dim: 2, data } });
    // Pool: frames 0–2; new since: frames 3–11 → sequences 3–5, 6–8, 9–11.
    const result = runSelection(selectionConfig({ n_samples: 3, selected_sequence_length: 3, strategies: [diversity] }), frames, { datapool: { rows: [0, 1, 2], newFrom: 3 } });
    expect(result.rows).toEqual([9, 10, 11]);
    expect(result.summary.preselected).toBe(3);
  });
});
