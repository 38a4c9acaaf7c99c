/**
 * The kernels the engine uses unless told otherwise: the fast ones (WebAssembly SIMD on every core),
 * or the scalar reference where this runtime lacks WebAssembly SIMD or shared memory, or when
 * `WINNOW_KERNELS=scalar`. Created once per process, on first use.
 *
 * DIVERSITY's k-center scan reads int8 codes of the rows first and float32 only where the codes cannot
 * rule a row out — float32's picks bit for bit, from about a quarter of the bytes (README of this
 * folder); `WINNOW_KCENTER_PRECISION=float32` scans the float32 rows alone.
 */
import { KernelOptionError } from './errors.js';
import { createFastKernels, kernelModule } from './fast.js';
import { scalarKernels, type Kernels } from './index.js';

let engine: Kernels | undefined;

export function engineKernels(): Kernels {
  engine ??= process.env.WINNOW_KERNELS !== 'scalar' && kernelModule() ? createFastKernels({ precision: kCenterPrecision() }) : scalarKernels;
  return engine;
}

/** What the k-center scan reads: `WINNOW_KCENTER_PRECISION`, int8 codes by default. */
export function kCenterPrecision(value = process.env.WINNOW_KCENTER_PRECISION): 'float32' | 'int8' {
  if (value === undefined || value === '' || value === 'int8') return 'int8';
  if (value === 'float32') return 'float32';
  throw new KernelOptionError('WINNOW_KCENTER_PRECISION', `must be float32 or int8, got ${JSON.stringify(value)}`);
}
