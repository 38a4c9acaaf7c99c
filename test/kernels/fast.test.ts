/**
 * The fast kernels (WebAssembly SIMD, worker threads, blocks of rows) against the scalar reference:
 * k-center bit-identical, neighbour distances equal, on random and clustered data, on one thread and on
 * workers, in one block and split across blocks, at sizes that are multiples of nothing. The suite runs
 * this file twice (vitest.config.ts): on the plain kernels and on the relaxed-SIMD variant.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createFastKernels, kernelModule, type FastKernels } from '../../functions/kernels/fast.js';
import { scalarKernels, type Kernels } from '../../functions/kernels/index.js';
import { MAX_BLOCK_BYTES, MAX_MEMORY_BYTES, PAGE, placeBlock, rowsPerBlock, scratchPerThread } from '../../functions/kernels/ops/layout.js';
import { clusteredMatrix, gaussianMatrix } from './matrices.js';

const run = promisify(execFile);

/** One thread; workers (2 threads); workers over blocks of a few hundred rows. */
const variants: { name: string; kernels: FastKernels }[] = [
  { name: 'one thread', kernels: createFastKernels({ threads: 1 }) },
  { name: 'two threads', kernels: createFastKernels({ threads: 2 }) },
  { name: 'two threads, split into blocks', kernels: createFastKernels({ threads: 2, blockBytes: 360_000 }) },
];
afterAll(async () => {
  for (const v of variants) await v.kernels.close();
});

const datasets = [
  { name: 'random', rows: 3001, dim: 131, data: () => withDuplicates(gaussianMatrix(11, 3001, 131), 131) },
  { name: 'clustered', rows: 2503, dim: 128, data: () => withDuplicates(clusteredMatrix(12, 2503, 128, 25, 0.05), 128) },
  { name: 'narrow', rows: 9001, dim: 3, data: () => gaussianMatrix(13, 9001, 3) },
  // 23 = 16 + 4 + 3 columns: every part of the float32 k-center summation order.
  { name: 'odd width', rows: 4001, dim: 23, data: () => withDuplicates(gaussianMatrix(14, 4001, 23), 23) },
];

/** Exact copies of rows, so zero distances and tied maxima occur. */
function withDuplicates(data: Float32Array, dim: number): Float32Array {
  data.copyWithin(30 * dim, 70 * dim, 71 * dim);
  data.copyWithin(1000 * dim, 5 * dim, 6 * dim);
  return data;
}

/** The value of `make`, computed on first use only (references shared by the variants' tests). */
function once<T>(make: () => T): () => T {
  let value: { v: T } | undefined;
  return () => (value ??= { v: make() }).v;
}

/** Farthest-first picks with every intermediate result, from an active list in no particular order. */
function trace(kernels: Kernels, data: Float32Array, dim: number, rows: number, picks: number, beside = false, state?: Float64Array) {
  const active = Int32Array.from({ length: rows }, (_, i) => (i * 7919) % rows).filter((u) => u % 13 !== 5);
  let activeCount = active.length;
  // `beside`: the state placed next to the kernels' copy of the matrix (the fused update) when they can.
  const minDistSq = (state ?? kernels.sharedFloat64?.(rows, beside ? { data, dim } : undefined) ?? new Float64Array(rows)).fill(Infinity);
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

it('WebAssembly SIMD with shared memory is available on this runtime', () => {
  expect(kernelModule()).not.toBeNull();
});

it('the kernels run the variant this test project asks for: relaxed SIMD (fused multiply-add in the neighbour filter) or plain', () => {
  expect(process.env.WINNOW_RELAXED_SIMD).toMatch(/^(on|off)$/);
  for (const v of variants) expect(v.kernels.relaxedSimd).toBe(process.env.WINNOW_RELAXED_SIMD === 'on');
});

it('the small block size really splits the matrices', () => {
  const split = variants[2]!.kernels;
  for (const d of datasets) expect(split.rowsPerBlock(d.dim)).toBeLessThan(d.rows);
  expect(split.rowsPerBlock(128)).toBeGreaterThan(100);
});

describe.each(datasets)('$name data ($rows × $dim)', ({ rows, dim, data: make }) => {
  const data = make();
  const reference = trace(scalarKernels, data, dim, rows, 25);
  const knnReference = scalarKernels.knnDistances(data, dim, rows, 17, 1203, 7);
  const queries = gaussianMatrix(21, 9, dim);
  const nearestReference = scalarKernels.nearestDistances(data, dim, 3, rows - 2, queries, 9);

  it.each(variants)('k-center: the same distances, changed rows, maxima and picks, bit for bit ($name)', ({ kernels }) => {
    const fast = trace(kernels, data, dim, rows, 25);
    expect(fast.steps).toEqual(reference.steps);
    expect(fast.minDistSq).toEqual(reference.minDistSq);
  });

  it.each(variants)('k-center with its state beside the matrix (fused update): the same, bit for bit ($name)', ({ kernels }) => {
    const before = kernels.stats.fusedOps;
    const fast = trace(kernels, data, dim, rows, 25, true);
    expect(fast.steps).toEqual(reference.steps);
    expect(fast.minDistSq).toEqual(reference.minDistSq);
    // Fused in one block and block by block alike.
    expect(kernels.stats.fusedOps - before).toBe(25);
  });

  it.each(variants)('kNN of a shard among all rows: the same neighbour distances ($name)', ({ kernels }) => {
    const before = kernels.stats.symmetricOps;
    expect(Array.from(kernels.knnDistances(data, dim, rows, 17, 1203, 7))).toEqual(Array.from(knnReference));
    // One block: the shard's own pairs once each; split into blocks: one direction at a time.
    expect(kernels.stats.symmetricOps - before).toBe(kernels.rowsPerBlock(dim) >= rows ? 1 : 0);
  });

  // More neighbours over fewer rows than the whole: the candidate lists outgrow the room of the first call.
  const within = { start: 100, end: 1300 };
  const allReference = once(() => Array.from(scalarKernels.knnDistances(data, dim, rows, 0, rows, 7)));
  const withinReference = once(() => Array.from(scalarKernels.knnDistances(data, dim, rows, within.start, within.end, 30, within)));

  it.each(variants)('kNN of every row among all rows, and within a range, each pair computed once: the same distances ($name)', ({ kernels }) => {
    const before = kernels.stats.symmetricOps;
    expect(Array.from(kernels.knnDistances(data, dim, rows, 0, rows, 7))).toEqual(allReference());
    expect(Array.from(kernels.knnDistances(data, dim, rows, within.start, within.end, 30, within))).toEqual(withinReference());
    // One block: symmetric; split into blocks: one direction at a time, same results.
    expect(kernels.stats.symmetricOps - before).toBe(kernels.rowsPerBlock(dim) >= rows ? 2 : 0);
  });

  it.each(variants)('nearest query: the same distances ($name)', ({ kernels }) => {
    expect(Array.from(kernels.nearestDistances(data, dim, 3, rows - 2, queries, 9))).toEqual(Array.from(nearestReference));
  });
});

describe('the projection bound of the fused k-center update', () => {
  const rows = 6007;
  const dim = 64;
  const data = clusteredMatrix(41, rows, dim, 40, 0.05);
  const picks = 150;
  const reference = trace(scalarKernels, data, dim, rows, picks);

  it.each([1, 2])('skips rows on clustered data and changes nothing: same steps and distances, bit for bit (%i threads)', async (threads) => {
    const kernels = createFastKernels({ threads });
    const fast = trace(kernels, data, dim, rows, picks, true);
    expect(kernels.stats.fusedOps).toBe(picks);
    expect(kernels.stats.boundedOps).toBeGreaterThan(0);
    // Most of the scan is skipped once the clusters have picks.
    expect(kernels.stats.skippedRows).toBeGreaterThan(kernels.stats.boundedOps * rows * 0.5);
    expect(fast.steps).toEqual(reference.steps);
    expect(fast.minDistSq).toEqual(reference.minDistSq);
    await kernels.close();
  });

  it('without pruning the same again, and nothing skipped', async () => {
    const kernels = createFastKernels({ threads: 2, prune: false });
    const fast = trace(kernels, data, dim, rows, picks, true);
    expect(kernels.stats.skippedRows).toBe(0);
    expect(fast.steps).toEqual(reference.steps);
    await kernels.close();
  });
});

it.each(variants)('k-center beside a matrix whose memory symmetric kNN has grown: still fused, the same picks ($name)', ({ kernels }) => {
  const rows = 1501;
  const dim = 64;
  const data = gaussianMatrix(41, rows, dim);
  // The state is handed out first, as DIVERSITY does, and the kNN grows the memory under it.
  const state = kernels.sharedFloat64!(rows, { data, dim });
  expect(Array.from(kernels.knnDistances(data, dim, rows, 0, rows, 5))).toEqual(Array.from(scalarKernels.knnDistances(data, dim, rows, 0, rows, 5)));
  const before = kernels.stats.fusedOps;
  const fast = trace(kernels, data, dim, rows, 12, true, state);
  expect(fast).toEqual(trace(scalarKernels, data, dim, rows, 12));
  expect(kernels.stats.fusedOps - before).toBe(12);
});

it('matrices forgotten free their memory: past 256 MB the workers are replaced, and the live matrices work on the new ones', async () => {
  const kernels = createFastKernels({ threads: 2 });
  try {
    const kept = gaussianMatrix(42, 3000, 16);
    const keptReference = Array.from(scalarKernels.knnDistances(kept, 16, 3000, 0, 3000, 5));
    expect(Array.from(kernels.knnDistances(kept, 16, 3000, 0, 3000, 5))).toEqual(keptReference);
    // A matrix with k-center state beside its rows (the main thread's record of it holds a WeakRef to the
    // state, which cannot be sent to a thread) lives through the replacement too.
    const diverse = gaussianMatrix(44, 4000, 16);
    const state = kernels.sharedFloat64!(4000, { data: diverse, dim: 16 }).fill(Infinity);
    const referenceState = new Float64Array(4000).fill(Infinity);
    const everyRow = Int32Array.from({ length: 4000 }, (_, r) => r);
    const kCenterStep = (center: number) => {
      const fast = kernels.kCenterUpdate(diverse, 16, diverse.subarray(center * 16, center * 16 + 16), everyRow, 4000, state, new Int32Array(4000));
      const reference = scalarKernels.kCenterUpdate(diverse, 16, diverse.subarray(center * 16, center * 16 + 16), everyRow, 4000, referenceState, new Int32Array(4000));
      expect(fast.max).toBe(reference.max);
      expect(fast.argMax).toBe(reference.argMax);
      return fast.argMax;
    };
    const next = kCenterStep(kCenterStep(0));
    // Each of these holds 32 MB of rows and norms, plus the kNN lists.
    for (let i = 0; kernels.workerRecycles === 0 && i < 40; i++) {
      const data = gaussianMatrix(43 + i, 200_000, 32);
      kernels.knnDistances(data, 32, 200_000, 0, 300, 3);
      kernels.forget(data);
    }
    expect(kernels.workerRecycles).toBe(1);
    expect(kernels.stats.parallelOps).toBeGreaterThan(10);
    const before = kernels.stats.parallelOps;
    expect(Array.from(kernels.knnDistances(kept, 16, 3000, 0, 3000, 5))).toEqual(keptReference);
    const fresh = gaussianMatrix(99, 2000, 16);
    expect(Array.from(kernels.knnDistances(fresh, 16, 2000, 0, 2000, 4))).toEqual(Array.from(scalarKernels.knnDistances(fresh, 16, 2000, 0, 2000, 4)));
    expect(kernels.stats.parallelOps - before).toBe(4);
    kCenterStep(kCenterStep(next));
    expect(Array.from(state)).toEqual(Array.from(referenceState));
  } finally {
    await kernels.close();
  }
});

it('the two-thread variants really ran ops on their workers', () => {
  expect(variants[0]!.kernels.stats.parallelOps).toBe(0);
  expect(variants[1]!.kernels.stats.parallelOps).toBeGreaterThan(50);
  expect(variants[2]!.kernels.stats.parallelOps).toBeGreaterThan(50);
});

describe('edge cases', () => {
  const dim = 5;
  const data = gaussianMatrix(31, 41, dim);
  it.each(variants)('kNN with more neighbours asked than rows, and within a candidate range ($name)', ({ kernels }) => {
    expect(Array.from(kernels.knnDistances(data, dim, 41, 0, 41, 45))).toEqual(Array.from(scalarKernels.knnDistances(data, dim, 41, 0, 41, 45)));
    const within = { start: 10, end: 30 };
    const fast = kernels.knnDistances(data, dim, 41, 12, 25, 6, within);
    expect(Array.from(fast)).toEqual(Array.from(scalarKernels.knnDistances(data, dim, 41, 12, 25, 6, within)));
    // Only rows of the range count: 19 others at most.
    expect(Array.from(kernels.knnDistances(data, dim, 41, 12, 13, 21, within)).slice(19).every(Number.isNaN)).toBe(true);
  });

  it.each(variants)('nearest rows: the same rows in the same order, and their distances ($name)', ({ kernels }) => {
    const candidates = gaussianMatrix(32, 11, dim);
    const fast = kernels.nearestRows(data, dim, 2, 39, candidates, 11, 3);
    const slow = scalarKernels.nearestRows(data, dim, 2, 39, candidates, 11, 3);
    expect(Array.from(fast.ids)).toEqual(Array.from(slow.ids));
    expect(Array.from(fast.distances)).toEqual(Array.from(slow.distances));
    expect(Array.from(kernels.nearestRows(data, dim, 0, 2, candidates, 2, 3).ids)).toEqual(Array.from(scalarKernels.nearestRows(data, dim, 0, 2, candidates, 2, 3).ids));
  });

  it.each(variants)('rows far from the origin, distances below float32 resolution of the norms: still the reference, by computing such rows over every candidate ($name)', ({ kernels }) => {
    const rows = 1500;
    const far = gaussianMatrix(33, rows, 2).map((v) => 1000 + v * 1e-3);
    const queries = gaussianMatrix(34, 7, 2).map((v) => 1000 + v * 1e-3);
    const before = kernels.stats.exactRows;
    expect(Array.from(kernels.knnDistances(far, 2, rows, 0, rows, 6))).toEqual(Array.from(scalarKernels.knnDistances(far, 2, rows, 0, rows, 6)));
    expect(Array.from(kernels.knnDistances(far, 2, rows, 100, 700, 6, { start: 50, end: 900 }))).toEqual(Array.from(scalarKernels.knnDistances(far, 2, rows, 100, 700, 6, { start: 50, end: 900 })));
    expect(Array.from(kernels.nearestDistances(far, 2, 0, rows, queries, 7))).toEqual(Array.from(scalarKernels.nearestDistances(far, 2, 0, rows, queries, 7)));
    const fast = kernels.nearestRows(far, 2, 0, rows, queries, 7, 3);
    const slow = scalarKernels.nearestRows(far, 2, 0, rows, queries, 7, 3);
    expect(Array.from(fast.ids)).toEqual(Array.from(slow.ids));
    expect(Array.from(fast.distances)).toEqual(Array.from(slow.distances));
    expect(kernels.stats.exactRows - before).toBeGreaterThan(100);
  });

  it.each(variants)('a burst of near-duplicates (a static scene): ties within the filter\'s rounding are accepted, not computed row by row ($name)', ({ kernels }) => {
    const rows = 1500;
    const dim = 64;
    const burst = gaussianMatrix(36, rows, dim);
    const noise = gaussianMatrix(37, 40, dim);
    for (let i = 0; i < 40; i++) for (let d = 0; d < dim; d++) burst[(100 + i) * dim + d] = burst[100 * dim + d]! + 1e-4 * noise[i * dim + d]!;
    const before = kernels.stats.exactRows;
    const fast = kernels.knnDistances(burst, dim, rows, 0, rows, 6);
    const slow = scalarKernels.knnDistances(burst, dim, rows, 0, rows, 6);
    expect(kernels.stats.exactRows - before).toBe(0);
    // Outside the burst, the reference's values; inside, squared distances within 2E (README).
    let maxNormSq = 0;
    for (let r = 0; r < rows; r++) maxNormSq = Math.max(maxNormSq, burst.subarray(r * dim, (r + 1) * dim).reduce((sum, v) => sum + v * v, 0));
    const twoE = 2 * 1.01 * (dim + 2) * 2 ** -24 * 3 * maxNormSq;
    for (let r = 0; r < rows; r++) {
      const a = Array.from(fast.subarray(r * 6, r * 6 + 6));
      const b = Array.from(slow.subarray(r * 6, r * 6 + 6));
      if (r < 100 || r >= 140) expect(a).toEqual(b);
      else a.forEach((v, c) => expect(Math.abs(v * v - b[c]! * b[c]!)).toBeLessThanOrEqual(twoE));
    }
  });

  it.each(variants)('a K too large for the kernels\' scratch is computed by the reference, and nothing beside the rows is overwritten ($name)', ({ kernels }) => {
    const rows = 1700;
    const wide = gaussianMatrix(35, rows, 2);
    const state = kernels.sharedFloat64!(rows, { data: wide, dim: 2 }).fill(Infinity);
    const before = kernels.stats.referenceCalls;
    for (const [start, end, k, within] of [[0, 40, 1600, undefined], [3, 43, 1600, { start: 1, end: rows }], [0, 40, 1200, undefined]] as const) {
      expect(Array.from(kernels.knnDistances(wide, 2, rows, start, end, k, within))).toEqual(Array.from(scalarKernels.knnDistances(wide, 2, rows, start, end, k, within)));
    }
    const big = kernels.nearestRows(wide, 2, 0, 30, wide, rows, 1600);
    expect(Array.from(big.ids)).toEqual(Array.from(scalarKernels.nearestRows(wide, 2, 0, 30, wide, rows, 1600).ids));
    // K = 1,600 at 2 columns does not fit; K = 1,200 does.
    expect(kernels.stats.referenceCalls - before).toBe(3);
    expect(state.every((v) => v === Infinity)).toBe(true);
  });

  it.each(variants)('no queries, no rows, no active units ($name)', ({ kernels }) => {
    expect(Array.from(kernels.nearestDistances(data, dim, 0, 3, new Float32Array(0), 0))).toEqual([Infinity, Infinity, Infinity]);
    expect(kernels.knnDistances(data, dim, 41, 5, 5, 3).length).toBe(0);
    expect(kernels.kCenterUpdate(data, dim, data.subarray(0, dim), new Int32Array(0), 0, new Float64Array(41), new Int32Array(41))).toEqual({ max: 0, argMax: -1, changedCount: 0 });
  });

  it('a plain (unshared) minDistSq works too, on one thread', () => {
    const kernels = variants[1]!.kernels;
    const rows = 3001;
    const big = gaussianMatrix(33, rows, 128);
    const active = Int32Array.from({ length: rows }, (_, i) => i);
    const plain = new Float64Array(rows).fill(Infinity);
    const expected = new Float64Array(rows).fill(Infinity);
    const changed = new Int32Array(rows);
    const a = kernels.kCenterUpdate(big, 128, big.slice(0, 128), active, rows, plain, changed);
    const b = scalarKernels.kCenterUpdate(big, 128, big.slice(0, 128), active, rows, expected, changed);
    expect(a).toEqual(b);
    expect(Array.from(plain)).toEqual(Array.from(expected));
  });
});

it('a block stays a page under 4 GiB however large a size is asked: a 4 GiB memory cannot reach the worker threads', async () => {
  const kernels = createFastKernels({ threads: 2, precision: 'int8', blockBytes: MAX_MEMORY_BYTES });
  const shape = { dim: 128, kind: 'float32' as const, threads: 2, scratchPerThread: scratchPerThread(128), prune: false, codes: true };
  expect(kernels.rowsPerBlock(128)).toBe(rowsPerBlock(shape, MAX_BLOCK_BYTES));
  expect(kernels.rowsPerBlock(128)).toBeLessThan(rowsPerBlock(shape, MAX_MEMORY_BYTES));
  expect(Math.ceil(placeBlock(shape, kernels.rowsPerBlock(128)).end / PAGE)).toBeLessThan(MAX_MEMORY_BYTES / PAGE);
  expect(createFastKernels({ threads: 1 }).rowsPerBlock(128)).toBe(rowsPerBlock({ ...shape, threads: 1, prune: true, codes: false }, MAX_BLOCK_BYTES));
  await kernels.close();
});

it('worker threads do not keep a process alive', async () => {
  const script = [
    "import { createFastKernels } from './functions/kernels/fast.ts';",
    "import { gaussianMatrix } from './test/kernels/matrices.ts';",
    'const k = createFastKernels({ threads: 2 });',
    'const d = gaussianMatrix(1, 4000, 128);',
    'const out = k.knnDistances(d, 128, 4000, 0, 4000, 3);',
    'console.log(out.length);',
  ].join('\n');
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { timeout: 50_000 });
  expect(stdout.trim()).toBe('12000');
});
