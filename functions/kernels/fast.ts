/**
 * The fast kernels: WebAssembly SIMD (wasm/simd.as) on every core (pool.ts), same results as
 * {@link scalarKernels}:
 * - k-center: bit-identical distances (float32 SIMD in the reference's order, `dot32`), so the
 *   same picks; it reads each row once per pick, so it runs at memory bandwidth;
 * - kNN / nearest query / nearest rows: float32 SIMD keeps a few more candidates than asked, which are
 *   re-ranked with the reference's float64 arithmetic — the same values whenever the neighbour sets are
 *   the same (they can differ only between candidates at equal distance up to float32 rounding).
 *
 * A matrix is copied once into WebAssembly memory (kept per Float32Array, released when it is collected)
 * in blocks of rows, each block one memory of at most 4 GiB — unless it was allocated there
 * (`allocateMatrix`: a view of a block's memory, which the kernels read without a copy; `allocateRows`:
 * one such view per block for a matrix larger than one). `precision: 'int8'`
 * adds int8 codes of the rows (a scale per row), which the k-center scan reads first — a quarter of the
 * bytes, the same picks.
 */
import { availableParallelism } from 'node:os';
import { KernelOptionError } from './errors.js';
import { KCenter } from './fast/kcenter.js';
import { Matrices } from './fast/matrices.js';
import { kernelModuleVariant } from './fast/module.js';
import { Neighbours } from './fast/neighbours.js';
import { FastRuntime, type FastStats } from './fast/runtime.js';
import type { Kernels, MatrixRows } from './index.js';
import { MAX_BLOCK_BYTES, MAX_MEMORY_BYTES } from './ops/layout.js';
import { makeOp } from './ops/types.js';
import { KernelPool } from './pool.js';

export { kernelModule, kernelModuleVariant } from './fast/module.js';

export interface FastKernelOptions {
  /** Threads including the main one; default `os.availableParallelism()`. */
  readonly threads?: number;
  /** Largest WebAssembly memory per block of rows, bytes; default (and at most) a page under 4 GiB. */
  readonly blockBytes?: number;
  /**
   * What the k-center scan reads: float32 rows (the default), or int8 codes of them first (a scale per
   * row), the float32 row only where the codes cannot rule out that it gets closer — the same results.
   */
  readonly precision?: 'float32' | 'int8';
  /**
   * Skip rows in the fused k-center update whose projection onto 16 principal directions shows they
   * cannot get closer (the results are the same either way, see wasm/simd.as). Default: with float32
   * precision only. The int8 codes are a cheaper first test than the projection: with them the bound
   * made 1,000 picks slower both on Gaussian rows (1M × 128: 0.87 s to project, and it never skips) and
   * on clustered ones (150k × 128, 32 clusters: 1.28 ms a pick with it, 1.04 without, though it skipped
   * 94 % of the rows).
   */
  readonly prune?: boolean;
}

export interface FastKernels extends Kernels {
  readonly threads: number;
  readonly precision: 'float32' | 'int8';
  /** Whether the neighbour filter runs the relaxed-SIMD variant (fused multiply-add). */
  readonly relaxedSimd: boolean;
  /**
   * Ops that ran on the worker threads (the rest ran on the calling thread alone); fused k-center updates;
   * kNN calls that computed each pair once; rows whose neighbours the float32 filter could not vouch for,
   * computed over every candidate instead; neighbour calls whose K is too large for the kernels' scratch,
   * computed by the reference.
   */
  readonly stats: FastStats;
  /** Times the worker threads were replaced to free the memories of released matrices (pool.ts). */
  readonly workerRecycles: number;
  /** Rows per WebAssembly memory for a matrix of `dim` columns. */
  rowsPerBlock(dim: number): number;
  /** Reads the matrix once on every thread; returns the seconds it took (for the bandwidth figure). */
  readAll(data: Float32Array, dim: number): number;
  /**
   * Frees the copy of `data` in WebAssembly memory now, instead of when `data` is collected (a caller that
   * is done with a matrix but keeps the array). A later call with `data` copies it again.
   */
  forget(data: MatrixRows): void;
  /** Frees the worker threads early (they never keep the process alive anyway). */
  close(): Promise<void>;
}

/** The parts of the fast kernels (fast/): the threads, the matrices in WebAssembly memory, and each kernel family. */
export function createFastKernels(options: FastKernelOptions = {}): FastKernels {
  const variant = kernelModuleVariant();
  if (!variant) throw new KernelOptionError('runtime', 'WebAssembly SIMD with shared memory is not available');
  const threads = options.threads ?? availableParallelism();
  if (!Number.isInteger(threads) || threads < 1) throw new KernelOptionError('threads', `must be a positive integer, got ${threads}`);
  const asked = options.blockBytes ?? MAX_BLOCK_BYTES;
  if (!(asked > 0 && asked <= MAX_MEMORY_BYTES)) throw new KernelOptionError('blockBytes', `must be in (0, 4 GiB], got ${asked}`);
  // A page under 4 GiB at most: a memory of 4 GiB cannot reach the worker threads (ops/layout.ts).
  const blockBytes = Math.min(asked, MAX_BLOCK_BYTES);
  const precision = options.precision ?? 'float32';
  const prune = options.prune ?? precision === 'float32';
  const pool = new KernelPool(variant.module, threads);
  const runtime = new FastRuntime(variant.module, pool, threads);
  const matrices = new Matrices(runtime, { blockBytes, prune, codes: precision === 'int8' });
  const kcenter = new KCenter(runtime, matrices, { precision, prune });
  const neighbours = new Neighbours(runtime, matrices);
  return {
    threads,
    precision,
    relaxedSimd: variant.relaxed,
    stats: runtime.stats,
    get workerRecycles() {
      return pool.recycles;
    },
    rowsPerBlock: (dim) => matrices.rowsPerBlock(dim, 'float32'),
    sharedFloat64: (length, matrix) => kcenter.stateArray(length, matrix),
    kCenterUpdate: (data, dim, center, active, activeCount, minDistSq, changed, prefiltered) => kcenter.update(data, dim, center, active, activeCount, minDistSq, changed, prefiltered),
    knnDistances: (data, dim, rows, start, end, k, candidates) => neighbours.knnDistances(data, dim, rows, start, end, k, candidates),
    nearestDistances: (data, dim, start, end, queries, queryRows) => neighbours.nearestDistances(data, dim, start, end, queries, queryRows),
    nearestRows: (data, dim, start, end, candidates, candidateRows, m) => neighbours.nearestRows(data, dim, start, end, candidates, candidateRows, m),
    allocateMatrix: (rows, dim) => matrices.allocate(rows, dim),
    allocateRows: (rows, dim) => matrices.allocateRows(rows, dim),
    matrixWritten: (data) => matrices.written(data),
    readAll(data, dim) {
      const ctx = matrices.contextFor(data, dim, data.length / dim, 'float32');
      const rows = ctx.blocks[0]!.rows;
      const step = 16_384;
      const result = new Float64Array(new SharedArrayBuffer(Math.ceil(rows / step) * 8));
      const started = performance.now();
      pool.run(makeOp('read', { from: 0, to: rows, step, parallel: threads > 1 }, { ctx: ctx.id, result }));
      return (performance.now() - started) / 1000;
    },
    forget: (data) => matrices.forget(data),
    close: () => pool.close(),
  };
}
