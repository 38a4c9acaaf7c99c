/**
 * Matrices copied into WebAssembly memory, once per Float32Array and storage (kept while the array
 * lives, released on every thread when it is collected or forgotten), laid out as ops/layout.ts declares;
 * with room for int8 codes of the rows when the k-center scan reads codes (fast/kcenter.ts fills it).
 */
import { rowNormsSq } from '../index.js';
import { CHUNK, MAX_MEMORY_BYTES, PAGE, placeBlock, rowsPerBlock, scratchPerThread, type BlockDescription, type BlockShape, type ContextDescription, type Storage } from '../ops/layout.js';
import { wasm } from '../wasm/api.js';
import type { FastRuntime } from './runtime.js';

/** A matrix as the main thread keeps it. */
export interface MatrixContext extends ContextDescription {
  /** Float32 views of each block's centre area (written before each k-center op). */
  readonly centers: Float32Array[];
  /** The array handed out for the k-center state beside the rows (one block only), while it lives. */
  stateOwner?: WeakRef<Float64Array>;
  /** The projection bound: its basis once the rows are projected, and when to try it again. */
  bound?: { basis: Float32Array; picks: number; pausedUntil: number };
  /** Where symmetric kNN's candidate lists start, once the block has grown for them. */
  symmetric?: number;
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
  private readonly contexts = new WeakMap<Float32Array, Map<string, MatrixContext>>();
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

  /** The context of the first `rows` rows of `data` stored as `kind`, copied into WebAssembly memory on first use. */
  contextFor(data: Float32Array, dim: number, rows: number, kind: Storage): MatrixContext {
    let byKind = this.contexts.get(data);
    const key = `${kind}/${dim}/${rows}`;
    const found = byKind?.get(key);
    if (found) return found;
    const context = this.copyIn(data.length === rows * dim ? data : data.subarray(0, rows * dim), dim, rows, kind);
    this.runtime.pool.addContext(context);
    this.released.register(data, context.id, data);
    if (!byKind) {
      byKind = new Map();
      this.contexts.set(data, byKind);
    }
    byKind.set(key, context);
    return context;
  }

  /** Frees every copy of `data` now; a later use copies it again. */
  forget(data: Float32Array): void {
    const byKind = this.contexts.get(data);
    if (!byKind) return;
    this.contexts.delete(data);
    this.released.unregister(data);
    for (const ctx of byKind.values()) this.runtime.pool.release(ctx.id);
  }

  private copyIn(matrix: Float32Array, dim: number, rows: number, kind: Storage): MatrixContext {
    const shape = this.shape(dim, kind);
    const perBlock = rowsPerBlock(shape, this.options.blockBytes);
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
