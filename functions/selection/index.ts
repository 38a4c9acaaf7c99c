/** The selection engine: pure TypeScript over typed arrays, no I/O. */
export * from './config.js';
export * from './errors.js';
export * from './jsonc.js';
export * from './random.js';
export * from './select.js';
export type { PickExplanation, StopReason, GreedyState, GreedyResult } from './greedy.js';
export { validateAgainstSource, objectTask } from './inputs.js';
export { scalarKernels, type Kernels } from './kernels/index.js';
export type * from './types.js';
