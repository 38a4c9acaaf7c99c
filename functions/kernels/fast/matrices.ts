/**
 * Matrices copied into WebAssembly memory, once per Float32Array and storage (kept while the array
 * lives, released on every thread when it is collected or forgotten), laid out as ops/layout.ts declares,
 * with room for int8 codes of the rows when the k-center scan reads codes (fast/kcenter.ts fills it) —
 * or allocated there to begin with ({@link Matrices.allocate}, {@link Matrices.allocateRows}): the caller
 * writes the rows straight into the blocks, and no copy is made.
 */
import { dot, rowCountOf, rowNormsSq, type MatrixRows, type RowBlocks } from '../index.js';
import { CHUNK, MAX_MEMORY_BYTES, PAGE, placeBlock, rowsPerBlock, scratchPerThread, type BlockDescription, type BlockShape, type ContextDescription, type Storage } from '../ops/layout.js';
import { wasm } from '../wasm/api.js';
import type { FastRuntime } from './runtime.js';

/** A matrix as the main thread keeps it. */
export interface MatrixContext extends ContextDescription {
  /** Float32 views of each block's centre area (written before each k-center op). */
  readonly centers: Float32Array[];
  /** The array handed out for the k-center state beside the rows, while it lives. */
  stateOwner?: WeakRef<Float64Array>;
  /** In several blocks: whether each block's state area holds the handed-out array's values for its rows. */
  stateInBlocks?: boolean;
  /** The projection bound: its basis once the rows are projected, and when to try it again. */
  bound?: { basis: Float32Array; picks: number; pausedUntil: number };
  /** Where symmetric kNN's candidate lists start, once the block has grown for them. */
  symmetric?: number;
  /** Whether the rows were written by the caller straight into the block ({@link Matrices.allocate}). */
  allocated?: boolean;
  /** An allocated matrix whose rows were written since its norms were computed: they are, on next use. */
  unsealed?: boolean;
  /** An allocated matrix whose float64 norms are not computed yet (on the first use that reads them). */
  norms64Pending?: boolean;
  /** Whether the int8 codes of the rows are filled (quantised on the first coded update; rows written since clear it). */
  codesFilled?: boolean;
}

export interface MatrixOptions {
  /** Largest WebAssembly memory per block of rows, bytes. */
  readonly blockBytes: number;
  /** Whether blocks keep the rows' projections for the k-center bound. */
  readonly prune: boolean;
  /** Whether blocks have room for int8 codes of the rows, which the k-center scan reads first. */
  readonly codes: boolean;
}

export class Matrices {
  private readonly contexts = new WeakMap<MatrixRows, Map<string, MatrixContext>>();
  private readonly released: FinalizationRegistry<number>;
  private nextId = 1;

  constructor(
    private readonly runtime: FastRuntime,
    private readonly options: MatrixOptions,
  ) {
    this.released = new FinalizationRegistry<number>((id) => runtime.pool.release(id));
  }

  /** The shape of a block of a matrix of `dim` columns stored as `kind`. */
  shape(dim: number, kind: Storage): BlockShape {
    return { dim, kind, threads: this.runtime.threads, scratchPerThread: scratchPerThread(dim), prune: this.options.prune, codes: this.options.codes };
  }

  rowsPerBlock(dim: number, kind: Storage): number {
    return rowsPerBlock(this.shape(dim, kind), this.options.blockBytes);
  }

  /**
   * The context of the first `rows` rows of `data` stored as `kind`, copied into WebAssembly memory on
   * first use. `norms64`: whether the caller reads the reference's float64 norms (the neighbour ops do,
   * k-center does not), which an allocated matrix computes only then.
   */
  contextFor(data: MatrixRows, dim: number, rows: number, kind: Storage, norms64 = true): MatrixContext {
    let byKind = this.contexts.get(data);
    const key = `${kind}/${dim}/${rows}`;
    const found = byKind?.get(key);
    if (found?.unsealed) this.seal(found);
    if (found?.norms64Pending && norms64) this.fillNorms64(found);
    if (found) return found;
    this.runtime.stats.copiedMatrices++;
    const context = this.copyIn(data instanceof Float32Array && data.length !== rows * dim ? data.subarray(0, rows * dim) : data, dim, rows, kind);
    this.runtime.pool.addContext(context);
    this.released.register(data, context.id, data);
    if (!byKind) {
      byKind = new Map();
      this.contexts.set(data, byKind);
    }
    byKind.set(key, context);
    return context;
  }

  /**
   * A zeroed matrix of `rows` × `dim` whose rows the caller writes: a view of the rows' area of a float32
   * block, registered as the matrix's context, so the first kernel call finds it without copying (its
   * norms are computed then). Released like a copy: when the view is collected, or by {@link forget}
   * (the view stays readable; a later use copies it). A matrix larger than one block cannot be one view:
   * it is a plain array, copied on first use ({@link allocateRows} gives it in blocks instead).
   */
  allocate(rows: number, dim: number): Float32Array {
    const perBlock = this.rowsPerBlock(dim, 'float32');
    if (rows > perBlock || dim === 0 || rows === 0) return new Float32Array(rows * dim);
    const { views, context } = this.allocateBlocks(rows, dim, perBlock);
    const view = views[0]!;
    this.register(view, context);
    return view;
  }

  /**
   * As {@link allocate}, but a matrix larger than one block is {@link RowBlocks}: one view per block,
   * each block allocated as one matrix is, all registered as one context under the returned object — the
   * rows exist once, however many blocks they span.
   */
  allocateRows(rows: number, dim: number): MatrixRows {
    const perBlock = this.rowsPerBlock(dim, 'float32');
    if (rows <= perBlock || dim === 0) return this.allocate(rows, dim);
    const { views, context } = this.allocateBlocks(rows, dim, perBlock);
    const blocks: RowBlocks = { views, rowsPerBlock: perBlock };
    this.register(blocks, context);
    return blocks;
  }

  /** Zeroed blocks of `perBlock` rows (the last one the rest) and their context, not yet registered. */
  private allocateBlocks(rows: number, dim: number, perBlock: number): { views: Float32Array[]; context: MatrixContext } {
    const shape = this.shape(dim, 'float32');
    const views: Float32Array[] = [];
    const blocks: BlockDescription[] = [];
    const centers: Float32Array[] = [];
    for (let rowStart = 0; rowStart < rows; rowStart += perBlock) {
      const blockRows = Math.min(perBlock, rows - rowStart);
      const { at, end } = placeBlock(shape, blockRows);
      const memory = new wasm.Memory({ initial: Math.ceil(end / PAGE), maximum: MAX_MEMORY_BYTES / PAGE, shared: true });
      const buffer = memory.buffer;
      views.push(new Float32Array(buffer, at.data, blockRows * dim));
      centers.push(new Float32Array(buffer, at.center, dim));
      blocks.push({ memory, rowStart, rows: blockRows, ...at });
    }
    const context: MatrixContext = {
      id: this.nextId++,
      kind: 'float32',
      dim,
      rows,
      rowsPerBlock: perBlock,
      chunk: CHUNK,
      scratchPerThread: shape.scratchPerThread,
      codes: shape.codes,
      blocks,
      centers,
      allocated: true,
      unsealed: true,
    };
    return { views, context };
  }

  private register(data: MatrixRows, context: MatrixContext): void {
    this.runtime.pool.addContext(context);
    this.released.register(data, context.id, data);
    this.contexts.set(data, new Map([[`float32/${context.dim}/${context.rows}`, context]]));
    this.runtime.stats.allocatedMatrices++;
  }

  /**
   * The rows of `data` were written after a kernel saw it: an allocated matrix gets its norms again on
   * next use (and its projection bound again); a copied one is dropped, and copied again on next use.
   */
  written(data: MatrixRows): void {
    const byKind = this.contexts.get(data);
    if (!byKind) return;
    for (const [key, ctx] of byKind) {
      if (ctx.allocated) {
        ctx.unsealed = true;
        ctx.bound = undefined;
        ctx.codesFilled = false;
      } else {
        byKind.delete(key);
        this.runtime.pool.release(ctx.id);
      }
    }
    if (byKind.size > 0) return;
    this.contexts.delete(data);
    this.released.unregister(data);
  }

  /**
   * An allocated matrix's float32 squared norms, from the rows written into its blocks, as {@link copyIn}
   * computes them; the float64 ones wait for a caller that reads them ({@link fillNorms64}): k-center
   * alone never does, and at 10M rows they are 80 MB and seconds of JavaScript.
   */
  private seal(ctx: MatrixContext): void {
    for (const b of ctx.blocks) this.runtime.kernelsOn(b.memory).rowNorms32(b.data, ctx.dim, b.rows, b.norms32);
    ctx.unsealed = false;
    ctx.norms64Pending = true;
  }

  /** The reference's float64 squared norms of an allocated matrix's rows, as {@link copyIn} computes them. */
  private fillNorms64(ctx: MatrixContext): void {
    const dim = ctx.dim;
    for (const b of ctx.blocks) {
      const rows = new Float32Array(b.memory.buffer, b.data, b.rows * dim);
      const norms = new Float64Array(b.memory.buffer, b.norms64, b.rows);
      for (let r = 0; r < b.rows; r++) norms[r] = dot(rows, r * dim, rows, r * dim, dim);
    }
    ctx.norms64Pending = false;
  }

  /** Frees every copy of `data` now; a later use copies it again. */
  forget(data: MatrixRows): void {
    const byKind = this.contexts.get(data);
    if (!byKind) return;
    this.contexts.delete(data);
    this.released.unregister(data);
    for (const ctx of byKind.values()) this.runtime.pool.release(ctx.id);
  }

  private copyIn(source: MatrixRows, dim: number, rows: number, kind: Storage): MatrixContext {
    const shape = this.shape(dim, kind);
    const perBlock = rowsPerBlock(shape, this.options.blockBytes);
    // Rows in blocks of another size (rare: another kernels' blocks) are gathered into one array first.
    const matrix = source instanceof Float32Array ? source : contiguousRows(source, dim, rows);
    const norms = rowNormsSq(matrix, dim);
    const blocks: BlockDescription[] = [];
    const centers: Float32Array[] = [];
    for (let rowStart = 0; rowStart < rows || (rows === 0 && blocks.length === 0); rowStart += perBlock) {
      const blockRows = Math.min(perBlock, rows - rowStart);
      const { at, end } = placeBlock(shape, blockRows);
      // Growable to 4 GiB: symmetric kNN appends its candidate lists (fast/neighbours.ts).
      const memory = new wasm.Memory({ initial: Math.ceil(end / PAGE), maximum: MAX_MEMORY_BYTES / PAGE, shared: true });
      const buffer = memory.buffer;
      const span = [rowStart * dim, (rowStart + blockRows) * dim] as const;
      new Float32Array(buffer, at.data, blockRows * dim).set(matrix.subarray(...span));
      centers.push(new Float32Array(buffer, at.center, dim));
      new Float64Array(buffer, at.norms64, blockRows).set(norms.subarray(rowStart, rowStart + blockRows));
      // float32 norms: k-center's (dot32, computed in WebAssembly: the reference's values ~20× faster
      // than its Math.fround loop), also the keys of the float32 neighbour pass.
      this.runtime.kernelsOn(memory).rowNorms32(at.data, dim, blockRows, at.norms32);
      blocks.push({ memory, rowStart, rows: blockRows, ...at });
      if (rows === 0) break;
    }
    return { id: this.nextId++, kind, dim, rows, rowsPerBlock: perBlock, chunk: CHUNK, scratchPerThread: shape.scratchPerThread, codes: shape.codes, blocks, centers };
  }
}

/** The first `rows` rows of row blocks, in one array. */
function contiguousRows(blocks: RowBlocks, dim: number, rows: number): Float32Array {
  const out = new Float32Array(rows * dim);
  let offset = 0;
  for (const view of blocks.views) {
    if (offset >= out.length) break;
    const part = view.subarray(0, Math.min(view.length, out.length - offset));
    out.set(part, offset);
    offset += part.length;
  }
  if (rowCountOf(blocks, dim) < rows) throw new RangeError(`the row blocks hold ${rowCountOf(blocks, dim)} rows, ${rows} asked`);
  return out;
}
