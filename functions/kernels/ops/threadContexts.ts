/**
 * The matrices one thread knows: each context's blocks with an instance of the kernels on the block's
 * memory and typed views of it. The main thread creates the memories (fast/matrices.ts); workers receive
 * their descriptions by message and instantiate the kernels on them.
 */
import type { BlockDescription, ContextDescription } from './layout.js';
import type { KernelExports } from './types.js';
import { wasm, type WasmMemory, type WasmModule } from '../wasm/api.js';

export interface Views {
  readonly f32: Float32Array;
  readonly f64: Float64Array;
  readonly i32: Int32Array;
}

export interface ThreadBlock extends BlockDescription {
  readonly exports: KernelExports;
  /** Views of the block's memory; remade by {@link fresh} once the memory has grown. */
  v: Views;
}

export interface ThreadContext extends Omit<ContextDescription, 'blocks'> {
  readonly blocks: readonly ThreadBlock[];
}

export function views(memory: WasmMemory): Views {
  const buffer = memory.buffer;
  return { f32: new Float32Array(buffer), f64: new Float64Array(buffer), i32: new Int32Array(buffer) };
}

/** A block's views, remade when its memory has grown (symmetric kNN grows it; views keep their length). */
export function fresh(b: ThreadBlock): Views {
  if (b.v.i32.buffer.byteLength !== b.memory.buffer.byteLength) b.v = views(b.memory);
  return b.v;
}

export class ThreadContexts {
  private readonly contexts = new Map<number, ThreadContext>();

  constructor(private readonly module: WasmModule) {}

  add(desc: ContextDescription): void {
    const blocks = desc.blocks.map((b): ThreadBlock => {
      const instance = new wasm.Instance(this.module, { env: { memory: b.memory } });
      return { ...b, exports: instance.exports as unknown as KernelExports, v: views(b.memory) };
    });
    this.contexts.set(desc.id, { ...desc, blocks });
  }

  release(id: number): void {
    this.contexts.delete(id);
  }

  get(id: number): ThreadContext {
    const c = this.contexts.get(id);
    if (!c) throw new Error(`kernel context ${id} is unknown on this thread`);
    return c;
  }
}

/** The start of a thread's scratch area in a block. */
export function scratchOf(block: BlockDescription, ctx: Omit<ContextDescription, 'blocks'>, thread: number): number {
  return block.scratch + thread * ctx.scratchPerThread;
}

/** Where row `row` of a context lies: its block, the float32 offset of its values, its squared norm (f64). */
export function rowView(ctx: ThreadContext, row: number): { b: ThreadBlock; f32: Float32Array; offset: number; norm: number } {
  const b = ctx.blocks[Math.floor(row / ctx.rowsPerBlock)]!;
  return { b, f32: b.v.f32, offset: (b.data >>> 2) + (row - b.rowStart) * ctx.dim, norm: b.v.f64[(b.norms64 >>> 3) + row - b.rowStart]! };
}
