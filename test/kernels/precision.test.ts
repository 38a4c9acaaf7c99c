/**
 * int8 storage for the k-center scan: each squared distance within the bound its rounding allows, and
 * the farthest-first picks cover the data as well as float32's (covering radius within 10 %).
 */
import { afterAll, expect, it } from 'vitest';
import { createFastKernels, quantise } from '../../functions/kernels/fast.js';
import { clusteredMatrix, gaussianMatrix } from './matrices.js';

const exact = createFastKernels({ threads: 2 });
const int8 = createFastKernels({ threads: 2, precision: 'int8' });
afterAll(async () => {
  await exact.close();
  await int8.close();
});

function farthestFirst(kernels: typeof exact, data: Float32Array, rows: number, dim: number, picks: number) {
  const active = Int32Array.from({ length: rows }, (_, i) => i);
  let activeCount = rows;
  const minDistSq = kernels.sharedFloat64!(rows).fill(Infinity);
  const changed = new Int32Array(rows);
  const chosen: number[] = [];
  let next = 0;
  for (let p = 0; p < picks; p++) {
    chosen.push(next);
    active[active.indexOf(next)] = active[--activeCount]!;
    next = kernels.kCenterUpdate(data, dim, data.slice(next * dim, (next + 1) * dim), active, activeCount, minDistSq, changed).argMax;
  }
  return chosen;
}

/** Covering radius of `picks`, measured in float32. */
function radius(data: Float32Array, rows: number, dim: number, picks: number[]): number {
  const all = Int32Array.from({ length: rows }, (_, i) => i);
  const minDistSq = exact.sharedFloat64!(rows).fill(Infinity);
  const changed = new Int32Array(rows);
  let max = 0;
  for (const p of picks) max = exact.kCenterUpdate(data, dim, data.slice(p * dim, (p + 1) * dim), all, rows, minDistSq, changed).max;
  return Math.sqrt(max);
}

it('keeps every squared distance within ‖x̂ − x‖·(‖x̂‖ + ‖x‖ + 2‖c‖) of float32', () => {
  const rows = 3001;
  const dim = 77;
  const data = gaussianMatrix(61, rows, dim);
  const { values, scales } = quantise(data, dim, rows);
  const active = Int32Array.from({ length: rows }, (_, i) => i);
  const a = exact.sharedFloat64!(rows).fill(Infinity);
  const b = int8.sharedFloat64!(rows).fill(Infinity);
  const changed = new Int32Array(rows);
  const center = data.slice(17 * dim, 18 * dim);
  exact.kCenterUpdate(data, dim, center, active, rows, a, changed);
  int8.kCenterUpdate(data, dim, center, active, rows, b, changed);
  let worst = 0;
  for (let r = 0; r < rows; r++) {
    let err = 0;
    let norm = 0;
    for (let d = 0; d < dim; d++) {
      const x = data[r * dim + d]!;
      const xq = values[r * dim + d]! * scales[r]!;
      err += (xq - x) ** 2;
      norm += xq ** 2;
    }
    // Unit centre and row: the bound of (x̂ − x)·(x̂ + x − 2c), plus float32 summation.
    const bound = Math.sqrt(err) * (Math.sqrt(norm) + 1 + 2) + 1e-5;
    expect(Math.abs(b[r]! - a[r]!)).toBeLessThanOrEqual(bound);
    worst = Math.max(worst, Math.abs(b[r]! - a[r]!));
  }
  // Not identical either: the int8 path really ran.
  expect(worst).toBeGreaterThan(0);
});

it('covers clustered data as well as float32 (covering radius within 10 %)', () => {
  const rows = 20_000;
  const dim = 64;
  const data = clusteredMatrix(51, rows, dim, 30, 0.05);
  for (const picks of [30, 200]) {
    const reference = radius(data, rows, dim, farthestFirst(exact, data, rows, dim, picks));
    const reduced = radius(data, rows, dim, farthestFirst(int8, data, rows, dim, picks));
    expect(reduced / reference).toBeLessThanOrEqual(1.1);
  }
});
