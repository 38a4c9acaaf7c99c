/**
 * Approximate typicality reads one cluster's rows at a time (gathered into a matrix of the largest
 * cluster's size, in the kernels' memory) instead of a permuted copy of the whole matrix, with the values
 * that the permuted matrix gives.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { approximateKnnDistances, clusterRows } from '../../functions/selection/approximateKnn.js';
import { createFastKernels } from '../../functions/kernels/fast.js';
import { scalarKernels, type Kernels } from '../../functions/kernels/index.js';
import { clusteredMatrix } from '../kernels/matrices.js';

const fast = [createFastKernels({ threads: 1 }), createFastKernels({ threads: 2 })];
afterAll(async () => {
  for (const kernels of fast) await kernels.close();
});
const variants: { name: string; kernels: Kernels }[] = [
  { name: 'scalar', kernels: scalarKernels },
  { name: 'fast, one thread', kernels: fast[0]! },
  { name: 'fast, two threads', kernels: fast[1]! },
];

const rows = 5003;
const dim = 24;
const k = 8;
const data = clusteredMatrix(61, rows, dim, 16, 0.1);
const options = { clusterSize: 400, seed: 5 };

/** What approximate typicality computed before: kNN over the whole matrix with its rows in cluster order. */
function overPermutedMatrix(kernels: Kernels, start: number, end: number): Float32Array {
  const { clusters, order, starts } = clusterRows(kernels, data, dim, rows, options);
  const permuted = new Float32Array(rows * dim);
  for (let p = 0; p < rows; p++) permuted.set(data.subarray(order[p]! * dim, (order[p]! + 1) * dim), p * dim);
  const out = new Float32Array((end - start) * k).fill(NaN);
  for (let c = 0; c < clusters; c++) {
    for (let p = starts[c]!; p < starts[c + 1]!; p++) {
      const row = order[p]!;
      if (row < start || row >= end) continue;
      out.set(kernels.knnDistances(permuted, dim, rows, p, p + 1, k, { start: starts[c]!, end: starts[c + 1]! }), (row - start) * k);
    }
  }
  return out;
}

describe.each(variants)('$name kernels', ({ kernels }) => {
  it('give the values of kNN over the permuted matrix, for all rows and for a shard', () => {
    expect(Array.from(approximateKnnDistances(kernels, data, dim, rows, 0, rows, k, options))).toEqual(Array.from(overPermutedMatrix(kernels, 0, rows)));
    expect(Array.from(approximateKnnDistances(kernels, data, dim, rows, 1777, 3100, k, options))).toEqual(Array.from(overPermutedMatrix(kernels, 1777, 3100)));
  });

  it('hand the kernels no matrix larger than the largest cluster', () => {
    const sizes: number[] = [];
    const watched: Kernels = {
      ...kernels,
      knnDistances: (matrix, ...rest) => {
        sizes.push(matrix.length);
        return kernels.knnDistances(matrix, ...rest);
      },
    };
    const { largest, clusters } = clusterRows(kernels, data, dim, rows, options);
    expect(largest).toBeLessThan(rows / 4);
    approximateKnnDistances(watched, data, dim, rows, 0, rows, k, options);
    expect(sizes.length).toBe(clusters);
    for (const size of sizes) expect(size).toBe(largest * dim);
  });
});
