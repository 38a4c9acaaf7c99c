/** The engine on the fast kernels: its default, and the same selections as on the scalar reference. */
import { afterAll, expect, it } from 'vitest';
import { selectionConfig } from '../../functions/selection/config.js';
import { engineKernels, kernelBlockBytes } from '../../functions/kernels/engine.js';
import { createFastKernels } from '../../functions/kernels/fast.js';
import { scalarKernels } from '../../functions/kernels/index.js';
import { runSelection } from '../../functions/selection/select.js';
import { syntheticSource } from '../selection/source.js';
import { clusteredMatrix } from './matrices.js';

const fast = createFastKernels({ threads: 2 });
afterAll(() => fast.close());

it('uses the fast kernels by default on a runtime with WebAssembly SIMD', () => {
  expect('threads' in engineKernels()).toBe(true);
});

it('selects exactly what the scalar kernels select: DIVERSITY, TYPICALITY, SIMILARITY combined', () => {
  const rows = 2500;
  const dim = 48;
  const data = clusteredMatrix(71, rows, dim, 12, 0.1);
  const vectors = Array.from({ length: rows }, (_, r) => Array.from(data.subarray(r * dim, (r + 1) * dim)));
  const source = syntheticSource({ rows, embeddings: vectors, queries: { 'other/q': vectors.slice(0, 3) } });
  const config = selectionConfig({
    n_samples: 60,
    strategies: [
      { input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY' } },
      { input: { type: 'EMBEDDINGS' }, strategy: { type: 'TYPICALITY', num_nearest_neighbors: 8 }, strength: 0.5 },
      { input: { type: 'EMBEDDINGS', dataset_id: 'other', tag_name: 'q' }, strategy: { type: 'SIMILARITY' }, strength: 0.3 },
    ],
  });
  const onFast = runSelection(config, source, { kernels: fast });
  const onScalar = runSelection(config, source, { kernels: scalarKernels });
  expect(onFast.rows).toHaveLength(60);
  expect(onFast.picks).toEqual(onScalar.picks);
  expect(fast.stats.parallelOps).toBeGreaterThan(0);
});

it('reads the block size from WINNOW_KERNEL_BLOCK_BYTES: unset is the default, anything but whole bytes up to 4 GiB is refused', () => {
  expect(kernelBlockBytes(undefined)).toBeUndefined();
  expect(kernelBlockBytes('')).toBeUndefined();
  expect(kernelBlockBytes('300000')).toBe(300_000);
  expect(kernelBlockBytes(String(2 ** 32))).toBe(2 ** 32);
  for (const bad of ['0', '-5', '1.5', 'lots', String(2 ** 32 + 1)]) expect(() => kernelBlockBytes(bad)).toThrow(/WINNOW_KERNEL_BLOCK_BYTES/);
});
