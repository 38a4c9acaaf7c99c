/**
 * kNN, nearest query and nearest rows on the fast kernels: a float32 SIMD filter keeps a few more
 * candidates than asked, re-ranked with the reference's float64 arithmetic (ops/neighbours.ts). When the
 * query rows are among the candidates and the matrix is one block, kNN computes each pair once
 * (ops/symmetricKnn.ts) in candidate lists appended to the block's memory.
 */
import { scalarKernels, type NearestRows, type RowRange } from '../index.js';
import { align, MARGIN, MAX_BLOCK_BYTES, PAGE, symmetricArea, TILE, tileRowsFitting } from '../ops/layout.js';
import { makeOp } from '../ops/types.js';
import type { WasmMemory } from '../wasm/api.js';
import type { Matrices, MatrixContext } from './matrices.js';
import { sharedFloat32, sharedInt32, type FastRuntime } from './runtime.js';

/**
 * Rows per unit of symmetric kNN: 512 rows of D = 128 (256 KiB) stay in L2 while the rows after them stream
 * past; measured 5–15 % faster than 128 at N = 50k–100k, as every row's candidate list is visited a quarter
 * as often.
 */
const SYMMETRIC_TILE = 512;
/** The most memory symmetric kNN adds for its per-thread candidate lists; past it, one direction at a time. */
const SYMMETRIC_MAX_BYTES = 1 << 30;

/** One neighbour computation: query rows [start, end) of `data` against the candidates. */
interface NeighbourQuery {
  readonly mode: 'knn' | 'nearest' | 'ids';
  readonly data: Float32Array;
  readonly dim: number;
  readonly rows: number;
  readonly start: number;
  readonly end: number;
  /** The candidates' matrix and rows (kNN: `data` itself). */
  readonly candidates: Float32Array;
  readonly candidateRows: number;
  /** Outputs per row; of which the first `kk` are computed (kNN: fewer when there are fewer other rows). */
  readonly k: number;
  readonly kk: number;
  /** Candidates the float32 filter keeps per row. */
  readonly m: number;
  readonly candidateRange?: RowRange;
}

export class Neighbours {
  constructor(
    private readonly runtime: FastRuntime,
    private readonly matrices: Matrices,
  ) {}

  knnDistances(data: Float32Array, dim: number, rows: number, start: number, end: number, k: number, candidates?: RowRange): Float32Array {
    const candidateCount = (candidates?.end ?? rows) - (candidates?.start ?? 0);
    const kk = Math.min(k, Math.max(0, candidateCount - 1));
    if (kk === 0 || end <= start) return new Float32Array((end - start) * k).fill(NaN);
    const m = Math.min(kk + MARGIN, candidateCount);
    if (!this.listsFit(dim, m)) return this.reference(() => scalarKernels.knnDistances(data, dim, rows, start, end, k, candidates));
    return this.run({ mode: 'knn', data, dim, rows, start, end, candidates: data, candidateRows: rows, k, kk, m, candidateRange: candidates }).out;
  }

  nearestDistances(data: Float32Array, dim: number, start: number, end: number, queries: Float32Array, queryRows: number): Float32Array {
    if (queryRows === 0 || end <= start) return new Float32Array(Math.max(0, end - start)).fill(Infinity);
    const m = Math.min(1 + MARGIN, queryRows);
    if (!this.listsFit(dim, m)) return this.reference(() => scalarKernels.nearestDistances(data, dim, start, end, queries, queryRows));
    return this.run({ mode: 'nearest', data, dim, rows: data.length / dim, start, end, candidates: queries, candidateRows: queryRows, k: 1, kk: 1, m }).out;
  }

  nearestRows(data: Float32Array, dim: number, start: number, end: number, candidates: Float32Array, candidateRows: number, m: number): NearestRows {
    if (candidateRows === 0 || end <= start || m === 0) {
      return { ids: new Int32Array(Math.max(0, end - start) * m).fill(-1), distances: new Float32Array(Math.max(0, end - start) * m).fill(NaN) };
    }
    const kept = Math.min(m + MARGIN, candidateRows);
    if (!this.listsFit(dim, kept)) return this.reference(() => scalarKernels.nearestRows(data, dim, start, end, candidates, candidateRows, m));
    const { out, ids } = this.run({ mode: 'ids', data, dim, rows: data.length / dim, start, end, candidates, candidateRows, k: m, kk: m, m: kept });
    return { ids: ids!, distances: out };
  }

  private run(query: NeighbourQuery): { out: Float32Array; ids: Int32Array | undefined } {
    const { mode, dim, start, end, k, kk, m } = query;
    const { runtime, matrices } = this;
    const threads = runtime.threads;
    const count = end - start;
    const q = matrices.contextFor(query.data, dim, query.rows, 'float32');
    const c = mode === 'knn' ? q : matrices.contextFor(query.candidates, dim, query.candidateRows, 'float32');
    const cFrom = query.candidateRange?.start ?? 0;
    const cTo = query.candidateRange?.end ?? c.rows;
    const parallel = runtime.worthThreads(count * (cTo - cFrom) * dim);
    const width = mode === 'nearest' ? 1 : k;
    const out = parallel ? sharedFloat32(count * width) : new Float32Array(count * width);
    const ids = mode === 'ids' ? (parallel ? sharedInt32(count * width) : new Int32Array(count * width)) : undefined;
    // Smaller tiles when there are few query rows, so that every thread gets some (a cluster of
    // approximate typicality is often a single tile's worth).
    const perThread = parallel ? Math.ceil(count / (threads * 2)) : count;
    // At least 1: listsFit.
    const tile = Math.min(TILE, Math.max(16, perThread), this.tileRows(dim, m));
    // Rows whose filter survivors could not be vouched for, computed over every candidate (ops/neighbours.ts, rerank).
    const fallbacks = parallel ? sharedInt32(1) : new Int32Array(1);
    const fields = { mode, q: q.id, c: c.id, cFrom, cTo, k, kk, m, out, ids, outBase: start, ...candidateScale(c, cFrom, cTo), fallbacks };
    const areas = parallel ? threads : 1;
    const area = mode === 'knn' && cFrom <= start && end <= cTo ? this.symmetricLists(q, areas, count, m) : undefined;
    if (area) {
      runtime.stats.symmetricOps++;
      // Units of unequal work (a tile against every row after it), largest first: several per thread.
      const pairsTile = Math.max(16, Math.min(SYMMETRIC_TILE, Math.ceil(count / (threads * 4))));
      runtime.run(makeOp('knnPairs', { from: start, to: end, step: pairsTile, parallel }, { ...fields, areas, ...area }));
      runtime.run(makeOp('knnMerge', { from: start, to: end, step: tile, parallel }, { ...fields, areas, ...area }));
    } else {
      runtime.run(makeOp('neighbours', { from: start, to: end, step: tile, parallel }, fields));
    }
    runtime.stats.exactRows += fallbacks[0]!;
    return { out: parallel ? out.slice() : out, ids: ids && parallel ? ids.slice() : ids };
  }

  /** Query rows of a neighbour tile keeping `m` candidates that fit a thread's scratch (ops/layout.ts). */
  private tileRows(dim: number, m: number): number {
    return tileRowsFitting(this.matrices.shape(dim, 'float32').scratchPerThread, dim, m);
  }

  /** Whether a tile of one row fits: a K in the thousands at a small dimension does not, and the reference computes such a call. */
  private listsFit(dim: number, m: number): boolean {
    return this.tileRows(dim, m) >= 1;
  }

  private reference<T>(compute: () => T): T {
    this.runtime.stats.referenceCalls++;
    return compute();
  }

  /**
   * Room for symmetric kNN's candidate lists — `areas` of them, filled empty — at the end of the
   * context's one block, grown for it (and kept for the next call); undefined when the context has several
   * blocks or the memory cannot hold them, and the kNN then runs one direction at a time.
   */
  private symmetricLists(ctx: MatrixContext, areas: number, rows: number, m: number): { area: number; areaBytes: number } | undefined {
    const b = ctx.blocks[0]!;
    const areaBytes = symmetricArea(0, rows, m).bytes;
    if (ctx.blocks.length !== 1 || areas * areaBytes > SYMMETRIC_MAX_BYTES) return undefined;
    const memory = b.memory as WasmMemory & { grow(pages: number): number };
    const area = ctx.symmetric ?? align(memory.buffer.byteLength, PAGE);
    const needed = area + areas * areaBytes;
    if (needed > MAX_BLOCK_BYTES) return undefined;
    if (needed > memory.buffer.byteLength) {
      try {
        memory.grow(Math.ceil((needed - memory.buffer.byteLength) / PAGE));
      } catch {
        return undefined; // the address space or the process's memory refused: one direction at a time
      }
    }
    ctx.symmetric = area;
    for (let t = 0; t < areas; t++) {
      const lists = symmetricArea(area + t * areaBytes, rows, m);
      this.runtime.pool.ops.emptyArea(memory, lists.lists, lists.ceil, rows, m);
    }
    return { area, areaBytes };
  }
}

/**
 * The scales against which the neighbour filter's rounding is judged (ops/neighbours.ts, rerank), over
 * candidate rows [from, to): the largest norm (every row: it bounds the rounding), and the mean squared
 * distance from the centroid (from up to 4,096 rows evenly spaced).
 */
function candidateScale(ctx: MatrixContext, from: number, to: number): { maxNorm: number; spread: number } {
  const dim = ctx.dim;
  const step = Math.max(1, Math.floor((to - from) / 4096));
  const centroid = new Float64Array(dim);
  let maxSq = 0;
  let sampledSq = 0;
  let sampled = 0;
  for (const b of ctx.blocks) {
    const lo = Math.max(from, b.rowStart);
    const hi = Math.min(to, b.rowStart + b.rows);
    if (hi <= lo) continue;
    const norms = new Float64Array(b.memory.buffer, b.norms64, b.rows);
    const rows = new Float32Array(b.memory.buffer, b.data, b.rows * dim);
    for (let r = lo; r < hi; r++) {
      const at = r - b.rowStart;
      maxSq = Math.max(maxSq, norms[at]!);
      if ((r - from) % step !== 0) continue;
      for (let d = 0; d < dim; d++) centroid[d] = centroid[d]! + rows[at * dim + d]!;
      sampledSq += norms[at]!;
      sampled++;
    }
  }
  let centroidSq = 0;
  for (let d = 0; d < dim; d++) centroidSq += (centroid[d]! / sampled) ** 2;
  return { maxNorm: Math.sqrt(maxSq), spread: sampled === 0 ? 0 : Math.max(0, sampledSq / sampled - centroidSq) };
}
