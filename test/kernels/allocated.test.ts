/**
 * Matrices allocated in the kernels' WebAssembly memory (`allocateMatrix`): the caller writes the rows
 * straight into a block, the kernels read them there without a copy, and every kernel gives the same
 * results, bit for bit, as on a copied matrix — on one thread and on two; rewritten rows are seen after
 * `matrixWritten`; `forget` still releases the block.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createFastKernels, type FastKernels } from '../../functions/kernels/fast.js';
import { scalarKernels, type Kernels } from '../../functions/kernels/index.js';
import { clusteredMatrix, gaussianMatrix } from './matrices.js';

const variants: { name: string; kernels: FastKernels }[] = [
  { name: 'one thread', kernels: createFastKernels({ threads: 1 }) },
  { name: 'two threads', kernels: createFastKernels({ threads: 2 }) },
];
afterAll(async () => {
  for (const v of variants) await v.kernels.close();
});

/** `data` written into a matrix the kernels allocated. */
function allocated(kernels: Kernels, data: Float32Array, rows: number, dim: number): Float32Array {
  const view = kernels.allocateMatrix(rows, dim);
  view.set(data);
  return view;
}

/** Farthest-first picks (every max, arg-max and changed row), the state beside the matrix when `beside`. */
function trace(kernels: Kernels, data: Float32Array, dim: number, rows: number, picks: number, beside: boolean) {
  const active = Int32Array.from({ length: rows }, (_, i) => (i * 7919) % rows);
  let activeCount = rows;
  const minDistSq = (kernels.sharedFloat64?.(rows, beside ? { data, dim } : undefined) ?? new Float64Array(rows)).fill(Infinity);
  const changed = new Int32Array(rows);
  const steps: { max: number; argMax: number; changed: number[] }[] = [];
  let next = active[0]!;
  for (let p = 0; p < picks; p++) {
    const at = active.indexOf(next);
    active[at] = active[--activeCount]!;
    const r = kernels.kCenterUpdate(data, dim, data.slice(next * dim, (next + 1) * dim), active, activeCount, minDistSq, changed);
    // The changed rows as a set: the contract names no order (a matrix in blocks lists each block's in turn).
    steps.push({ max: r.max, argMax: r.argMax, changed: Array.from(changed.subarray(0, r.changedCount)).sort((a, b) => a - b) });
    next = r.argMax;
  }
  return { steps, minDistSq: Array.from(minDistSq) };
}

/** Every kernel's output on `data`. */
function everything(kernels: Kernels, data: Float32Array, dim: number, rows: number, queries: Float32Array) {
  return {
    kcenter: trace(kernels, data, dim, rows, 40, false),
    // Clustered data with more than 1,024 rows: the fused update with the projection bound.
    fused: trace(kernels, data, dim, rows, 40, true),
    knn: Array.from(kernels.knnDistances(data, dim, rows, 0, rows, 9)),
    knnRange: Array.from(kernels.knnDistances(data, dim, rows, 300, 700, 5, { start: 200, end: 900 })),
    nearest: Array.from(kernels.nearestDistances(data, dim, 5, rows - 3, queries, 7)),
    nearestRows: kernels.nearestRows(data, dim, 0, rows, queries, 7, 3),
  };
}

describe.each(variants)('$name', ({ kernels }) => {
  const rows = 3001;
  const dim = 131;
  const data = clusteredMatrix(51, rows, dim, 30, 0.05);
  const queries = gaussianMatrix(52, 7, dim);

  it('every kernel gives the same results on an allocated matrix as on a copied one, bit for bit, and copies nothing', () => {
    const copies = kernels.stats.copiedMatrices;
    const copied = everything(kernels, data.slice(), dim, rows, queries);
    // The matrix and the query rows.
    expect(kernels.stats.copiedMatrices - copies).toBe(2);
    const view = allocated(kernels, data, rows, dim);
    const before = { ...kernels.stats };
    const onView = everything(kernels, view, dim, rows, queries);
    expect(onView).toEqual(copied);
    expect(kernels.stats.allocatedMatrices - before.allocatedMatrices).toBe(0);
    // No copy at all: the query rows were copied by the run on the copied matrix, the matrix never.
    expect(kernels.stats.copiedMatrices - before.copiedMatrices).toBe(0);
    expect(kernels.stats.fusedOps - before.fusedOps).toBe(40);
    expect(kernels.stats.boundedOps).toBeGreaterThan(before.boundedOps);
    // And the reference agrees with both (k-center bit for bit, neighbours in value).
    expect(trace(scalarKernels, data, dim, rows, 40, false)).toEqual(copied.kcenter);
    expect(Array.from(scalarKernels.knnDistances(data, dim, rows, 0, rows, 9))).toEqual(copied.knn);
  });

  it('the allocated matrix is a view of the kernels\' shared memory, counted as allocated', () => {
    const before = kernels.stats.allocatedMatrices;
    const view = kernels.allocateMatrix(100, 16);
    expect(view.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(view.length).toBe(1600);
    expect(Array.from(view).every((v) => v === 0)).toBe(true);
    expect(kernels.stats.allocatedMatrices).toBe(before + 1);
  });

  it('rows rewritten after a kernel saw them are read again after matrixWritten (norms and projection bound recomputed)', () => {
    const first = clusteredMatrix(53, 2000, 64, 20, 0.05);
    const second = gaussianMatrix(54, 2000, 64);
    const view = allocated(kernels, first, 2000, 64);
    expect(trace(kernels, view, 64, 2000, 20, true)).toEqual(trace(scalarKernels, first, 64, 2000, 20, false));
    const knnFirst = Array.from(kernels.knnDistances(view, 64, 2000, 0, 2000, 6));
    view.set(second);
    kernels.matrixWritten(view);
    const copies = kernels.stats.copiedMatrices;
    expect(trace(kernels, view, 64, 2000, 20, true)).toEqual(trace(scalarKernels, second, 64, 2000, 20, false));
    const knnSecond = Array.from(kernels.knnDistances(view, 64, 2000, 0, 2000, 6));
    expect(knnSecond).toEqual(Array.from(scalarKernels.knnDistances(second, 64, 2000, 0, 2000, 6)));
    expect(knnSecond).not.toEqual(knnFirst);
    expect(kernels.stats.copiedMatrices).toBe(copies);
  });

  it('forget releases an allocated matrix; the view stays readable and a later use copies it', () => {
    const data = gaussianMatrix(55, 1500, 32);
    const view = allocated(kernels, data, 1500, 32);
    const knn = Array.from(kernels.knnDistances(view, 32, 1500, 0, 1500, 4));
    kernels.forget(view);
    expect(Array.from(view)).toEqual(Array.from(data));
    const copies = kernels.stats.copiedMatrices;
    expect(Array.from(kernels.knnDistances(view, 32, 1500, 0, 1500, 4))).toEqual(knn);
    expect(kernels.stats.copiedMatrices).toBe(copies + 1);
  });
});

it('a matrix larger than one block is a plain array, copied on first use, with the same results', async () => {
  const kernels = createFastKernels({ threads: 2, blockBytes: 300_000 });
  try {
    const rows = 2000;
    const dim = 48;
    expect(kernels.rowsPerBlock(dim)).toBeLessThan(rows);
    const data = clusteredMatrix(56, rows, dim, 12, 0.05);
    const view = allocated(kernels, data, rows, dim);
    expect(view.buffer).toBeInstanceOf(ArrayBuffer);
    expect(kernels.stats.allocatedMatrices).toBe(0);
    expect(trace(kernels, view, dim, rows, 20, true)).toEqual(trace(scalarKernels, data, dim, rows, 20, false));
    expect(kernels.stats.copiedMatrices).toBe(1);
  } finally {
    await kernels.close();
  }
});

it('the scalar kernels allocate a plain array and recompute their norms after matrixWritten', () => {
  const rows = 500;
  const dim = 20;
  const view = allocated(scalarKernels, gaussianMatrix(57, rows, dim), rows, dim);
  expect(view.buffer).toBeInstanceOf(ArrayBuffer);
  scalarKernels.knnDistances(view, dim, rows, 0, rows, 3);
  const second = clusteredMatrix(58, rows, dim, 5, 0.1);
  view.set(second);
  scalarKernels.matrixWritten(view);
  expect(Array.from(scalarKernels.knnDistances(view, dim, rows, 0, rows, 3))).toEqual(Array.from(scalarKernels.knnDistances(second, dim, rows, 0, rows, 3)));
  expect(trace(scalarKernels, view, dim, rows, 10, false)).toEqual(trace(scalarKernels, second.slice(), dim, rows, 10, false));
});
