/**
 * k-center on the fast kernels: the update of every active row's minimum squared distance to the picks,
 * fused with the arg-max. With the state beside the rows (`sharedFloat64` given the matrix) each thread
 * runs the whole update of its units in WebAssembly, skipping rows the projection bound rules out;
 * otherwise a JavaScript merge follows each unit of distances. With `precision: 'int8'` the scan reads
 * each row's int8 codes first and its float32 values only where the codes cannot rule out that it gets
 * closer (wasm/simd.as, quantiseRows): float32's results, bit for bit, from a quarter of the bytes.
 */
import { dot, dot32, rowCountOf, type MatrixRows } from '../index.js';
import { align, BOUND_DIMS, CHUNK, type BlockDescription } from '../ops/layout.js';
import { makeOp, QUANTISE_MAXIMA, type CenterCodes, type KernelExports } from '../ops/types.js';
import { principalBasis } from '../principalBasis.js';
import type { Matrices, MatrixContext } from './matrices.js';
import { sharedFloat64, sharedInt32, type FastRuntime } from './runtime.js';

/** Below this many rows the bound is not worth projecting for. */
const BOUND_MIN_ROWS = 1024;
/** A bounded pick that skips less than this share of the rows pauses the bound for BOUND_PAUSE picks. */
const BOUND_MIN_SKIPPED = 0.15;
const BOUND_PAUSE = 16;
/** Active units per thread claim in the fused k-center update (no JavaScript per row, so larger). */
const FUSED_CHUNK = 16_384;
/** The centre's 7-bit codes p₁ (wasm/simd.as): |p₁| ≤ 63, stored as p₁ + 64 in 1…127, the unsigned operand of the relaxed dot product. */
const COARSE_LIMIT = 63;
const COARSE_OFFSET = 64;
/** Rows per thread claim when the rows' codes are made. */
const QUANTISE_CHUNK = 16_384;

export interface KCenterResult {
  max: number;
  argMax: number;
  changedCount: number;
}

export class KCenter {
  /** Shared scratch for the active and changed lists of the unfused update, grown as needed. */
  private activeScratch = sharedInt32(0);
  private changedScratch = sharedInt32(0);
  /** Per matrix whose codes are made, the largest values its rows' bounds are made of. */
  private readonly codeMaxima = new WeakMap<MatrixContext, CodeMaxima>();

  constructor(
    private readonly runtime: FastRuntime,
    private readonly matrices: Matrices,
    private readonly options: { readonly precision: 'float32' | 'int8'; readonly prune: boolean },
  ) {}

  /**
   * A zeroed minDistSq for every row of `matrix`, which the fused update keeps beside the rows when nobody
   * else holds that place: in one block, the block's own state area; in several, an array whose values each
   * block also keeps for its rows — copied in at the first update (so the owner may fill or restore the
   * array before it, as DIVERSITY does, but not write it between updates), and copied back for the rows
   * each update changes.
   */
  stateArray(length: number, matrix?: { readonly data: MatrixRows; readonly dim: number }): Float64Array {
    if (matrix && matrix.dim > 0) {
      const ctx = this.matrices.contextFor(matrix.data, matrix.dim, rowCountOf(matrix.data, matrix.dim), 'float32', false);
      // The int8 codes wait for the first update: a task that only restores the state (Finish) never
      // makes them (144 bytes a row at D = 128).
      const b = ctx.blocks[0]!;
      if (ctx.rows === length && length > 0 && !ctx.stateOwner?.deref()) {
        const view = ctx.blocks.length === 1 ? new Float64Array(b.memory.buffer, b.minDist, length).fill(0) : sharedFloat64(length);
        ctx.stateOwner = new WeakRef(view);
        ctx.stateInBlocks = false;
        return view;
      }
    }
    return sharedFloat64(length);
  }

  update(data: MatrixRows, dim: number, center: Float32Array, active: Int32Array, activeCount: number, minDistSq: Float64Array, changed: Int32Array, prefiltered = false): KCenterResult {
    if (activeCount === 0) return { max: 0, argMax: -1, changedCount: 0 };
    const ctx = this.matrices.contextFor(data, dim, rowCountOf(data, dim), 'float32', false);
    for (const view of ctx.centers) view.set(center.subarray(0, dim));
    const centerNorm = dot32(center, 0, center, 0, dim);
    const codes = this.options.precision === 'int8' ? this.centerCodes(ctx, center, centerNorm) : null;
    const only = ctx.blocks.length === 1 ? ctx.blocks[0]! : undefined;
    // The state handed out beside the rows (not by its buffer: a grown memory gives a new buffer object).
    if (ctx.stateOwner?.deref() === minDistSq) {
      if (only) return this.fusedUpdate(ctx, only, center, centerNorm, codes, activeCount, active, changed, prefiltered);
      return this.blockwiseUpdate(ctx, centerNorm, codes, activeCount, active, minDistSq, changed);
    }
    const parallel = minDistSq.buffer instanceof SharedArrayBuffer && this.runtime.worthThreads(activeCount * dim);
    let activeArray = active;
    let changedArray = changed;
    if (parallel) {
      if (this.activeScratch.length < activeCount) {
        this.activeScratch = sharedInt32(activeCount);
        this.changedScratch = sharedInt32(activeCount);
      }
      this.activeScratch.set(active.subarray(0, activeCount));
      activeArray = this.activeScratch;
      changedArray = this.changedScratch;
    }
    const units = Math.ceil(activeCount / CHUNK);
    const result = parallel ? sharedFloat64(units * 4) : new Float64Array(units * 4);
    this.runtime.run(makeOp('kcenter', { from: 0, to: activeCount, step: CHUNK, parallel }, { ctx: ctx.id, active: activeArray, minDistSq, changed: changedArray, result, centerNorm, codes }));
    for (let unit = 0; unit < units; unit++) this.runtime.stats.float32Rows += result[unit * 4 + 3]!;
    return mergeUnits(result, 4, units, CHUNK, changedArray, changed);
  }

  /**
   * The centre's int16 and 7-bit codes, written into every block, and the constants of the codes' lower
   * bounds (wasm/simd.as): p = round(c / t) with |p| ≤ 2³¹ / (127·dim), so that q·p is exact in int32;
   * p₁ = round(c / t₁) with |p₁| ≤ 63, stored as p₁ + 64.
   */
  private centerCodes(ctx: MatrixContext, center: Float32Array, centerNorm: number): CenterCodes {
    const dim = ctx.dim;
    this.ensureCodes(ctx);
    const limit = Math.min(32767, Math.floor(2147483647 / (127 * dim)));
    let maxAbs = 0;
    for (let d = 0; d < dim; d++) maxAbs = Math.max(maxAbs, Math.abs(center[d]!));
    const usable = maxAbs > 0 && Number.isFinite(maxAbs);
    const scale = usable ? maxAbs / limit : 0;
    const coarseScale = usable ? maxAbs / COARSE_LIMIT : 0;
    const codes = new Int16Array(dim);
    const coarse = new Uint8Array(dim);
    let errorSq = 0;
    let coarseErrorSq = 0;
    let coarseNormSq = 0;
    for (let d = 0; d < dim; d++) {
      const p = scale > 0 ? Math.max(-limit, Math.min(limit, Math.round(center[d]! / scale))) : 0;
      codes[d] = p;
      errorSq += (center[d]! - scale * p) ** 2;
      const p1 = coarseScale > 0 ? Math.max(-COARSE_LIMIT, Math.min(COARSE_LIMIT, Math.round(center[d]! / coarseScale))) : 0;
      coarse[d] = p1 + COARSE_OFFSET;
      coarseErrorSq += (center[d]! - coarseScale * p1) ** 2;
      coarseNormSq += coarse[d]! ** 2;
    }
    // Upper bounds of ‖c‖, ‖c − t·p‖ and ‖c − t₁·p₁‖, with room for their float64 rounding; γ as in wasm/simd.as.
    const slack = 1 + 2 ** -30;
    const a = Math.sqrt(dot(center, 0, center, 0, dim)) * slack;
    const errorNorm = Math.sqrt(errorSq) * slack;
    const coarseErrorNorm = Math.sqrt(coarseErrorSq) * slack;
    const gamma = (dim + 16) * 2 ** -23;
    // A centre that is not finite: no bound (NaN compares false, so every row is computed in float32).
    const A = Number.isFinite(a) ? a : NaN;
    const coarseB = 128 * Math.sqrt(dim) * gamma * A * slack;
    // The coarse test's weights [1, 128·t₁, −2·A, −2·Bγ] and −2·t₁, in float32 after the 7-bit codes.
    const weights = [1, 128 * coarseScale, -2 * A, -2 * coarseB, -2 * coarseScale, -2 * coarseScale, -2 * coarseScale, -2 * coarseScale];
    for (const b of ctx.blocks) {
      new Int16Array(b.memory.buffer, b.centerCodes, dim).set(codes);
      new Uint8Array(b.memory.buffer, b.coarseCenterCodes, dim).set(coarse);
      new Float32Array(b.memory.buffer, b.coarseCenterCodes + align(dim, 16), weights.length).set(weights);
    }
    return {
      scale,
      a: A,
      b: 128 * Math.sqrt(dim) * (errorNorm + gamma * a),
      coarseK: coarseTestK(this.codeMaxima.get(ctx)!, dim, centerNorm, A, coarseScale, coarseB, coarseErrorNorm * slack, Math.sqrt(coarseNormSq) * slack),
    };
  }

  /**
   * The rows' int8 codes, made once per matrix (wasm/simd.as, quantiseRows), and M, the largest s·‖q‖ of
   * its rows — ∞ (no coarse test) when the runtime's relaxed dot product fails a known answer on the first
   * row's codes.
   */
  private ensureCodes(ctx: MatrixContext): void {
    if (ctx.codesFilled) return;
    let trusted = true;
    const dim = ctx.dim;
    const maxima = { M: 0, X: 0, e: 0, s: 0 };
    ctx.blocks.forEach((b, block) => {
      const parallel = this.runtime.worthThreads(b.rows * dim);
      const units = Math.ceil(b.rows / QUANTISE_CHUNK);
      const result = parallel ? sharedFloat64(units * QUANTISE_MAXIMA) : new Float64Array(units * QUANTISE_MAXIMA);
      this.runtime.run(makeOp('quantise', { from: 0, to: b.rows, step: QUANTISE_CHUNK, parallel }, { ctx: ctx.id, block, result }));
      for (let at = 0; at < result.length; at += QUANTISE_MAXIMA) {
        maxima.M = Math.max(maxima.M, result[at]!);
        maxima.X = Math.max(maxima.X, result[at + 1]!);
        maxima.e = Math.max(maxima.e, result[at + 2]!);
        maxima.s = Math.max(maxima.s, result[at + 3]!);
      }
      if (b.rows > 0 && !coarseDotWorks(this.runtime.kernelsOn(b.memory), b, dim)) trusted = false;
    });
    if (!trusted) maxima.M = Infinity;
    this.codeMaxima.set(ctx, maxima);
    ctx.codesFilled = true;
  }

  /**
   * The fused update of a matrix in several blocks, one block after another: each block's active rows (its
   * own row numbers) are copied into it, its update runs as in one block (without the projection bound,
   * which is kept for one block only), and the changed rows' distances are copied back into `minDistSq`.
   * The results merge as the reference finds them: the largest distance, ties to the lowest row.
   */
  private blockwiseUpdate(ctx: MatrixContext, centerNorm: number, codes: CenterCodes | null, activeCount: number, active: Int32Array, minDistSq: Float64Array, changed: Int32Array): KCenterResult {
    const stats = this.runtime.stats;
    stats.fusedOps++;
    const { blocks, rowsPerBlock } = ctx;
    const states = blocks.map((b) => new Float64Array(b.memory.buffer, b.minDist, b.rows));
    if (!ctx.stateInBlocks) {
      blocks.forEach((b, i) => states[i]!.set(minDistSq.subarray(b.rowStart, b.rowStart + b.rows)));
      ctx.stateInBlocks = true;
    }
    // The active rows by block. The greedy loop's list is nearly in row order (a pick's slot takes the
    // last entry), so the block rarely changes from one entry to the next: no division per row.
    const lists = blocks.map((b) => new Int32Array(b.memory.buffer, b.active, b.rows));
    const counts = new Int32Array(blocks.length);
    let block = 0;
    let lo = 0;
    let hi = blocks[0]!.rows;
    let list = lists[0]!;
    let count = 0;
    for (let i = 0; i < activeCount; i++) {
      const r = active[i]!;
      if (r < lo || r >= hi) {
        counts[block] = count;
        block = Math.floor(r / rowsPerBlock);
        lo = blocks[block]!.rowStart;
        hi = lo + blocks[block]!.rows;
        list = lists[block]!;
        count = counts[block]!;
      }
      list[count++] = r - lo;
    }
    counts[block] = count;

    let max = 0;
    let argMax = -1;
    let changedCount = 0;
    for (let i = 0; i < blocks.length; i++) {
      const b = blocks[i]!;
      const n = counts[i]!;
      if (n === 0) continue;
      const parallel = this.runtime.worthThreads(n * ctx.dim);
      const units = Math.ceil(n / FUSED_CHUNK);
      const result = parallel ? sharedFloat64(units * 5) : new Float64Array(units * 5);
      this.runtime.run(makeOp('kcenterFused', { from: 0, to: n, step: FUSED_CHUNK, parallel }, { ctx: ctx.id, block: i, result, centerNorm, bounded: false, codes }));
      for (let unit = 0; unit < units; unit++) stats.float32Rows += result[unit * 5 + 4]!;
      const into = changed.subarray(changedCount);
      const merged = mergeUnits(result, 5, units, FUSED_CHUNK, new Int32Array(b.memory.buffer, b.changed, n), into);
      const state = states[i]!;
      for (let j = 0; j < merged.changedCount; j++) {
        const local = into[j]!;
        minDistSq[local + b.rowStart] = state[local]!;
        into[j] = local + b.rowStart;
      }
      changedCount += merged.changedCount;
      // Blocks in row order: a tie keeps the earlier block's (lower) row.
      if (merged.argMax >= 0 && (merged.max > max || argMax < 0)) {
        max = merged.max;
        argMax = merged.argMax + b.rowStart;
      }
    }
    return { max, argMax, changedCount };
  }

  /**
   * The whole update in WebAssembly, the state beside the rows: the active list is copied in once. A
   * prefiltered list keeps no projection bound (its 64 bytes a row are never made): what it would skip is
   * mostly left out already.
   */
  private fusedUpdate(ctx: MatrixContext, b: BlockDescription, center: Float32Array, centerNorm: number, codes: CenterCodes | null, activeCount: number, active: Int32Array, changed: Int32Array, prefiltered: boolean): KCenterResult {
    const stats = this.runtime.stats;
    stats.fusedOps++;
    const buffer = b.memory.buffer;
    new Int32Array(buffer, b.active, activeCount).set(active.subarray(0, activeCount));
    const bounded = this.options.prune && !prefiltered && ctx.rows >= BOUND_MIN_ROWS && this.boundReady(ctx, b, center);
    const parallel = this.runtime.worthThreads(activeCount * ctx.dim);
    const units = Math.ceil(activeCount / FUSED_CHUNK);
    const result = parallel ? sharedFloat64(units * 5) : new Float64Array(units * 5);
    this.runtime.run(makeOp('kcenterFused', { from: 0, to: activeCount, step: FUSED_CHUNK, parallel }, { ctx: ctx.id, block: 0, result, centerNorm, bounded, codes }));
    const merged = mergeUnits(result, 5, units, FUSED_CHUNK, new Int32Array(buffer, b.changed, activeCount), changed);
    for (let unit = 0; unit < units; unit++) stats.float32Rows += result[unit * 5 + 4]!;
    if (bounded && ctx.bound) {
      let skipped = 0;
      for (let unit = 0; unit < units; unit++) skipped += result[unit * 5 + 3]!;
      stats.boundedOps++;
      stats.skippedRows += skipped;
      // The bound costs a 64-byte read per row: where it skips little (unstructured data, or early picks
      // while distances are still large), scan without it for a while.
      if (skipped < activeCount * BOUND_MIN_SKIPPED) ctx.bound.pausedUntil = ctx.bound.picks + BOUND_PAUSE;
    }
    if (ctx.bound) ctx.bound.picks++;
    return merged;
  }

  /**
   * Whether this pick uses the projection bound; projects the rows the first time (principal directions
   * of a sample, every row projected in WebAssembly) and writes the centre's projection.
   */
  private boundReady(ctx: MatrixContext, b: BlockDescription, center: Float32Array): boolean {
    const dim = ctx.dim;
    if (!ctx.bound) {
      const rows = new Float32Array(b.memory.buffer, b.data, ctx.rows * dim);
      const basis = principalBasis(rows, dim, ctx.rows, BOUND_DIMS);
      new Float32Array(b.memory.buffer, b.basis, BOUND_DIMS * dim).set(basis);
      this.runtime.kernelsOn(b.memory).projectRows(b.data, dim, ctx.rows, b.basis, b.proj);
      ctx.bound = { basis, picks: 0, pausedUntil: 0 };
    }
    if (ctx.bound.picks < ctx.bound.pausedUntil) return false;
    const projected = new Float32Array(b.memory.buffer, b.projCenter, BOUND_DIMS);
    for (let t = 0; t < BOUND_DIMS; t++) projected[t] = dot(ctx.bound.basis, t * dim, center, 0, dim);
    return true;
  }
}

/** The largest squared norm X, error e and scale s among a matrix's rows whose error is finite, and M, the largest s·‖q‖ (∞: no coarse test). */
interface CodeMaxima {
  M: number;
  X: number;
  e: number;
  s: number;
}

/**
 * coarseK of the coarse test (wasm/simd.as, coarseBound): it rules a row out when its float32 bound exceeds
 * its minimum distance plus coarseK = 2⁻²⁰·S − K, K = |c|²·(1 − 2⁻⁴⁰) − 2·M·eC₁, where S bounds the sum of
 * the magnitudes of every term and partial sum in the float32 lanes, so that 2⁻²⁰·S covers their roundings
 * (eight layers at most — weights, products, conversion, the stored s·Σq, three of additions — each under
 * 2⁻²⁴·S). ∞ (the test off) where a float32 lane could overflow or a bound is not finite.
 */
function coarseTestK(maxima: CodeMaxima, dim: number, centerNorm: number, A: number, t1: number, coarseB: number, coarseErrorNorm: number, coarseCodesNorm: number): number {
  const { M, X, e, s } = maxima;
  const S = X + 128 * t1 * M * Math.sqrt(dim) + 2 * A * e + 2 * coarseB * s + 4 * 2 * t1 * M * coarseCodesNorm;
  const K = centerNorm * (1 - 2 ** -40) - 2 * M * coarseErrorNorm;
  if (!(S < 2 ** 100) || !Number.isFinite(K)) return Infinity;
  return 2 ** -20 * S - K;
}

/**
 * Whether coarseCodeDot gives q·p for the block's first row's codes and 7-bit codes 0…127 in every
 * column (the coarse centre area is written again before each pick).
 */
function coarseDotWorks(kernels: KernelExports, b: BlockDescription, dim: number): boolean {
  const coarse = new Uint8Array(b.memory.buffer, b.coarseCenterCodes, dim);
  const codes = new Int8Array(b.memory.buffer, b.codes, dim);
  let expected = 0;
  for (let d = 0; d < dim; d++) {
    coarse[d] = (d * 37 + 11) % 128;
    expected += codes[d]! * coarse[d]!;
  }
  return kernels.coarseCodeDotOf(b.codes, b.coarseCenterCodes, dim) === expected;
}

/**
 * The k-center units' results in unit order — `[max, argMax, changedCount, …]` every `stride` values —
 * merged as the reference would have found them: the largest max, ties to the lowest row; the changed
 * rows (unit u's from `changedFrom[u·step]` on) concatenated into `changed`, which may be `changedFrom`.
 */
function mergeUnits(result: Float64Array, stride: number, units: number, step: number, changedFrom: Int32Array, changed: Int32Array): KCenterResult {
  let max = 0;
  let argMax = -1;
  let changedCount = 0;
  for (let unit = 0; unit < units; unit++) {
    const m = result[unit * stride]!;
    const u = result[unit * stride + 1]!;
    const n = result[unit * stride + 2]!;
    if (u >= 0 && (m > max || (m === max && (u < argMax || argMax < 0)))) {
      max = m;
      argMax = u;
    }
    const at = unit * step;
    if (changedFrom !== changed) changed.set(changedFrom.subarray(at, at + n), changedCount);
    else if (at !== changedCount) changed.copyWithin(changedCount, at, at + n);
    changedCount += n;
  }
  return { max, argMax, changedCount };
}
