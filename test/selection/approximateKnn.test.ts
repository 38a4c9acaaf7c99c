/**
 * Approximate typicality kNN (within k-means clusters): recall against exact kNN on clustered data, the
 * same values for a shard as for all rows, the same on every kernel implementation, and the engine
 * switching to it above its row threshold.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { APPROXIMATE_TYPICALITY_ROWS, approximateKnnDistances, clusterRows } from '../../functions/selection/approximateKnn.js';
import { createFastKernels } from '../../functions/kernels/fast.js';
import { scalarKernels } from '../../functions/kernels/index.js';
import { typicalityKnn } from '../../functions/selection/strategies/typicality.js';
import { clusteredMatrix, gaussianMatrix } from '../kernels/matrices.js';

const fast = createFastKernels({ threads: 2 });
afterAll(() => fast.close());

/** The recall the documentation states for clustered data. */
const RECALL_BOUND = 0.9;

describe('approximate kNN within k-means clusters', () => {
  const rows = 6007;
  const dim = 32;
  const k = 10;
  const data = clusteredMatrix(41, rows, dim, 24, 0.1);
  const options = { clusterSize: 500, seed: 3 };
  const approx = approximateKnnDistances(fast, data, dim, rows, 0, rows, k, options);

  it(`finds at least ${RECALL_BOUND * 100} % of the exact ${k} nearest neighbours on clustered data`, () => {
    const exact = fast.knnDistances(data, dim, rows, 0, rows, k);
    let found = 0;
    for (let r = 0; r < rows; r++) for (let c = 0; c < k; c++) if (approx[r * k + c]! <= exact[r * k + k - 1]!) found++;
    const recall = found / (rows * k);
    expect(recall).toBeGreaterThanOrEqual(RECALL_BOUND);
    // And never a distance shorter than the exact one: neighbours are real rows.
    for (let i = 0; i < approx.length; i++) if (!Number.isNaN(approx[i])) expect(approx[i]).toBeGreaterThanOrEqual(exact[i]!);
  });

  it('gives a shard exactly the values computing all rows gives, and repeats exactly', () => {
    const shard = approximateKnnDistances(fast, data, dim, rows, 1234, 2345, k, options);
    expect(Array.from(shard)).toEqual(Array.from(approx.subarray(1234 * k, 2345 * k)));
    // A fresh copy of the matrix: nothing cached, the same clusters.
    expect(Array.from(approximateKnnDistances(fast, data.slice(), dim, rows, 4000, 4100, k, options))).toEqual(Array.from(approx.subarray(4000 * k, 4100 * k)));
  });

  it('gives the same values on the scalar kernels', () => {
    expect(Array.from(approximateKnnDistances(scalarKernels, data, dim, rows, 0, rows, k, options))).toEqual(Array.from(approx));
  });

  it('puts every row in exactly one cluster, rows ascending within a cluster', () => {
    const { clusters, order, starts } = clusterRows(fast, data, dim, rows, options);
    expect(clusters).toBe(12);
    expect(Array.from(order).sort((a, b) => a - b)).toEqual(Array.from({ length: rows }, (_, i) => i));
    for (let c = 0; c < clusters; c++) for (let p = starts[c]! + 1; p < starts[c + 1]!; p++) expect(order[p]).toBeGreaterThan(order[p - 1]!);
  });
});

it(`the engine's typicality kNN is the approximate one above ${APPROXIMATE_TYPICALITY_ROWS.toLocaleString('en')} rows`, () => {
  const dim = 4;
  const rows = APPROXIMATE_TYPICALITY_ROWS + 1;
  const data = gaussianMatrix(42, rows, dim);
  const viaEngine = typicalityKnn(fast, { rows, dim, data }, 5, 100, 160);
  expect(Array.from(viaEngine)).toEqual(Array.from(approximateKnnDistances(fast, data, dim, rows, 100, 160, 5)));
  // Below the threshold it is exact.
  const small = gaussianMatrix(43, 500, dim);
  expect(Array.from(typicalityKnn(fast, { rows: 500, dim, data: small }, 5, 0, 500))).toEqual(Array.from(scalarKernels.knnDistances(small, dim, 500, 0, 500, 5)));
});
