/** What the parts of the fast kernels share: the threads, the op runner, the counters. */
import type { KernelPool } from '../pool.js';
import type { Op } from '../ops/types.js';
import type { KernelExports } from '../ops/types.js';
import { wasm, type WasmMemory, type WasmModule } from '../wasm/api.js';

/** Below this much arithmetic (multiply-adds) one thread is faster than waking the others. */
const PARALLEL_WORK = 1 << 18;

export interface FastStats {
  parallelOps: number;
  fusedOps: number;
  boundedOps: number;
  skippedRows: number;
  /** Rows the k-center update computed in float32 (with int8 codes: those the codes could not rule out). */
  float32Rows: number;
  symmetricOps: number;
  exactRows: number;
  referenceCalls: number;
  /** Matrices copied into WebAssembly memory on first use (fast/matrices.ts), and allocated there to begin with. */
  copiedMatrices: number;
  allocatedMatrices: number;
}

export class FastRuntime {
  readonly stats: FastStats = { parallelOps: 0, fusedOps: 0, boundedOps: 0, skippedRows: 0, float32Rows: 0, symmetricOps: 0, exactRows: 0, referenceCalls: 0, copiedMatrices: 0, allocatedMatrices: 0 };

  constructor(
    readonly module: WasmModule,
    readonly pool: KernelPool,
    readonly threads: number,
  ) {}

  run(op: Op): void {
    if (op.parallel && this.threads > 1) this.stats.parallelOps++;
    this.pool.run(op);
  }

  /** Whether `work` multiply-adds are worth waking the other threads for. */
  worthThreads(work: number): boolean {
    return this.threads > 1 && work >= PARALLEL_WORK;
  }

  /** The kernels on one block's memory, for the one-off calls the main thread makes while preparing it. */
  kernelsOn(memory: WasmMemory): KernelExports {
    return new wasm.Instance(this.module, { env: { memory } }).exports as unknown as KernelExports;
  }
}

export const sharedFloat32 = (length: number): Float32Array => new Float32Array(new SharedArrayBuffer(length * 4));
export const sharedInt32 = (length: number): Int32Array => new Int32Array(new SharedArrayBuffer(length * 4));
export const sharedFloat64 = (length: number): Float64Array => new Float64Array(new SharedArrayBuffer(length * 8));
