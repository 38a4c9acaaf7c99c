/**
 * A matrix larger than one block of the kernels' memory, allocated in blocks (`allocateRows`): the
 * caller writes the rows straight into one view per block, the kernels read them there without any copy,
 * and k-center gives the scalar reference's picks, changed rows and distances bit for bit — float32 and
 * int8 scans, one and two threads, the state shared or not; rows rewritten are read again after
 * `matrixWritten`. A matrix that fits one block is still one Float32Array.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createFastKernels, type FastKernels } from '../../functions/kernels/fast.js';
import { rowCountOf, rowOf, scalarKernels, type Kernels, type MatrixRows, type RowBlocks } from '../../functions/kernels/index.js';
import { blockBytesFor, scratchPerThread } from '../../functions/kernels/ops/layout.js';
import { clusteredMatrix, gaussianMatrix } from './matrices.js';

const ROWS = 3001;
const DIM = 131;
/** Rows per block: 3001 rows span three blocks, the last one shorter. */
const PER_BLOCK = 1001;

/** The fewest block bytes that hold PER_BLOCK rows of DIM columns for kernels of `threads` and `precision`. */
function blockBytesOf(threads: number, precision: 'float32' | 'int8'): number {
  return blockBytesFor({ dim: DIM, kind: 'float32', threads, scratchPerThread: scratchPerThread(DIM), prune: precision === 'float32', codes: precision === 'int8' }, PER_BLOCK);
}

/** `data` split into arrays of `perBlock` rows (the last one the rest). */
function split(data: Float32Array, perBlock: number): RowBlocks {
  const views: Float32Array[] = [];
  for (let at = 0; at < data.length; at += perBlock * DIM) views.push(data.slice(at, at + perBlock * DIM));
  return { views, rowsPerBlock: perBlock };
}

const variants: { name: string; kernels: FastKernels }[] = [
  { name: 'float32, one thread', kernels: createFastKernels({ threads: 1, blockBytes: blockBytesOf(1, 'float32') }) },
  { name: 'float32, two threads', kernels: createFastKernels({ threads: 2, blockBytes: blockBytesOf(2, 'float32') }) },
  { name: 'int8, two threads', kernels: createFastKernels({ threads: 2, precision: 'int8', blockBytes: blockBytesOf(2, 'int8') }) },
];
afterAll(async () => {
  for (const v of variants) await v.kernels.close();
});

/** Farthest-first picks (every max, arg-max and changed row), the state from `sharedFloat64` when `shared`. */
function trace(kernels: Kernels, data: MatrixRows, dim: number, rows: number, picks: number, shared: boolean) {
  const active = Int32Array.from({ length: rows }, (_, i) => (i * 7919) % rows);
  let activeCount = rows;
  const minDistSq = ((shared ? kernels.sharedFloat64?.(rows, { data, dim }) : undefined) ?? new Float64Array(rows)).fill(Infinity);
  const changed = new Int32Array(rows);
  const steps: { max: number; argMax: number; changed: number[] }[] = [];
  let next = active[0]!;
  for (let p = 0; p < picks; p++) {
    const at = active.indexOf(next);
    active[at] = active[--activeCount]!;
    const r = kernels.kCenterUpdate(data, dim, rowOf(data, dim, next).slice(), active, activeCount, minDistSq, changed);
    // The changed rows as a set: the contract names no order (blocks updated one after another list theirs in turn).
    steps.push({ max: r.max, argMax: r.argMax, changed: Array.from(changed.subarray(0, r.changedCount)).sort((a, b) => a - b) });
    next = r.argMax;
  }
  return { steps, minDistSq: Array.from(minDistSq) };
}

/** `data` written row by row into blocks the kernels allocated. */
function allocatedRows(kernels: Kernels, data: Float32Array, rows: number, dim: number): MatrixRows {
  const allocated = kernels.allocateRows!(rows, dim);
  for (let r = 0; r < rows; r++) rowOf(allocated, dim, r).set(data.subarray(r * dim, (r + 1) * dim));
  return allocated;
}

/** Random rows with exact duplicates, some of them in another block than their twin. */
function withDuplicates(seed: number): Float32Array {
  const data = gaussianMatrix(seed, ROWS, DIM);
  for (const [from, to] of [[5, 17], [5, 2500], [1000, 1001], [1200, 2999], [40, 1900]] as const) data.copyWithin(to * DIM, from * DIM, (from + 1) * DIM);
  return data;
}

describe.each(variants)('$name', ({ kernels }) => {
  it('a matrix larger than one block is allocated as one view per block, and k-center on it copies nothing and picks as the reference does', () => {
    expect(kernels.rowsPerBlock(DIM)).toBe(PER_BLOCK);
    const data = withDuplicates(71);
    const reference = trace(scalarKernels, data, DIM, ROWS, 40, false);
    const before = { ...kernels.stats };
    const blocks = allocatedRows(kernels, data, ROWS, DIM) as RowBlocks;
    expect(blocks).not.toBeInstanceOf(Float32Array);
    expect(blocks.rowsPerBlock).toBe(PER_BLOCK);
    expect(blocks.views.map((view) => view.length / DIM)).toEqual([1001, 1001, 999]);
    for (const view of blocks.views) expect(view.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(new Set(blocks.views.map((view) => view.buffer)).size).toBe(3);
    expect(rowCountOf(blocks, DIM)).toBe(ROWS);
    expect(kernels.stats.allocatedMatrices - before.allocatedMatrices).toBe(1);

    // With the state handed out, each update is fused block by block; without, the general path.
    const fused = kernels.stats.fusedOps;
    expect(trace(kernels, blocks, DIM, ROWS, 40, true)).toEqual(reference);
    expect(kernels.stats.fusedOps - fused).toBe(40);
    expect(trace(kernels, blocks, DIM, ROWS, 40, false)).toEqual(reference);
    expect(kernels.stats.fusedOps - fused).toBe(40);
    // The blocks were read where they lie: no copy of the matrix, no new allocation.
    expect(kernels.stats.copiedMatrices - before.copiedMatrices).toBe(0);
    expect(kernels.stats.allocatedMatrices - before.allocatedMatrices).toBe(1);
    if (kernels.precision === 'int8') expect(kernels.stats.float32Rows - before.float32Rows).toBeLessThan((80 * ROWS) / 2);
  });

  it('rows rewritten in the blocks are read again after matrixWritten', () => {
    const first = clusteredMatrix(72, ROWS, DIM, 25, 0.05);
    const second = withDuplicates(73);
    const blocks = allocatedRows(kernels, first, ROWS, DIM);
    expect(trace(kernels, blocks, DIM, ROWS, 15, true)).toEqual(trace(scalarKernels, first, DIM, ROWS, 15, false));
    for (let r = 0; r < ROWS; r++) rowOf(blocks, DIM, r).set(second.subarray(r * DIM, (r + 1) * DIM));
    kernels.matrixWritten(blocks);
    const copies = kernels.stats.copiedMatrices;
    expect(trace(kernels, blocks, DIM, ROWS, 15, true)).toEqual(trace(scalarKernels, second, DIM, ROWS, 15, false));
    expect(kernels.stats.copiedMatrices).toBe(copies);
  });

  it('a matrix that fits one block is still one Float32Array view', () => {
    const view = kernels.allocateRows!(PER_BLOCK, DIM);
    expect(view).toBeInstanceOf(Float32Array);
    expect((view as Float32Array).buffer).toBeInstanceOf(SharedArrayBuffer);
  });
});

it('the scalar reference takes rows in blocks: the same picks as on one array', () => {
  const data = withDuplicates(74);
  const blocks = split(data, 1500);
  expect(blocks.views.length).toBe(3);
  expect(trace(scalarKernels, blocks, DIM, ROWS, 30, false)).toEqual(trace(scalarKernels, data, DIM, ROWS, 30, false));
});

it('row blocks from other kernels (another block size) are copied once, with the same picks', async () => {
  const kernels = createFastKernels({ threads: 2, blockBytes: blockBytesOf(2, 'float32') });
  try {
    const data = clusteredMatrix(75, ROWS, DIM, 20, 0.05);
    const blocks = split(data, 700);
    expect(trace(kernels, blocks, DIM, ROWS, 20, true)).toEqual(trace(scalarKernels, data, DIM, ROWS, 20, false));
    expect(kernels.stats.copiedMatrices).toBe(1);
  } finally {
    await kernels.close();
  }
});
