/**
 * The fast kernels: WebAssembly SIMD (wasm/simd.as) on every core (pool.ts), same results as
 * {@link scalarKernels}:
 * - k-center: bit-identical distances (float64 SIMD lanes in the reference's summation order), so the
 *   same picks; it reads each row once per pick, so it runs at memory bandwidth;
 * - kNN / nearest query / nearest rows: float32 SIMD keeps a few more candidates than asked, which are
 *   re-ranked with the reference's float64 arithmetic — the same values whenever the neighbour sets are
 *   the same (they can differ only between candidates at equal distance up to float32 rounding).
 *
 * A matrix is copied once into WebAssembly memory (kept per Float32Array, released when it is collected)
 * in blocks of rows, each block one memory of at most 4 GiB. `precision: 'int8'` scans an int8 copy with
 * a scale per row instead (a quarter of the bytes; see the README of this folder for its effect on picks).
 */
import { availableParallelism } from 'node:os';
import { KernelOptionError } from './errors.js';
import { dot, dot32, rowNormsSq, scalarKernels, type Kernels, type NearestRows, type RowRange } from './index.js';
import { KernelPool, makeOp, type BlockDescription, type ContextDescription, type Op } from './pool.js';
import { principalBasis } from './principalBasis.js';
import { wasm, type WasmMemory, type WasmModule } from './wasm/api.js';
import { wasmBase64, wasmRelaxedBase64 } from './wasm/generated.js';

export interface FastKernelOptions {
  /** Threads including the main one; default `os.availableParallelism()`. */
  readonly threads?: number;
  /** Largest WebAssembly memory per block of rows, bytes; default 4 GiB (the most a memory can hold). */
  readonly blockBytes?: number;
  /** Storage the k-center scan reads: float32 (exact, the default) or int8 with a float32 scale per row. */
  readonly precision?: 'float32' | 'int8';
  /**
   * Skip rows in the fused k-center update whose projection onto 16 principal directions shows they
   * cannot get closer (default true; the results are the same either way, see wasm/simd.as).
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
  readonly stats: { parallelOps: number; fusedOps: number; boundedOps: number; skippedRows: number; symmetricOps: number; exactRows: number; referenceCalls: number };
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
  forget(data: Float32Array): void;
  /** Frees the worker threads early (they never keep the process alive anyway). */
  close(): Promise<void>;
}

const PAGE = 65536;
const MAX_MEMORY_BYTES = 65536 * PAGE;
/** Low memory left to AssemblyScript (it keeps nothing there with the stub runtime; a guard). */
const RESERVED_BYTES = PAGE;
/** Active units per k-center call into WebAssembly: their distances stay in L1 until merged. */
const CHUNK = 2048;
/** Directions of the k-center projection bound (the kernel holds them in four f32x4). */
const BOUND_DIMS = 16;
/** Below this many rows the bound is not worth projecting for. */
const BOUND_MIN_ROWS = 1024;
/** A bounded pick that skips less than this share of the rows pauses the bound for BOUND_PAUSE picks. */
const BOUND_MIN_SKIPPED = 0.15;
const BOUND_PAUSE = 16;
/** Active units per thread claim in the fused k-center update (no JavaScript per row, so larger). */
const FUSED_CHUNK = 16_384;
/** Query rows per kNN tile: 128 rows of D = 128 (64 KiB) stay in L2 while every candidate streams past. */
const TILE = 128;
/**
 * Rows per unit of symmetric kNN: 512 rows of D = 128 (256 KiB) stay in L2 while the rows after them stream
 * past; measured 5–15 % faster than 128 at N = 50k–100k, as every row's candidate list is visited a quarter
 * as often.
 */
const SYMMETRIC_TILE = 512;
/** Candidates per row kept by the float32 pass beyond those asked for, re-ranked exactly. */
const MARGIN = 4;
/** The most memory symmetric kNN adds for its per-thread candidate lists; past it, one direction at a time. */
const SYMMETRIC_MAX_BYTES = 1 << 30;
/** Below this much arithmetic (multiply-adds) one thread is faster than waking the others. */
const PARALLEL_WORK = 1 << 18;

let cachedModule: { module: WasmModule; relaxed: boolean } | null | undefined;

/**
 * The compiled kernels, or null when this runtime has no WebAssembly SIMD (or no shared memory). The
 * variant with relaxed SIMD (the neighbour filter's fused multiply-add) when the runtime runs it — Node
 * 22 does; Node 20 only with `--experimental-wasm-relaxed-simd` — unless `WINNOW_RELAXED_SIMD=off`.
 */
export function kernelModule(): WasmModule | null {
  return kernelModuleVariant()?.module ?? null;
}

/** {@link kernelModule} and whether it is the relaxed-SIMD variant. */
export function kernelModuleVariant(): { module: WasmModule; relaxed: boolean } | null {
  if (cachedModule !== undefined) return cachedModule;
  const variants = process.env.WINNOW_RELAXED_SIMD === 'off' ? [{ bytes: wasmBase64, relaxed: false }] : [{ bytes: wasmRelaxedBase64, relaxed: true }, { bytes: wasmBase64, relaxed: false }];
  cachedModule = null;
  for (const { bytes, relaxed } of variants) {
    try {
      const module = new wasm.Module(Buffer.from(bytes, 'base64'));
      new wasm.Instance(module, { env: { memory: new wasm.Memory({ initial: 1, maximum: 1, shared: true }) } });
      cachedModule = { module, relaxed };
      break;
    } catch {
      // Not this variant on this runtime: the next one.
    }
  }
  return cachedModule;
}

const align = (n: number, to: number) => Math.ceil(n / to) * to;

interface Context extends ContextDescription {
  /** Float32 views of each block's centre area (written before each k-center op). */
  readonly centers: Float32Array[];
  /** The array handed out for the k-center state beside the rows (one block only), while it lives. */
  stateOwner?: WeakRef<Float64Array>;
  /** The projection bound: its basis once the rows are projected, and when to try it again. */
  bound?: { basis: Float32Array; picks: number; pausedUntil: number };
  /** Where symmetric kNN's candidate lists start, once the block has grown for them. */
  symmetric?: number;
}

export function createFastKernels(options: FastKernelOptions = {}): FastKernels {
  const variant = kernelModuleVariant();
  if (!variant) throw new KernelOptionError('runtime', 'WebAssembly SIMD with shared memory is not available');
  const module = variant.module;
  /** The kernels on one block's memory, for the one-off calls the main thread makes while preparing it. */
  const kernelsOn = (memory: WasmMemory) => new wasm.Instance(module, { env: { memory } }).exports as Record<'rowNorms32' | 'projectRows', (...args: number[]) => void>;
  const threads = options.threads ?? availableParallelism();
  if (!Number.isInteger(threads) || threads < 1) throw new KernelOptionError('threads', `must be a positive integer, got ${threads}`);
  const blockBytes = options.blockBytes ?? MAX_MEMORY_BYTES;
  if (!(blockBytes > 0 && blockBytes <= MAX_MEMORY_BYTES)) throw new KernelOptionError('blockBytes', `must be in (0, 4 GiB], got ${blockBytes}`);
  const precision = options.precision ?? 'float32';
  const pool = new KernelPool(module, threads);
  const stats = { parallelOps: 0, fusedOps: 0, boundedOps: 0, skippedRows: 0, symmetricOps: 0, exactRows: 0, referenceCalls: 0 };
  const prune = options.prune ?? true;
  const runOp = (op: Op) => {
    if (op.parallel && threads > 1) stats.parallelOps++;
    pool.run(op);
  };
  const contexts = new WeakMap<Float32Array, Map<string, Context>>();
  const released = new FinalizationRegistry<number>((id) => pool.release(id));
  let nextId = 1;

  /**
   * A block's areas in memory order, as [bytes per row, fixed bytes]: both the block size estimate and
   * the placement read this one list. float32 blocks carry the k-center state (minimum distance, active
   * and changed rows) and, when pruning, each row's projection onto 16 principal directions.
   */
  const blockAreas = (dim: number, kind: 'float32' | 'int8', scratchPerThread: number) => {
    const state = kind === 'float32';
    const bound = state && prune;
    return {
      data: [kind === 'int8' ? dim : dim * 4, 0],
      scales: [kind === 'int8' ? 4 : 0, 0],
      norms64: [8, 0],
      norms32: [4, 0],
      center: [0, dim * 8],
      scratch: [0, threads * scratchPerThread],
      minDist: [state ? 8 : 0, 0],
      active: [state ? 4 : 0, 0],
      changed: [state ? 4 : 0, 0],
      proj: [bound ? BOUND_DIMS * 4 : 0, 0],
      basis: [0, bound ? BOUND_DIMS * dim * 4 : 0],
      // With the state even when not pruning: the fused update reads it before it knows.
      projCenter: [0, state ? BOUND_DIMS * 4 : 0],
    } satisfies Record<string, [number, number]>;
  };

  const layout = (dim: number, kind: 'float32' | 'int8') => {
    const scratchPerThread = align(Math.max(CHUNK * 12, TILE * (dim * 4 + 4 + (16 + MARGIN) * 8)), 64);
    const areas = Object.values(blockAreas(dim, kind, scratchPerThread));
    // Every area starts 64-byte aligned: up to 64 bytes of padding each.
    const fixed = RESERVED_BYTES + areas.reduce((sum, [, bytes]) => sum + bytes + 64, 0);
    const perRow = areas.reduce((sum, [bytes]) => sum + bytes, 0);
    return { scratchPerThread, rowsPerBlock: Math.max(1, Math.floor((blockBytes - fixed) / perRow)) };
  };

  function contextFor(data: Float32Array, dim: number, rows: number, kind: 'float32' | 'int8'): Context {
    let byKind = contexts.get(data);
    const key = `${kind}/${dim}/${rows}`;
    const found = byKind?.get(key);
    if (found) return found;
    const { scratchPerThread, rowsPerBlock } = layout(dim, kind);
    const matrix = data.length === rows * dim ? data : data.subarray(0, rows * dim);
    let norms: Float64Array;
    let quantised: { values: Int8Array; scales: Float32Array } | undefined;
    if (kind === 'int8') {
      quantised = quantise(matrix, dim, rows);
      norms = dequantisedNorms(quantised.values, quantised.scales, dim, rows);
    } else {
      norms = rowNormsSq(matrix, dim);
    }

    const blocks: BlockDescription[] = [];
    const centers: Float32Array[] = [];
    for (let rowStart = 0; rowStart < rows || (rows === 0 && blocks.length === 0); rowStart += rowsPerBlock) {
      const blockRows = Math.min(rowsPerBlock, rows - rowStart);
      let offset = RESERVED_BYTES;
      const at = {} as Record<keyof ReturnType<typeof blockAreas>, number>;
      for (const [name, [perRow, fixed]] of Object.entries(blockAreas(dim, kind, scratchPerThread)) as [keyof typeof at, [number, number]][]) {
        at[name] = offset;
        offset = align(offset + perRow * blockRows + fixed, 64);
      }
      const { data: dataPtr, scales, norms64, norms32, center } = at;
      const pages = Math.ceil(offset / PAGE);
      // Growable to 4 GiB: symmetric kNN appends its candidate lists (`symmetricArea`).
      const memory = new wasm.Memory({ initial: pages, maximum: MAX_MEMORY_BYTES / PAGE, shared: true });
      const buffer = memory.buffer;
      if (quantised) {
        new Int8Array(buffer, dataPtr, blockRows * dim).set(quantised.values.subarray(rowStart * dim, (rowStart + blockRows) * dim));
        new Float32Array(buffer, scales, blockRows).set(quantised.scales.subarray(rowStart, rowStart + blockRows));
      } else {
        new Float32Array(buffer, dataPtr, blockRows * dim).set(matrix.subarray(rowStart * dim, (rowStart + blockRows) * dim));
      }
      centers.push(new Float32Array(buffer, center, dim));
      new Float64Array(buffer, norms64, blockRows).set(norms.subarray(rowStart, rowStart + blockRows));
      // float32 norms: k-center's (dot32, computed in WebAssembly: the reference's values ~20× faster
      // than its Math.fround loop), also the keys of the float32 neighbour pass.
      if (quantised) new Float32Array(buffer, norms32, blockRows).set(norms.subarray(rowStart, rowStart + blockRows));
      else kernelsOn(memory).rowNorms32(dataPtr, dim, blockRows, norms32);
      blocks.push({ memory, rowStart, rows: blockRows, ...at });
      if (rows === 0) break;
    }
    const desc: ContextDescription = { id: nextId++, kind, dim, rows, rowsPerBlock, chunk: CHUNK, scratchPerThread, blocks };
    pool.addContext(desc);
    released.register(data, desc.id, data);
    const context: Context = { ...desc, centers };
    if (!byKind) {
      byKind = new Map();
      contexts.set(data, byKind);
    }
    byKind.set(key, context);
    return context;
  }

  const sharedFloat32 = (length: number) => new Float32Array(new SharedArrayBuffer(length * 4));
  const sharedInt32 = (length: number) => new Int32Array(new SharedArrayBuffer(length * 4));
  const isShared = (a: ArrayBufferView) => a.buffer instanceof SharedArrayBuffer;
  const worthThreads = (work: number) => threads > 1 && work >= PARALLEL_WORK;

  /** Shared scratch for the active list, grown as needed. */
  let activeScratch = sharedInt32(0);
  let changedScratch = sharedInt32(0);

  function neighbours(
    mode: 'knn' | 'nearest' | 'ids',
    data: Float32Array,
    dim: number,
    rows: number,
    start: number,
    end: number,
    candidatesData: Float32Array,
    candidateRows: number,
    k: number,
    kk: number,
    m: number,
    candidateRange: RowRange | undefined,
  ): { out: Float32Array; ids: Int32Array | undefined } {
    const count = end - start;
    const q = contextFor(data, dim, rows, 'float32');
    const c = mode === 'knn' ? q : contextFor(candidatesData, dim, candidateRows, 'float32');
    const cFrom = candidateRange?.start ?? 0;
    const cTo = candidateRange?.end ?? c.rows;
    const parallel = worthThreads(count * (cTo - cFrom) * dim);
    const width = mode === 'nearest' ? 1 : k;
    const out = parallel ? sharedFloat32(count * width) : new Float32Array(count * width);
    const ids = mode === 'ids' ? (parallel ? sharedInt32(count * width) : new Int32Array(count * width)) : undefined;
    // Smaller tiles when there are few query rows, so that every thread gets some (a cluster of
    // approximate typicality is often a single tile's worth).
    const perThread = parallel ? Math.ceil(count / (threads * 2)) : count;
    // At least 1: listsFit.
    const tile = Math.min(TILE, Math.max(16, perThread), tileRowsFitting(dim, m));
    // Rows whose filter survivors could not be vouched for, computed over every candidate (ops.ts, rerank).
    const fallbacks = parallel ? sharedInt32(1) : new Int32Array(1);
    const fields = { mode, q: q.id, c: c.id, cFrom, cTo, k, kk, m, out, ids, outBase: start, ...candidateScale(c, cFrom, cTo), fallbacks };
    const areas = parallel ? threads : 1;
    const area = mode === 'knn' && cFrom <= start && end <= cTo ? symmetricArea(q, areas, count, m) : undefined;
    if (area) {
      stats.symmetricOps++;
      // Units of unequal work (a tile against every row after it), largest first: several per thread.
      const pairsTile = Math.max(16, Math.min(SYMMETRIC_TILE, Math.ceil(count / (threads * 4))));
      runOp(makeOp('knnPairs', start, end, pairsTile, parallel, { ...fields, areas, ...area }));
      runOp(makeOp('knnMerge', start, end, tile, parallel, { ...fields, areas, ...area }));
    } else {
      runOp(makeOp('neighbours', start, end, tile, parallel, fields));
    }
    stats.exactRows += fallbacks[0]!;
    return { out: parallel ? out.slice() : out, ids: ids && parallel ? ids.slice() : ids };
  }

  /**
   * Query rows of a neighbour tile that fit a thread's scratch: per row its candidate list (m keys and
   * ids), its ceiling and the row itself, plus the re-rank's m dot products (ops.ts, neighbours).
   */
  function tileRowsFitting(dim: number, m: number): number {
    return Math.floor((layout(dim, 'float32').scratchPerThread - m * 8 - 8) / (dim * 4 + 4 + m * 8));
  }

  /** Whether a tile of one row fits: a K in the thousands at a small dimension does not, and the reference computes such a call. */
  const listsFit = (dim: number, m: number) => tileRowsFitting(dim, m) >= 1;

  function reference<T>(compute: () => T): T {
    stats.referenceCalls++;
    return compute();
  }

  /**
   * The scales against which the neighbour filter's rounding is judged (ops.ts, rerank), over candidate rows
   * [from, to): the largest norm (every row: it bounds the rounding), and the mean squared distance from
   * the centroid (from up to 4,096 rows evenly spaced).
   */
  function candidateScale(ctx: Context, from: number, to: number): { maxNorm: number; spread: number } {
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

  /**
   * Room for symmetric kNN's candidate lists — `areas` of `bytes` each, filled empty — at the end of the
   * context's one block, grown for it (and kept for the next call); undefined when the context has several
   * blocks or the memory cannot hold them, and the kNN then runs one direction at a time.
   */
  function symmetricArea(ctx: Context, areas: number, rows: number, m: number): { area: number; areaBytes: number } | undefined {
    const b = ctx.blocks[0]!;
    // Per row m keys (float32) then their m ids (int32); then every row's ceiling (float32) — as knnTile reads them.
    const areaBytes = align(rows * (m * 8 + 4), 64);
    if (ctx.blocks.length !== 1 || areas * areaBytes > SYMMETRIC_MAX_BYTES) return undefined;
    const memory = b.memory as WasmMemory & { grow(pages: number): number };
    const area = ctx.symmetric ?? align(memory.buffer.byteLength, PAGE);
    const needed = area + areas * areaBytes;
    if (needed > MAX_MEMORY_BYTES) return undefined;
    if (needed > memory.buffer.byteLength) {
      try {
        memory.grow(Math.ceil((needed - memory.buffer.byteLength) / PAGE));
      } catch {
        return undefined; // the address space or the process's memory refused: one direction at a time
      }
    }
    ctx.symmetric = area;
    for (let t = 0; t < areas; t++) pool.ops.emptyArea(memory, area + t * areaBytes, area + t * areaBytes + rows * m * 8, rows, m);
    return { area, areaBytes };
  }

  /**
   * k-center with `minDistSq` beside the rows: the active list is copied in once, and each thread runs
   * the whole update of its units (distances, minimum, changed rows, arg-max) in WebAssembly.
   */
  function fusedKCenterUpdate(ctx: Context, b: BlockDescription, center: Float32Array, centerNorm: number, active: Int32Array, activeCount: number, changed: Int32Array) {
    stats.fusedOps++;
    const buffer = b.memory.buffer;
    new Int32Array(buffer, b.active, activeCount).set(active.subarray(0, activeCount));
    const bounded = prune && ctx.rows >= BOUND_MIN_ROWS && boundReady(ctx, b, center);
    const parallel = worthThreads(activeCount * ctx.dim);
    const step = FUSED_CHUNK;
    const units = Math.ceil(activeCount / step);
    const result = parallel ? new Float64Array(new SharedArrayBuffer(units * 4 * 8)) : new Float64Array(units * 4);
    runOp(makeOp('kcenterFused', 0, activeCount, step, parallel, { ctx: ctx.id, result, centerNorm, bounded }));
    const merged = mergeUnits(result, 4, units, step, new Int32Array(buffer, b.changed, activeCount), changed);
    if (bounded && ctx.bound) {
      let skipped = 0;
      for (let unit = 0; unit < units; unit++) skipped += result[unit * 4 + 3]!;
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
  function boundReady(ctx: Context, b: BlockDescription, center: Float32Array): boolean {
    const dim = ctx.dim;
    if (!ctx.bound) {
      const rows = new Float32Array(b.memory.buffer, b.data, ctx.rows * dim);
      const basis = principalBasis(rows, dim, ctx.rows, BOUND_DIMS);
      new Float32Array(b.memory.buffer, b.basis, BOUND_DIMS * dim).set(basis);
      kernelsOn(b.memory).projectRows(b.data, dim, ctx.rows, b.basis, b.proj);
      ctx.bound = { basis, picks: 0, pausedUntil: 0 };
    }
    if (ctx.bound.picks < ctx.bound.pausedUntil) return false;
    const projected = new Float32Array(b.memory.buffer, b.projCenter, BOUND_DIMS);
    for (let t = 0; t < BOUND_DIMS; t++) projected[t] = dot(ctx.bound.basis, t * dim, center, 0, dim);
    return true;
  }

  const kernels: FastKernels = {
    threads,
    precision,
    relaxedSimd: variant.relaxed,
    stats,

    get workerRecycles() {
      return pool.recycles;
    },

    rowsPerBlock: (dim) => layout(dim, precision).rowsPerBlock,

    sharedFloat64(length, matrix) {
      // Beside the rows when the matrix is one block and nobody holds that place: the fused update.
      if (matrix && precision === 'float32' && matrix.dim > 0) {
        const ctx = contextFor(matrix.data, matrix.dim, matrix.data.length / matrix.dim, 'float32');
        const b = ctx.blocks[0]!;
        if (ctx.blocks.length === 1 && b.rows === length && !ctx.stateOwner?.deref()) {
          const view = new Float64Array(b.memory.buffer, b.minDist, length).fill(0);
          ctx.stateOwner = new WeakRef(view);
          return view;
        }
      }
      return new Float64Array(new SharedArrayBuffer(length * 8));
    },

    kCenterUpdate(data, dim, center, active, activeCount, minDistSq, changed) {
      if (activeCount === 0) return { max: 0, argMax: -1, changedCount: 0 };
      const ctx = contextFor(data, dim, data.length / dim, precision);
      for (const view of ctx.centers) view.set(center.subarray(0, dim));
      const centerNorm = precision === 'int8' ? dot(center, 0, center, 0, dim) : dot32(center, 0, center, 0, dim);
      const only = ctx.blocks.length === 1 ? ctx.blocks[0]! : undefined;
      // The state handed out beside the rows (not by its buffer: a grown memory gives a new buffer object).
      if (only && precision === 'float32' && ctx.stateOwner?.deref() === minDistSq) {
        return fusedKCenterUpdate(ctx, only, center, centerNorm, active, activeCount, changed);
      }
      const parallel = isShared(minDistSq) && worthThreads(activeCount * dim);
      let activeArray = active;
      let changedArray = changed;
      if (parallel) {
        if (activeScratch.length < activeCount) {
          activeScratch = sharedInt32(activeCount);
          changedScratch = sharedInt32(activeCount);
        }
        activeScratch.set(active.subarray(0, activeCount));
        activeArray = activeScratch;
        changedArray = changedScratch;
      }
      const units = Math.ceil(activeCount / CHUNK);
      const result = parallel ? new Float64Array(new SharedArrayBuffer(units * 3 * 8)) : new Float64Array(units * 3);
      runOp(makeOp('kcenter', 0, activeCount, CHUNK, parallel, { ctx: ctx.id, active: activeArray, minDistSq, changed: changedArray, result, centerNorm }));
      return mergeUnits(result, 3, units, CHUNK, changedArray, changed);
    },

    knnDistances(data, dim, rows, start, end, k, candidates) {
      const candidateCount = (candidates?.end ?? rows) - (candidates?.start ?? 0);
      const kk = Math.min(k, Math.max(0, candidateCount - 1));
      if (kk === 0 || end <= start) return new Float32Array((end - start) * k).fill(NaN);
      const m = Math.min(kk + MARGIN, candidateCount);
      if (!listsFit(dim, m)) return reference(() => scalarKernels.knnDistances(data, dim, rows, start, end, k, candidates));
      return neighbours('knn', data, dim, rows, start, end, data, rows, k, kk, m, candidates).out;
    },

    nearestDistances(data, dim, start, end, queries, queryRows) {
      if (queryRows === 0 || end <= start) return new Float32Array(Math.max(0, end - start)).fill(Infinity);
      const m = Math.min(1 + MARGIN, queryRows);
      if (!listsFit(dim, m)) return reference(() => scalarKernels.nearestDistances(data, dim, start, end, queries, queryRows));
      return neighbours('nearest', data, dim, data.length / dim, start, end, queries, queryRows, 1, 1, m, undefined).out;
    },

    nearestRows(data, dim, start, end, candidates, candidateRows, m): NearestRows {
      if (candidateRows === 0 || end <= start || m === 0) {
        return { ids: new Int32Array(Math.max(0, end - start) * m).fill(-1), distances: new Float32Array(Math.max(0, end - start) * m).fill(NaN) };
      }
      const kept = Math.min(m + MARGIN, candidateRows);
      if (!listsFit(dim, kept)) return reference(() => scalarKernels.nearestRows(data, dim, start, end, candidates, candidateRows, m));
      const { out, ids } = neighbours('ids', data, dim, data.length / dim, start, end, candidates, candidateRows, m, m, kept, undefined);
      return { ids: ids!, distances: out };
    },

    readAll(data, dim) {
      const ctx = contextFor(data, dim, data.length / dim, 'float32');
      const rows = ctx.blocks[0]!.rows;
      const step = 16_384;
      const result = new Float64Array(new SharedArrayBuffer(Math.ceil(rows / step) * 8));
      const started = performance.now();
      pool.run(makeOp('read', 0, rows, step, threads > 1, { ctx: ctx.id, result }));
      return (performance.now() - started) / 1000;
    },

    forget(data) {
      const byKind = contexts.get(data);
      if (!byKind) return;
      contexts.delete(data);
      released.unregister(data);
      for (const ctx of byKind.values()) pool.release(ctx.id);
    },

    close: () => pool.close(),
  };
  return kernels;
}

/**
 * The k-center units' results in unit order — `[max, argMax, changedCount, …]` every `stride` values —
 * merged as the reference would have found them: the largest max, ties to the lowest row; the changed
 * rows (unit u's from `changedFrom[u·step]` on) concatenated into `changed`, which may be `changedFrom`.
 */
function mergeUnits(result: Float64Array, stride: number, units: number, step: number, changedFrom: Int32Array, changed: Int32Array) {
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

/** int8 per row: q = round(v / s), s = max |v| / 127 (a zero row keeps s = 0). */
export function quantise(data: Float32Array, dim: number, rows: number): { values: Int8Array; scales: Float32Array } {
  const values = new Int8Array(rows * dim);
  const scales = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let maxAbs = 0;
    for (let d = 0; d < dim; d++) maxAbs = Math.max(maxAbs, Math.abs(data[r * dim + d]!));
    const scale = Math.fround(maxAbs / 127);
    scales[r] = scale;
    if (scale === 0) continue;
    for (let d = 0; d < dim; d++) values[r * dim + d] = Math.round(data[r * dim + d]! / scale);
  }
  return { values, scales };
}

function dequantisedNorms(values: Int8Array, scales: Float32Array, dim: number, rows: number): Float64Array {
  const norms = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let d = 0; d < dim; d++) s += values[r * dim + d]! ** 2;
    norms[r] = s * scales[r]! * scales[r]!;
  }
  return norms;
}
