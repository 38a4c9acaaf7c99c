/**
 * The kernels the engine uses unless told otherwise: the fast ones (WebAssembly SIMD on every core),
 * or the scalar reference where this runtime lacks WebAssembly SIMD or shared memory, or when
 * `WINNOW_KERNELS=scalar`. Created once per process, on first use.
 */
import { createFastKernels, kernelModule } from './fast.js';
import { scalarKernels, type Kernels } from './index.js';

let engine: Kernels | undefined;

export function engineKernels(): Kernels {
  engine ??= process.env.WINNOW_KERNELS !== 'scalar' && kernelModule() ? createFastKernels() : scalarKernels;
  return engine;
}
