/** Exact-duplicate ids from the typed hash table: each row's first bit-identical row, as a direct comparison finds it. */
import { expect, it } from 'vitest';
import { canonicalRows } from '../../functions/selection/filters.js';
import { blockMatrix, blockMatrixStats } from '../../functions/selection/matrix.js';
import { gaussianMatrix } from '../kernels/matrices.js';

it('names every row\'s first bit-identical row among 3,000 rows with many duplicates and near-duplicates', () => {
  const rows = 3000;
  const dim = 5;
  const data = gaussianMatrix(71, rows, dim);
  // Copies of earlier rows, copies of copies, and rows differing from an earlier one in the last bit only.
  for (let r = 100; r < rows; r += 7) data.copyWithin(r * dim, ((r * 31) % r) * dim, ((r * 31) % r + 1) * dim);
  const bits = new Uint32Array(data.buffer);
  for (let r = 103; r < rows; r += 11) {
    data.copyWithin(r * dim, (r - 50) * dim, (r - 49) * dim);
    bits[r * dim + dim - 1]! ^= 1;
  }
  const expected = Array.from({ length: rows }, (_, r) => {
    for (let f = 0; f < r; f++) if (bits.subarray(f * dim, f * dim + dim).every((w, d) => w === bits[r * dim + d])) return f;
    return r;
  });
  expect(expected.filter((f, r) => f !== r).length).toBeGreaterThan(300);
  expect(Array.from(canonicalRows({ rows, dim, data }))).toEqual(expected);
  // The same rows in blocks of 701 (twins across blocks), read in place: no copy into one array.
  const views: Float32Array[] = [];
  for (let at = 0; at < data.length; at += 701 * dim) views.push(data.slice(at, at + 701 * dim));
  const copies = blockMatrixStats.contiguousCopies;
  expect(Array.from(canonicalRows(blockMatrix(rows, dim, { views, rowsPerBlock: 701 })))).toEqual(expected);
  expect(blockMatrixStats.contiguousCopies).toBe(copies);
});
