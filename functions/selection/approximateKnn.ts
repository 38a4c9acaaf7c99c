/**
 * Approximate kNN distances for TYPICALITY on large N, as TypiClust does: cluster the rows with k-means,
 * then each row's neighbours are searched only among the rows of its own cluster. The cost falls from
 * N²·D (exact) to about N·D·(C + N/C) with C clusters — at N = 1M, C = 1,000, a five-hundredth.
 *
 * Deterministic for a seed, and independent of the row range asked for: the clustering always runs on
 * the whole matrix (a sample of it, then every row assigned), so a shard computing rows [start, end)
 * gets exactly the values that computing all rows gives for those rows. Within a cluster the distances
 * are exact (the kernels' kNN), so a row's value differs from the exact one only where a true neighbour
 * lies in another cluster; the benchmark prints the recall.
 */
import { randomValue } from './random.js';
import { rowsSwitch } from './rowsSwitch.js';
import type { Kernels } from '../kernels/index.js';
import { lastAtOrBelow, lowerBound } from './sortedSearch.js';

/** Above this many rows the engine's TYPICALITY uses {@link approximateKnnDistances}: exact kNN grows as N². */
export const APPROXIMATE_TYPICALITY_ROWS = 200_000;

/** The environment variable that moves the switch to approximate kNN (e.g. to exercise it on small data). */
export const APPROXIMATE_TYPICALITY_ROWS_ENV = 'WINNOW_APPROXIMATE_TYPICALITY_ROWS';

/** Rows above which TYPICALITY is approximate: {@link APPROXIMATE_TYPICALITY_ROWS}, or the environment's figure. */
export function approximateTypicalityRows(): number {
  return rowsSwitch(APPROXIMATE_TYPICALITY_ROWS_ENV, APPROXIMATE_TYPICALITY_ROWS);
}

export interface ApproximateKnnOptions {
  /** Seed of the k-means sample and initial centroids. */
  readonly seed?: number;
  /** Rows per cluster on average (C = round(N / clusterSize)). */
  readonly clusterSize?: number;
  /** k-means runs on a sample of this many rows per cluster. */
  readonly samplePerCluster?: number;
  /** Lloyd iterations on the sample. */
  readonly iterations?: number;
}

const DEFAULTS = { seed: 0, clusterSize: 1000, samplePerCluster: 32, iterations: 8 } as const;

/** Rows grouped by cluster: `order` lists rows cluster by cluster (ascending within one), `starts` bound them. */
export interface Clustering {
  readonly clusters: number;
  readonly order: Int32Array;
  readonly starts: Int32Array;
  /** Rows of the largest cluster. */
  readonly largest: number;
  /** The clusters' centroids, `clusters × dim` (each row assigned to its nearest). */
  readonly centroids: Float32Array;
}

const clusterings = new WeakMap<Float32Array, Map<string, Clustering>>();

/**
 * Rows of a matrix held as consecutive pieces (e.g. one piece per column shard): `starts[i]` is the first
 * row of `pieces[i]`. The clustering of pieces equals the clustering of their concatenation.
 */
export interface RowPieces {
  readonly pieces: readonly Float32Array[];
  readonly starts: readonly number[];
}

/** Row `row` of the pieces' concatenation (a view into its piece). */
export function pieceRow({ pieces, starts }: RowPieces, row: number, dim: number): Float32Array {
  const i = lastAtOrBelow(starts, row, pieces.length);
  const at = row - starts[i]!;
  return pieces[i]!.subarray(at * dim, (at + 1) * dim);
}

/** The most clusters: what a row's nearest-centroid search costs at any size (see {@link clusterCount}). */
export const MAX_CLUSTERS = 1000;

/**
 * Clusters for `rows` rows: `rows / clusterSize`, but at most √rows and at most {@link MAX_CLUSTERS}.
 * Past √rows clusters the nearest-centroid assignment (rows × clusters) costs more than the neighbour
 * search within clusters (rows × rows / clusters) saves; at the default cluster size both caps meet at
 * 1M rows. Beyond, the count stays at 1,000 and clusters grow (10M rows: 1,000 of about 10,000 rows):
 * the assignment is the cloud workflow's serial part (Plan clusters every row in one task), the search
 * within clusters its parallel part (Shards), so the growth goes where Lambdas run side by side — and
 * bigger clusters find more of the true neighbours.
 */
export function clusterCount(rows: number, clusterSize: number): number {
  return Math.max(1, Math.min(rows, Math.round(Math.min(rows / clusterSize, Math.sqrt(rows), MAX_CLUSTERS))));
}

/** The sample k-means runs on: a seeded partial Fisher–Yates shuffle driven by the counter-based generator. */
function sampleRowsOf(rows: number, sampleRows: number, seed: number): Int32Array {
  const pick = Int32Array.from({ length: rows }, (_, i) => i);
  for (let i = 0; i < sampleRows; i++) {
    const j = i + Math.floor(randomValue(seed, i) * (rows - i));
    const t = pick[i]!;
    pick[i] = pick[j]!;
    pick[j] = t;
  }
  return pick.slice(0, sampleRows);
}

/** Lloyd's k-means on the sample from its first `clusters` rows (already a random choice). */
function kMeansCentroids(kernels: Kernels, sample: Float32Array, dim: number, sampleRows: number, clusters: number, iterations: number): Float32Array {
  let centroids = sample.slice(0, clusters * dim);
  for (let it = 0; it < iterations; it++) {
    const { ids } = kernels.nearestRows(sample, dim, 0, sampleRows, centroids, clusters, 1);
    const sums = new Float64Array(clusters * dim);
    const counts = new Int32Array(clusters);
    for (let i = 0; i < sampleRows; i++) {
      const c = ids[i]!;
      counts[c]!++;
      for (let d = 0; d < dim; d++) sums[c * dim + d]! += sample[i * dim + d]!;
    }
    const next = new Float32Array(clusters * dim);
    for (let c = 0; c < clusters; c++) {
      // An empty cluster keeps its centroid.
      if (counts[c] === 0) next.set(centroids.subarray(c * dim, (c + 1) * dim), c * dim);
      else for (let d = 0; d < dim; d++) next[c * dim + d] = sums[c * dim + d]! / counts[c]!;
    }
    centroids = next;
  }
  return centroids;
}

/** Rows grouped by their cluster: a counting sort, stable, so rows ascend within a cluster. */
function groupByCluster(assignment: Int32Array, clusters: number): Omit<Clustering, 'centroids'> {
  const rows = assignment.length;
  const starts = new Int32Array(clusters + 1);
  for (let r = 0; r < rows; r++) starts[assignment[r]! + 1]!++;
  for (let c = 0; c < clusters; c++) starts[c + 1]! += starts[c]!;
  const fill = starts.slice(0, clusters);
  const order = new Int32Array(rows);
  for (let r = 0; r < rows; r++) order[fill[assignment[r]!]!++] = r;
  let largest = 0;
  for (let c = 0; c < clusters; c++) largest = Math.max(largest, starts[c + 1]! - starts[c]!);
  return { clusters, order, starts, largest };
}

/**
 * The clustering of rows read through `rowsOf` (the sample's rows by id) and assigned piece by piece
 * (`assign(centroids, clusters)` gives every row's nearest centroid): what {@link clusterRows} and
 * {@link clusterRowPieces} share, so that both give the same clustering.
 */
function clusterWith(
  kernels: Kernels,
  dim: number,
  rows: number,
  options: ApproximateKnnOptions,
  rowOf: (row: number) => Float32Array,
  assign: (centroids: Float32Array, clusters: number) => Int32Array,
): Clustering {
  const { seed, clusterSize, samplePerCluster, iterations } = { ...DEFAULTS, ...options };
  const clusters = clusterCount(rows, clusterSize);
  const sampleRows = Math.min(rows, clusters * samplePerCluster);
  const sampled = sampleRowsOf(rows, sampleRows, seed);
  const sample = new Float32Array(sampleRows * dim);
  for (let i = 0; i < sampleRows; i++) sample.set(rowOf(sampled[i]!), i * dim);
  const centroids = kMeansCentroids(kernels, sample, dim, sampleRows, clusters, iterations);
  return { ...groupByCluster(assign(centroids, clusters), clusters), centroids };
}

/** k-means clustering of all rows of `data` (cached per matrix and options). */
export function clusterRows(kernels: Kernels, data: Float32Array, dim: number, rows: number, options: ApproximateKnnOptions = {}): Clustering {
  const key = JSON.stringify([dim, rows, options.seed, options.clusterSize, options.samplePerCluster, options.iterations]);
  const cached = clusterings.get(data)?.get(key);
  if (cached) return cached;
  const clustering = clusterWith(
    kernels,
    dim,
    rows,
    options,
    (row) => data.subarray(row * dim, (row + 1) * dim),
    (centroids, clusters) => kernels.nearestRows(data, dim, 0, rows, centroids, clusters, 1).ids,
  );
  let byKey = clusterings.get(data);
  if (!byKey) {
    byKey = new Map();
    clusterings.set(data, byKey);
  }
  byKey.set(key, clustering);
  return clustering;
}

/**
 * The clustering {@link clusterRows} gives for the concatenation of the pieces, without concatenating
 * them: the sample gathered from the pieces, the assignment computed one piece at a time (each piece is
 * copied into the kernels' memory in turn, so they hold one piece at a time, not the matrix).
 */
export function clusterRowPieces(kernels: Kernels, rowPieces: RowPieces, dim: number, options: ApproximateKnnOptions = {}): Clustering {
  const { pieces, starts } = rowPieces;
  const rows = pieces.reduce((n, piece) => n + piece.length / dim, 0);
  return clusterWith(
    kernels,
    dim,
    rows,
    options,
    (row) => pieceRow(rowPieces, row, dim),
    (centroids, clusters) => {
      const assignment = new Int32Array(rows);
      const largest = pieces.reduce((n, piece) => Math.max(n, piece.length / dim), 0);
      const staging = kernels.allocateMatrix(largest, dim);
      for (const [i, piece] of pieces.entries()) {
        const pieceRows = piece.length / dim;
        staging.set(piece);
        kernels.matrixWritten(staging);
        assignment.set(kernels.nearestRows(staging, dim, 0, pieceRows, centroids, clusters, 1).ids.subarray(0, pieceRows), starts[i]!);
      }
      return assignment;
    },
  );
}

/**
 * Like {@link Kernels.knnDistances} for rows [start, end) — `(end − start) × k`, ascending, NaN where a
 * cluster has fewer than k other rows — with each row's neighbours taken from its own k-means cluster.
 */
export function approximateKnnDistances(
  kernels: Kernels,
  data: Float32Array,
  dim: number,
  rows: number,
  start: number,
  end: number,
  k: number,
  options: ApproximateKnnOptions = {},
): Float32Array {
  const out = new Float32Array((end - start) * k).fill(NaN);
  if (end <= start) return out;
  const { clusters, order, starts, largest } = clusterRows(kernels, data, dim, rows, options);
  // One cluster's rows at a time, gathered into a matrix the kernels read in place (no permuted copy of
  // the whole matrix): candidates are its first `size` rows, in the cluster's order.
  const gathered = kernels.allocateMatrix(largest, dim);
  for (let c = 0; c < clusters; c++) {
    const clusterStart = starts[c]!;
    const clusterEnd = starts[c + 1]!;
    // Rows ascend within a cluster, so those in [start, end) sit side by side.
    const lo = lowerBound(order, clusterStart, clusterEnd, start);
    const hi = lowerBound(order, lo, clusterEnd, end);
    if (hi <= lo) continue;
    for (let p = clusterStart; p < clusterEnd; p++) gathered.set(data.subarray(order[p]! * dim, (order[p]! + 1) * dim), (p - clusterStart) * dim);
    kernels.matrixWritten(gathered);
    const knn = kernels.knnDistances(gathered, dim, largest, lo - clusterStart, hi - clusterStart, k, { start: 0, end: clusterEnd - clusterStart });
    for (let p = lo; p < hi; p++) out.set(knn.subarray((p - lo) * k, (p - lo + 1) * k), (order[p]! - start) * k);
  }
  return out;
}
