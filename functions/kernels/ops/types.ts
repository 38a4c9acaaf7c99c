/**
 * What the main thread and the worker threads exchange: the ops (a typed description per kind), and the
 * kernels' WebAssembly exports as the ops call them (wasm/simd.as, where each is documented).
 */
import type { ContextDescription } from './layout.js';
import type { WasmMemory } from '../wasm/api.js';

/** The exports of wasm/simd.as; every pointer is a byte offset into the block's memory. */
export interface KernelExports {
  kcenterDistances(data: number, norms: number, dim: number, center: number, centerNorm: number, rows: number, count: number, out: number): void;
  kcenterDistancesCoded(
    data: number,
    norms: number,
    dim: number,
    center: number,
    centerNorm: number,
    rows: number,
    count: number,
    out: number,
    codes: number,
    terms: number,
    centerCodes: number,
    codeScale: number,
    codeA: number,
    codeB: number,
    coarse: number,
    coarseK: number,
  ): number;
  kcenterUpdate(
    data: number,
    norms: number,
    dim: number,
    center: number,
    centerNorm: number,
    active: number,
    from: number,
    count: number,
    minDist: number,
    changed: number,
    result: number,
    proj: number,
    projCenter: number,
  ): void;
  kcenterUpdateCoded(
    data: number,
    norms: number,
    dim: number,
    center: number,
    centerNorm: number,
    active: number,
    from: number,
    count: number,
    minDist: number,
    changed: number,
    result: number,
    proj: number,
    projCenter: number,
    codes: number,
    terms: number,
    centerCodes: number,
    codeScale: number,
    codeA: number,
    codeB: number,
    coarse: number,
    coarseK: number,
  ): void;
  quantiseRows(data: number, norms: number, dim: number, rows: number, codes: number, terms: number): number;
  coarseCodeDotOf(row: number, coarse: number, dim: number): number;
  rowNorms32(data: number, dim: number, rows: number, norms: number): void;
  projectRows(data: number, dim: number, rows: number, basis: number, out: number): void;
  knnTile(
    queries: number,
    qCount: number,
    qPos: number,
    qNorms: number,
    dim: number,
    candidates: number,
    candNorms: number,
    cCount: number,
    idBase: number,
    selfBase: number,
    m: number,
    lists: number,
    ceil: number,
  ): void;
  exactDots(q: number, rows: number, dim: number, ids: number, count: number, out: number): void;
  readBytes(ptr: number, bytes: number): bigint;
}

/**
 * What every op has: items [from, to) in `units` units of `step` items, which threads claim one at a
 * time through `progress` ([claimed, completed, failed]; in a SharedArrayBuffer when `parallel`).
 */
export interface OpRange {
  readonly from: number;
  readonly to: number;
  readonly step: number;
  readonly units: number;
  readonly parallel: boolean;
  readonly progress: Int32Array;
}

/**
 * The centre's int16 and 7-bit codes (in each block's centerCodes and coarseCenterCodes areas) and the
 * constants of the codes' lower bounds (wasm/simd.as, quantiseRows): the scan reads the rows' int8 codes
 * first, float32 only where they cannot rule a row out.
 */
export interface CenterCodes {
  readonly scale: number;
  readonly a: number;
  readonly b: number;
  /**
   * The 7-bit codes' test rules a row out when its float32 bound exceeds its minimum distance plus this
   * (fast/kcenter.ts, coarseTestK; read only by the relaxed-SIMD kernels; ∞ turns the test off).
   */
  readonly coarseK: number;
}

/**
 * k-center over a list of active rows, the distances merged in JavaScript; [max, argMax, changedCount,
 * rows computed in float32] per unit in `result`.
 */
export interface KCenterOp extends OpRange {
  readonly type: 'kcenter';
  readonly ctx: number;
  readonly active: Int32Array;
  readonly minDistSq: Float64Array;
  readonly changed: Int32Array;
  readonly result: Float64Array;
  readonly centerNorm: number;
  readonly codes: CenterCodes | null;
}

/**
 * The fused k-center update, state beside the rows; [max, argMax, changedCount, skipped, rows computed in
 * float32] per unit in `result`.
 */
export interface KCenterFusedOp extends OpRange {
  readonly type: 'kcenterFused';
  readonly ctx: number;
  /** The block whose rows, state and active list the update reads (a matrix in several blocks runs one op per block). */
  readonly block: number;
  readonly result: Float64Array;
  readonly centerNorm: number;
  readonly codes: CenterCodes | null;
  /** Skip rows whose projection shows they cannot get closer (same results). */
  readonly bounded: boolean;
}

/**
 * Nearest neighbours of query rows of context `q` among rows [cFrom, cTo) of context `c`:
 *   mode 'knn':     out[(i − outBase)·k + c] = distance to the c-th nearest other row (NaN past kk)
 *   mode 'nearest': out[i − outBase] = distance to the nearest candidate
 *   mode 'ids':     ids[(i − outBase)·k + c] = the c-th nearest candidate, out likewise its distance
 */
export interface NeighbourFields {
  readonly mode: 'knn' | 'nearest' | 'ids';
  readonly q: number;
  readonly c: number;
  readonly cFrom: number;
  readonly cTo: number;
  readonly k: number;
  readonly kk: number;
  /** Candidates kept per row by the float32 filter. */
  readonly m: number;
  readonly out: Float32Array;
  readonly ids: Int32Array | undefined;
  readonly outBase: number;
  /** The scales the filter's rounding is judged against (ops/neighbours.ts, rerank). */
  readonly maxNorm: number;
  readonly spread: number;
  /** [rows computed over every candidate], counted by every thread. */
  readonly fallbacks: Int32Array;
}

export interface NeighboursOp extends OpRange, NeighbourFields {
  readonly type: 'neighbours';
}

/** Symmetric kNN: every thread's candidate lists at `area + thread · areaBytes` of the one block. */
export interface SymmetricFields extends NeighbourFields {
  readonly areas: number;
  readonly area: number;
  readonly areaBytes: number;
}

export interface KnnPairsOp extends OpRange, SymmetricFields {
  readonly type: 'knnPairs';
}

export interface KnnMergeOp extends OpRange, SymmetricFields {
  readonly type: 'knnMerge';
}

/** The int8 codes of one block's rows (wasm/simd.as, quantiseRows); the largest s·‖q‖ of unit u's rows in result[u]. */
export interface QuantiseOp extends OpRange {
  readonly type: 'quantise';
  readonly ctx: number;
  readonly block: number;
  /** {@link QUANTISE_MAXIMA} values per unit (ops/kcenter.ts, quantise). */
  readonly result: Float64Array;
}

/** Values per unit in a quantise op's result: M, and the largest |x|², error and scale. */
export const QUANTISE_MAXIMA = 4;

/** Reads the first block's rows (the bandwidth figure); a checksum per unit in `result`. */
export interface ReadOp extends OpRange {
  readonly type: 'read';
  readonly ctx: number;
  readonly result: Float64Array;
}

export type Op = KCenterOp | KCenterFusedOp | QuantiseOp | NeighboursOp | KnnPairsOp | KnnMergeOp | ReadOp;

/** The fields of an op of `type`, besides its range. */
export type OpFields<T extends Op['type']> = Omit<Extract<Op, { type: T }>, keyof OpRange | 'type'>;

/** An op over items [from, to) in units of `step`, its progress shared between threads when `parallel`. */
export function makeOp<T extends Op['type']>(type: T, range: { from: number; to: number; step: number; parallel: boolean }, fields: OpFields<T>): Extract<Op, { type: T }> {
  const { from, to, step, parallel } = range;
  const progress = parallel ? new Int32Array(new SharedArrayBuffer(12)) : new Int32Array(3);
  return { ...fields, type, from, to, step, units: Math.ceil((to - from) / step), parallel, progress } as unknown as Extract<Op, { type: T }>;
}

/** The per-thread op code (ops/index.ts): the same on the main thread and on every worker. */
export interface Ops {
  addContext(desc: ContextDescription): void;
  release(id: number): void;
  run(op: Op, thread: number): void;
  /** Empty candidate lists (m keys +Inf then m ids −1 per row, from `lists`) and their ceilings (+Inf, from `ceil`). */
  emptyArea(memory: WasmMemory, lists: number, ceil: number, rows: number, m: number): void;
}

/** Messages from the pool to a worker. */
export type WorkerMessage = { type: 'context'; desc: ContextDescription } | { type: 'release'; id: number } | { type: 'op'; op: Op };
