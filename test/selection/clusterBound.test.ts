/**
 * DIVERSITY's k-center update skips the clusters of rows (and the rows) a pick cannot come nearer to
 * (functions/selection/strategies/clusterBound.ts): the picks, scores, objectives and stopping are those
 * of the update over every candidate, bit for bit, with the fast kernels in one block or several, the
 * scalar kernels, and across a checkpoint — while most rows are never handed to the kernel. And
 * DIVERSITY keeps no per-row logs of the distances where the lazy arg-max asks for a few a pick.
 */
import { afterEach, expect, it } from 'vitest';
import { createFastKernels } from '../../functions/kernels/fast.js';
import { scalarKernels, type Kernels } from '../../functions/kernels/index.js';
import { selectionConfig } from '../../functions/selection/config.js';
import { blockMatrix } from '../../functions/selection/matrix.js';
import { prepareSelection, runGreedy } from '../../functions/selection/select.js';
import { clusterBoundStats, kCenterClusterRows, KCENTER_CLUSTER_ROWS_ENV } from '../../functions/selection/strategies/clusterBound.js';
import type { EmbeddingMatrix, MetadataColumn, MetadataValueType, SelectionSource } from '../../functions/selection/types.js';
import { rng } from './source.js';

const ROWS = 6000;
const DIM = 32;
const BLOBS = 24;

afterEach(() => {
  delete process.env[KCENTER_CLUSTER_ROWS_ENV];
});

/** Unit rows around 24 random directions (a spread of about 0.1 against about 1.4 between blobs), in the given order. */
function blobRows(): Float32Array {
  const random = rng(5);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const centers = Array.from({ length: BLOBS * DIM }, gauss);
  const data = new Float32Array(ROWS * DIM);
  for (let r = 0; r < ROWS; r++) {
    const c = Math.floor(random() * BLOBS) * DIM;
    let norm = 0;
    for (let d = 0; d < DIM; d++) {
      const v = centers[c + d]! / Math.sqrt(DIM) + gauss() * 0.02;
      data[r * DIM + d] = v;
      norm += v * v;
    }
    for (let d = 0; d < DIM; d++) data[r * DIM + d]! /= Math.sqrt(norm);
  }
  return data;
}

const DATA = blobRows();
const WEIGHTS = Float64Array.from({ length: ROWS }, (_, r) => 0.5 + ((r * 7919) % 1000) / 2000);

function sourceOf(matrix: EmbeddingMatrix): SelectionSource {
  const keys = new Map<string, MetadataValueType>([['score', 'NUMERIC_FLOAT']]);
  const score: MetadataColumn = { kind: 'numeric', values: WEIGHTS };
  return {
    rowCount: ROWS,
    fileName: (row) => `img_${row}.png`,
    embeddings: () => matrix,
    objectEmbeddings: () => undefined,
    querySet: () => undefined,
    metadataKeys: () => keys,
    metadata: (key) => (key === 'score' ? score : undefined),
    tasks: () => new Map(),
    score: () => undefined,
    scoreNames: () => [],
    classCounts: () => undefined,
    categoryCount: () => undefined,
  };
}

const WITH_WEIGHTS = selectionConfig({
  n_samples: 400,
  strategies: [
    { input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY' } },
    { input: { type: 'METADATA', key: 'score' }, strategy: { type: 'WEIGHTS' } },
  ],
});

function select(kernels: Kernels, matrix: EmbeddingMatrix, config = WITH_WEIGHTS, bound = true) {
  if (bound) process.env[KCENTER_CLUSTER_ROWS_ENV] = '1000';
  else delete process.env[KCENTER_CLUSTER_ROWS_ENV];
  const before = { ...clusterBoundStats };
  const result = runGreedy(prepareSelection(config, sourceOf(matrix), { kernels }));
  const updates = clusterBoundStats.updates - before.updates;
  return { result, updates, candidateRows: clusterBoundStats.candidateRows - before.candidateRows, skippedRows: clusterBoundStats.skippedRows - before.skippedRows };
}

it('gives the picks, scores and objectives of the full update while handing the kernel under a third of the rows', () => {
  const fast = createFastKernels({ threads: 2 });
  const matrix = { rows: ROWS, dim: DIM, data: DATA };
  const full = select(fast, matrix, WITH_WEIGHTS, false);
  const boundedOps = fast.stats.boundedOps;
  const pruned = select(fast, matrix);
  expect(full.updates).toBe(0);
  // The kernels' own projection bound runs on full lists, never on the prefiltered ones.
  expect(boundedOps).toBeGreaterThan(0);
  expect(fast.stats.boundedOps).toBe(boundedOps);
  expect(pruned.result.state.picks).toHaveLength(400);
  expect(pruned.result.state.picks).toEqual(full.result.state.picks);
  expect(pruned.result.stopReason).toBe(full.result.stopReason);
  // One update per pick; every row of every update is either handed over or skipped.
  expect(pruned.updates).toBe(400);
  // (A skipped cluster counts its picked rows too; a scanned one holds at most the 400 picked.)
  expect(pruned.candidateRows + pruned.skippedRows).toBeGreaterThanOrEqual(400 * (ROWS - 400));
  expect(pruned.candidateRows).toBeLessThan(0.3 * 400 * ROWS);
  // The same with the scalar kernels.
  expect(select(scalarKernels, matrix).result.state.picks).toEqual(full.result.state.picks);
});

it('stops at the same minimum distance, which it reads from the clusters\' largest distances', () => {
  const fast = createFastKernels({ threads: 2 });
  const matrix = { rows: ROWS, dim: DIM, data: DATA };
  const config = selectionConfig({ n_samples: 3000, strategies: [{ input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY', stopping_condition_minimum_distance: 0.2 } }] });
  const full = select(fast, matrix, config, false);
  const pruned = select(fast, matrix, config);
  expect(full.result.stopReason).toBe('MIN_DISTANCE');
  expect(full.result.state.picks.length).toBeGreaterThan(BLOBS);
  expect(full.result.state.picks.length).toBeLessThan(3000);
  expect(pruned.result.stopReason).toBe('MIN_DISTANCE');
  expect(pruned.result.state.picks).toEqual(full.result.state.picks);
  expect(pruned.skippedRows).toBeGreaterThan(pruned.candidateRows);
});

it('gives the same picks over rows in several blocks, and when resumed from a checkpoint', () => {
  const matrix = { rows: ROWS, dim: DIM, data: DATA };
  const expected = select(createFastKernels({ threads: 2 }), matrix, WITH_WEIGHTS, false).result.state.picks;
  // Blocks of about 1,000 rows, read in place.
  const blocked = createFastKernels({ threads: 2, blockBytes: 400_000 });
  const rows = blocked.allocateRows!(ROWS, DIM);
  expect(rows).not.toBeInstanceOf(Float32Array);
  if (rows instanceof Float32Array) return;
  expect(rows.views.length).toBeGreaterThan(3);
  rows.views.forEach((view, b) => view.set(DATA.subarray(b * rows.rowsPerBlock * DIM, b * rows.rowsPerBlock * DIM + view.length)));
  const inBlocks = blockMatrix(ROWS, DIM, rows);
  expect(select(blocked, inBlocks).result.state.picks).toEqual(expected);
  // Interrupted after 150 picks and resumed from the strategies' snapshots in a new selection.
  process.env[KCENTER_CLUSTER_ROWS_ENV] = '1000';
  const first = runGreedy(prepareSelection(WITH_WEIGHTS, sourceOf(matrix), { kernels: createFastKernels({ threads: 2 }) }), { maxPicks: 150 });
  expect(first.done).toBe(false);
  expect(first.state.strategies?.[0]).toBeDefined();
  const before = clusterBoundStats.updates;
  const rest = runGreedy(prepareSelection(WITH_WEIGHTS, sourceOf(matrix), { kernels: createFastKernels({ threads: 2 }) }), { alreadyPicked: first.state });
  // Restored from the snapshot, not replayed: one update per new pick.
  expect(clusterBoundStats.updates - before).toBe(250);
  expect(rest.state.picks).toEqual(expected);
});

it('applies from the configured number of rows, read from the environment', () => {
  expect(kCenterClusterRows()).toBe(200_000);
  process.env[KCENTER_CLUSTER_ROWS_ENV] = '7000';
  expect(kCenterClusterRows()).toBe(7000);
  const before = clusterBoundStats.updates;
  expect(runGreedy(prepareSelection(WITH_WEIGHTS, sourceOf({ rows: ROWS, dim: DIM, data: DATA }), { kernels: scalarKernels })).state.picks).toHaveLength(400);
  expect(clusterBoundStats.updates).toBe(before);
  process.env[KCENTER_CLUSTER_ROWS_ENV] = 'many';
  expect(() => kCenterClusterRows()).toThrow(/WINNOW_KCENTER_CLUSTER_ROWS must be a whole number of rows, got 'many'/);
});

it('keeps one per-row float64 array, the distances, under the lazy arg-max; the logs of the distances only for a scan', () => {
  const matrix = { rows: ROWS, dim: DIM, data: DATA };
  const perRowFloat64 = (strategy: object) => Object.entries(strategy).flatMap(([name, value]) => (value instanceof Float64Array && value.length >= ROWS ? [name] : []));
  const lazy = prepareSelection(WITH_WEIGHTS, sourceOf(matrix), { kernels: scalarKernels });
  const lazyPicks = runGreedy(lazy).state.picks;
  expect(perRowFloat64(lazy.strategies.find((s) => s.type === 'DIVERSITY')!)).toEqual(['minDistSq']);
  const scan = prepareSelection(WITH_WEIGHTS, sourceOf(matrix), { kernels: scalarKernels });
  expect(runGreedy({ ...scan, scanEveryPick: true }).state.picks).toEqual(lazyPicks);
  expect(perRowFloat64(scan.strategies.find((s) => s.type === 'DIVERSITY')!).sort()).toEqual(['logDistance', 'minDistSq']);
});
