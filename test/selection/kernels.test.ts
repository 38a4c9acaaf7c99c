/** The scalar kernels against brute force in float64. */
import { describe, expect, it } from 'vitest';
import { scalarKernels } from '../../functions/kernels/index.js';
import { gaussian, normalize, rng } from './source.js';

function data(seed: number, rows: number, dim: number) {
  const random = rng(seed);
  const m = normalize(Array.from({ length: rows }, () => Array.from({ length: dim }, () => gaussian(random))));
  // Two exact duplicates, so zero distances occur.
  m.data.copyWithin(30 * dim, 70 * dim, 71 * dim);
  return m;
}
const distance = (a: Float32Array, i: number, b: Float32Array, j: number, dim: number) => {
  let s = 0;
  for (let d = 0; d < dim; d++) s += (a[i * dim + d]! - b[j * dim + d]!) ** 2;
  return Math.sqrt(s);
};

describe('kCenterUpdate', () => {
  it('lowers the minimum distances of the active rows, reports the changed ones and the arg-max', () => {
    const { data: x, dim, rows } = data(1, 150, 19);
    const active = Int32Array.from({ length: 140 }, (_, i) => 149 - i); // not ascending, some rows left out
    const minDistSq = new Float64Array(rows).fill(Infinity);
    const changed = new Int32Array(rows);
    const expected = new Float64Array(rows).fill(Infinity);
    for (const c of [70, 100, 42]) {
      const center = x.slice(c * dim, (c + 1) * dim);
      const before = Float64Array.from(minDistSq);
      const { max, argMax, changedCount } = scalarKernels.kCenterUpdate(x, dim, center, active, active.length, minDistSq, changed);
      let bestRow = -1;
      let best = -1;
      for (const u of active) {
        expected[u] = Math.min(expected[u]!, distance(x, u, x, c, dim) ** 2);
        expect(minDistSq[u]).toBeCloseTo(expected[u]!, 5);
        if (minDistSq[u]! > best || (minDistSq[u] === best && u < bestRow)) {
          best = minDistSq[u]!;
          bestRow = u;
        }
      }
      expect(max).toBe(best);
      expect(argMax).toBe(bestRow);
      const changedRows = [...changed.subarray(0, changedCount)].sort((a, b) => a - b);
      expect(changedRows).toEqual([...active].filter((u) => minDistSq[u]! < before[u]!).sort((a, b) => a - b));
    }
    // Rows 30 and 70 are the same vector: after picking 70, row 30 is at distance exactly 0.
    expect(minDistSq[30]).toBe(0);
    for (let r = 0; r < 10; r++) expect(minDistSq[r] === Infinity || minDistSq[r]! >= 0).toBe(true);
    expect(scalarKernels.kCenterUpdate(x, dim, x.subarray(0, dim), active, 0, minDistSq, changed)).toEqual({ max: 0, argMax: -1, changedCount: 0 });
  });
});

describe('knnDistances', () => {
  it.each([
    [150, 5, 0, 150],
    [150, 5, 61, 133],
    [9, 20, 0, 9],
  ])('rows %i, k %i, range [%i, %i): ascending distances to the k nearest other rows', (rows, k, start, end) => {
    const { data: x, dim } = data(2, rows, 7);
    const knn = scalarKernels.knnDistances(x, dim, rows, start, end, k);
    expect(knn.length).toBe((end - start) * k);
    for (let i = start; i < end; i++) {
      const all = Array.from({ length: rows }, (_, j) => j)
        .filter((j) => j !== i)
        .map((j) => distance(x, i, x, j, dim))
        .sort((a, b) => a - b);
      for (let c = 0; c < k; c++) {
        const got = knn[(i - start) * k + c]!;
        if (c < rows - 1) expect(got).toBeCloseTo(all[c]!, 3);
        else expect(got).toBeNaN(); // fewer than k other rows
      }
    }
  });
});

describe('nearestDistances', () => {
  it('gives each row its distance to the nearest query', () => {
    const { data: x, dim } = data(3, 80, 11);
    const q = data(4, 6, 11).data;
    q.set(x.subarray(10 * dim, 11 * dim), 2 * dim); // row 10 is itself a query
    const nearest = scalarKernels.nearestDistances(x, dim, 5, 80, q, 6);
    for (let i = 5; i < 80; i++) {
      const expected = Math.min(...Array.from({ length: 6 }, (_, j) => distance(x, i, q, j, dim)));
      expect(nearest[i - 5]).toBeCloseTo(expected, 3);
    }
    expect(nearest[10 - 5]).toBe(0);
  });
});
