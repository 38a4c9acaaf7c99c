/**
 * The kernels the engine uses unless told otherwise: the fast ones (WebAssembly SIMD on every core),
 * or the scalar reference where this runtime lacks WebAssembly SIMD or shared memory, or when
 * `WINNOW_KERNELS=scalar`. Created once per process, on first use.
 *
 * DIVERSITY's k-center scan reads int8 codes of the rows first and float32 only where the codes cannot
 * rule a row out — float32's picks bit for bit, from about a quarter of the bytes (README of this
 * folder); `WINNOW_KCENTER_PRECISION=float32` scans the float32 rows alone.
 *
 * `WINNOW_KERNEL_BLOCK_BYTES` lowers the size of a block of rows (one WebAssembly memory, 4 GiB at
 * most): a test makes a small dataset span several blocks with it, as 10M rows do at the default.
 */
import { KernelOptionError } from './errors.js';
import { createFastKernels, kernelModule, type FastKernels } from './fast.js';
import { scalarKernels, type Kernels } from './index.js';
import { MAX_MEMORY_BYTES } from './ops/layout.js';

let engine: Kernels | undefined;

export function engineKernels(): Kernels {
  if (!engine) {
    const blockBytes = kernelBlockBytes();
    engine = process.env.WINNOW_KERNELS !== 'scalar' && kernelModule() ? createFastKernels({ precision: kCenterPrecision(), ...(blockBytes ? { blockBytes } : {}) }) : scalarKernels;
  }
  return engine;
}

/**
 * Drops the engine's kernels (their threads closed), so that the next use creates them from the
 * environment as it is then: for a test that compares runs under two settings in one process.
 */
export async function resetEngineKernels(): Promise<void> {
  const current = engine;
  engine = undefined;
  if (current && 'close' in current) await (current as FastKernels).close();
}

/** The largest block of rows, bytes: `WINNOW_KERNEL_BLOCK_BYTES`, or undefined for the default (4 GiB). */
export function kernelBlockBytes(value = process.env.WINNOW_KERNEL_BLOCK_BYTES): number | undefined {
  if (value === undefined || value === '') return undefined;
  const bytes = Number(value);
  if (!Number.isInteger(bytes) || bytes <= 0 || bytes > MAX_MEMORY_BYTES) throw new KernelOptionError('WINNOW_KERNEL_BLOCK_BYTES', `must be a whole number of bytes in (0, 4 GiB], got ${JSON.stringify(value)}`);
  return bytes;
}

/** What the k-center scan reads: `WINNOW_KCENTER_PRECISION`, int8 codes by default. */
export function kCenterPrecision(value = process.env.WINNOW_KCENTER_PRECISION): 'float32' | 'int8' {
  if (value === undefined || value === '' || value === 'int8') return 'int8';
  if (value === 'float32') return 'float32';
  throw new KernelOptionError('WINNOW_KCENTER_PRECISION', `must be float32 or int8, got ${JSON.stringify(value)}`);
}
