/**
 * The selection kernels against the targets, on seeded L2-normalised Gaussian float32 data.
 * Each benchmark prints one JSON line:
 *   {"bench":"kcenter","N":1000000,"D":128,"k":1000,"seconds":…,"gbps":…,"mem_gbps":…,"threads":2,"load1":…}
 * `seconds` times the kernel work only (not data generation, not the one-off copy into WebAssembly
 * memory); `gbps` is embedding bytes scanned per second; `gflops` counts 2·D flops per distance;
 * `mem_gbps` is this machine's read bandwidth measured just before (all threads streaming the matrix),
 * so the ratio can be read on any machine; `load1` is the 1-minute load average (the machine is shared);
 * `relaxed_simd` says whether the neighbour filter ran the relaxed-SIMD variant (fused multiply-add), as
 * on the Lambda runtime (Node 22) — `npm run bench` turns it on under Node 20 too, and
 * `WINNOW_RELAXED_SIMD=off` turns it off for a before/after.
 *
 *   kcenter             N=1M, D=128, k=1,000 farthest-first picks        target ≤ 1.0× numpy per pick
 *                       (`numpySeconds`: bench/reference/kcenter.py, farthest-first with numpy's `X @ c`
 *                       on the same matrix, run beside it; `ratio`: ours per pick / numpy's per pick)
 *   knn                 N=100k, D=128, K=20, every row a query           target ≥ 120 GFLOP/s (≤ 22 s)
 *   nearest             N=1M, D=128, Q=1,000 queries                     target ≤ 4 s
 *   kcenter-int8        kcenter reading int8 codes first (`precision: 'int8'`), N=1M, 1,000 picks: ratio
 *                       to numpy float32 (target ≤ 0.4×), whether its picks are float32's (`same_picks`,
 *                       measured against a float32 run in the same process, whose seconds it prints
 *                       too), covering radius relative to float32's, the share of rows read in float32
 *   typicality-approx   kNN within k-means clusters, N=1M (clustered data) and its recall@20 against
 *                       exact kNN on 1,000 sampled rows
 *   kcenter-clustered   kcenter on clustered data (32 clusters, 1,000 picks), where the projection bound skips rows:
 *                       prints the share of rows skipped, and the time without the bound beside it
 *   kcenter-100k        kcenter at the size of kcenter-scalar, for a before/after under the same load
 *   kcenter-scalar, knn-scalar, nearest-scalar: the plain TypeScript reference ("before"), at sizes it
 *                       finishes in reasonable time (printed in the line)
 *
 * `WINNOW_BENCH_KCENTER_ROWS` and `WINNOW_BENCH_KCENTER_PICKS` change N and k of kcenter and kcenter-int8
 * (a quick check of the benchmark itself).
 */
import { loadavg } from 'node:os';
import { approximateKnnDistances } from '../functions/selection/approximateKnn.js';
import { createFastKernels, type FastKernels } from '../functions/kernels/fast.js';
import { scalarKernels, type Kernels } from '../functions/kernels/index.js';
import { clusteredMatrix, gaussianMatrix } from '../test/kernels/matrices.js';
import { numpyFields, numpyKCenter } from './support/numpyReference.js';

export const names = ['kcenter', 'kcenter-clustered', 'kcenter-100k', 'knn', 'nearest', 'kcenter-int8', 'typicality-approx', 'kcenter-scalar', 'knn-scalar', 'nearest-scalar'] as const;

const D = 128;
const KCENTER_ROWS = Number(process.env.WINNOW_BENCH_KCENTER_ROWS ?? 1_000_000);
const KCENTER_PICKS = Number(process.env.WINNOW_BENCH_KCENTER_PICKS ?? 1000);

function line(fields: Record<string, number | string>): void {
  const rounded = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(4)) : v]));
  console.log(JSON.stringify({ ...rounded, load1: Number(loadavg()[0]!.toFixed(2)) }));
}

/**
 * Fast kernels only: `relaxed_simd`, whether the neighbour filter ran the relaxed-SIMD variant, and
 * `exact_rows`, how many rows it could not vouch for (computed over every candidate).
 */
function fastStats(kernels: Kernels): Record<string, string | number> {
  if (!('relaxedSimd' in kernels)) return {};
  const fast = kernels as FastKernels;
  return { relaxed_simd: String(fast.relaxedSimd), exact_rows: fast.stats.exactRows };
}

/** Read bandwidth: the best of five full reads of `data` on every thread. */
function memoryBandwidth(fast: FastKernels, data: Float32Array): number {
  let best = Infinity;
  for (let i = 0; i < 5; i++) best = Math.min(best, fast.readAll(data, D));
  return data.byteLength / best / 1e9;
}

/** Farthest-first traversal: k picks, the first row 0. Returns the picks and the seconds spent in the kernel. */
function farthestFirst(kernels: Kernels, data: Float32Array, rows: number, k: number): { picks: number[]; seconds: number; radius: number } {
  const active = Int32Array.from({ length: rows }, (_, i) => i);
  const position = Int32Array.from({ length: rows }, (_, i) => i);
  let activeCount = rows;
  // Beside the kernels' copy of the matrix, as DIVERSITY places it: the fused update.
  const minDistSq = (kernels.sharedFloat64?.(rows, { data, dim: D }) ?? new Float64Array(rows)).fill(Infinity);
  const changed = new Int32Array(rows);
  const picks: number[] = [];
  let next = 0;
  let radius = Infinity;
  let seconds = 0;
  for (let p = 0; p < k; p++) {
    picks.push(next);
    // Remove the pick from the active list (swap with the last), as the engine does.
    const at = position[next]!;
    const last = active[--activeCount]!;
    active[at] = last;
    position[last] = at;
    const center = data.slice(next * D, (next + 1) * D);
    const started = performance.now();
    const { max, argMax } = kernels.kCenterUpdate(data, D, center, active, activeCount, minDistSq, changed);
    seconds += (performance.now() - started) / 1000;
    next = argMax;
    radius = Math.sqrt(max);
  }
  return { picks, seconds, radius };
}

type KCenterRun = ReturnType<typeof farthestFirst>;

function kcenter(name: string, kernels: Kernels, rows: number, k: number, memGbps: number, extra: (result: KCenterRun) => Record<string, number | string> = () => ({}), data = gaussianMatrix(1, rows, D)): KCenterRun {
  // The one-off copy into WebAssembly memory, outside the timing.
  if ('readAll' in kernels) (kernels as FastKernels).readAll(data, D);
  const result = farthestFirst(kernels, data, rows, k);
  line({ bench: name, N: rows, D, k, seconds: result.seconds, gbps: (rows * D * 4 * k) / result.seconds / 1e9, ms_per_pick: (1000 * result.seconds) / k, mem_gbps: memGbps, threads: 'threads' in kernels ? (kernels as FastKernels).threads : 1, ...extra(result) });
  return result;
}

/**
 * kcenter-int8: float32 first (its picks are the ones to match), then the int8 scan on the same matrix,
 * then numpy beside both.
 */
async function kcenterInt8(fast: FastKernels, memGbps: number): Promise<void> {
  const rows = KCENTER_ROWS;
  const k = KCENTER_PICKS;
  const data = gaussianMatrix(1, rows, D);
  fast.readAll(data, D);
  const exact = farthestFirst(fast, data, rows, k);
  fast.forget(data);
  const int8 = createFastKernels({ precision: 'int8' });
  kcenter('kcenter-int8', int8, rows, k, memGbps, (reduced) => {
    // Active rows over all picks (each pick leaves the active list before its update).
    const scanned = k * rows - (k * (k + 1)) / 2;
    return {
      same_picks: String(reduced.picks.every((p, i) => p === exact.picks[i])),
      radius_ratio: reduced.radius / exact.radius,
      float32_rows: int8.stats.float32Rows / scanned,
      float32_seconds: exact.seconds,
      ...numpyFields(numpyKCenter(data, rows, D, k), reduced.seconds, k),
    };
  }, data);
  await int8.close();
}

function knn(name: string, kernels: Kernels, rows: number, memGbps: number): void {
  const data = gaussianMatrix(2, rows, D);
  const K = 20;
  kernels.knnDistances(data, D, rows, 0, 1, K); // the copy into WebAssembly memory
  const started = performance.now();
  kernels.knnDistances(data, D, rows, 0, rows, K);
  const seconds = (performance.now() - started) / 1000;
  line({ bench: name, N: rows, D, k: K, seconds, gflops: (2 * rows * rows * D) / seconds / 1e9, mem_gbps: memGbps, threads: 'threads' in kernels ? (kernels as FastKernels).threads : 1, ...fastStats(kernels) });
}

function nearest(name: string, kernels: Kernels, rows: number, memGbps: number): void {
  const data = gaussianMatrix(3, rows, D);
  const Q = 1000;
  const queries = gaussianMatrix(4, Q, D);
  kernels.nearestDistances(data, D, 0, 1, queries, Q);
  const started = performance.now();
  kernels.nearestDistances(data, D, 0, rows, queries, Q);
  const seconds = (performance.now() - started) / 1000;
  line({ bench: name, N: rows, D, k: Q, seconds, gflops: (2 * rows * Q * D) / seconds / 1e9, mem_gbps: memGbps, threads: 'threads' in kernels ? (kernels as FastKernels).threads : 1, ...fastStats(kernels) });
}

function typicalityApprox(fast: FastKernels, memGbps: number): void {
  const rows = 1_000_000;
  const K = 20;
  const data = clusteredMatrix(5, rows, D, 2000, 0.08);
  const started = performance.now();
  const approx = approximateKnnDistances(fast, data, D, rows, 0, rows, K);
  const seconds = (performance.now() - started) / 1000;
  // Recall@K on 1,000 evenly spaced rows: an approximate neighbour list can only be longer than the
  // exact one, so the approximate distances ≤ the exact K-th count the true neighbours found.
  const sample = 1000;
  let found = 0;
  for (let s = 0; s < sample; s++) {
    const row = Math.floor((s * rows) / sample);
    const exact = fast.knnDistances(data, D, rows, row, row + 1, K);
    for (let c = 0; c < K; c++) if (approx[row * K + c]! <= exact[K - 1]!) found++;
  }
  line({ bench: 'typicality-approx', N: rows, D, k: K, seconds, recall: found / (sample * K), mem_gbps: memGbps, threads: fast.threads, ...fastStats(fast) });
}

export async function run(only?: string): Promise<void> {
  const wants = (name: string) => only === undefined || only === name;
  const fast = createFastKernels();
  // The bandwidth reference: 512 MB of rows.
  const memGbps = memoryBandwidth(fast, gaussianMatrix(9, 1_000_000, D));
  if (wants('kcenter')) {
    const data = gaussianMatrix(1, KCENTER_ROWS, D);
    kcenter('kcenter', fast, KCENTER_ROWS, KCENTER_PICKS, memGbps, (result) => numpyFields(numpyKCenter(data, KCENTER_ROWS, D, KCENTER_PICKS), result.seconds, KCENTER_PICKS), data);
    fast.forget(data);
  }
  if (wants('kcenter-clustered')) {
    const rows = 1_000_000;
    const data = clusteredMatrix(5, rows, D, 32, 0.04);
    const plain = createFastKernels({ prune: false });
    const without = kcenter('kcenter-clustered-unpruned', plain, rows, 1000, memGbps, undefined, data);
    await plain.close();
    const pruning = createFastKernels();
    const withBound = kcenter('kcenter-clustered', pruning, rows, 1000, memGbps, () => ({ skipped: pruning.stats.skippedRows / (rows * 1000) }), data);
    if (withBound.picks.some((p, i) => p !== without.picks[i])) throw new Error('the projection bound changed the picks');
    await pruning.close();
  }
  if (wants('kcenter-100k')) kcenter('kcenter-100k', fast, 100_000, 1000, memGbps);
  if (wants('kcenter-int8')) await kcenterInt8(fast, memGbps);
  if (wants('knn')) knn('knn', fast, 100_000, memGbps);
  if (wants('nearest')) nearest('nearest', fast, 1_000_000, memGbps);
  if (wants('typicality-approx')) typicalityApprox(fast, memGbps);
  if (wants('kcenter-scalar')) kcenter('kcenter-scalar', scalarKernels, 100_000, 1000, memGbps);
  if (wants('knn-scalar')) knn('knn-scalar', scalarKernels, 20_000, memGbps);
  if (wants('nearest-scalar')) nearest('nearest-scalar', scalarKernels, 100_000, memGbps);
  await fast.close();
}
