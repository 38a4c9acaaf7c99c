/**
 * Shards by cluster: how a run whose TYPICALITY is approximate (more rows than
 * {@link approximateTypicalityRows}) keeps each Shard's memory flat in the number of rows.
 *
 * Approximate typicality searches a row's neighbours among the rows of its own k-means cluster
 * (selection/approximateKnn.ts). So Plan clusters the rows once — the same clustering the engine computes
 * over the whole matrix, from the embeddings as the run's snapshot packs them ({@link clusterRowPieces}) —
 * and writes, under
 * `runs-work/<id>/clusters/`:
 *
 * - `embeddings.bin`: the embedding rows in cluster order (cluster 0's rows ascending, then cluster 1's…);
 * - `order.bin`: the row at each of those positions (int32);
 * - `plan.json` ({@link ClusterPlan}): where each cluster starts, and the shard groups — consecutive
 *   clusters of about one column shard's rows.
 *
 * Shard g then reads one byte range of `embeddings.bin` — its clusters' rows, nothing else — and computes
 * each row's neighbours within its cluster, as the engine does; its values, in cluster order, go to the
 * usual per-shard objects. Select puts them back in row order with `order.bin` (a strategy that reduces
 * its values per row, as TYPICALITY does, reduces each shard's as it is read and puts back only one value
 * per row). A Shard thus holds about
 * one column shard of rows (plus its largest cluster) whatever the dataset's size, while the kNN work is
 * what the engine does, split by cluster instead of by row range.
 *
 * Applies when every expensive static part of the config is a row-level TYPICALITY (no object-level
 * or sequence selection, no SIMILARITY, which is per row and still sharded by row range): the configs
 * the large-dataset runs use. Other configs shard by row range as before.
 */
import type { BlobStore } from '../store/blobs.js';
import type { DatasetManifest } from '../store/columns.js';
import type { Kernels } from '../kernels/index.js';
import { approximateTypicalityRows, clusterRowPieces, pieceRow, type Clustering, type RowPieces } from '../selection/approximateKnn.js';
import { heavyStaticEntries, type SelectionConfig } from '../selection/index.js';
import { objectTask } from '../selection/inputs.js';
import { runKeys } from './results.js';

/** Plan's clustering of a run's rows and the shards it makes (`runs-work/<id>/clusters/plan.json`). */
export interface ClusterPlan {
  readonly format: 1;
  readonly rows: number;
  readonly dim: number;
  readonly clusters: number;
  /** Cluster c holds positions [starts[c], starts[c + 1]) of the cluster-ordered objects. */
  readonly starts: readonly number[];
  /** Shard g computes clusters [clusterStart, clusterEnd). */
  readonly shards: readonly { readonly clusterStart: number; readonly clusterEnd: number }[];
  readonly embeddingsKey: string;
  readonly orderKey: string;
}

/** Bytes per part of the cluster-ordered embeddings as Plan writes them. */
const PART_BYTES = 8 * 2 ** 20;

/** Whether a run of `config` over `manifest` shards by cluster (see the module's comment). */
export function shardsByCluster(config: SelectionConfig, manifest: DatasetManifest): boolean {
  if ((config.selectedSequenceLength ?? 1) > 1 || objectTask(config) !== undefined) return false;
  const heavy = heavyStaticEntries(config);
  if (heavy.length === 0) return false;
  const rowLevelTypicality = heavy.every((i) => {
    const { input, strategy } = config.strategies[i]!;
    return strategy.type === 'TYPICALITY' && input.type === 'EMBEDDINGS' && input.datasetId === undefined && input.tagName === undefined;
  });
  return rowLevelTypicality && manifest.rowCount > approximateTypicalityRows();
}

/** Consecutive clusters of about `targetRows` rows each (a cluster is never split). */
export function groupClusters(starts: ArrayLike<number>, clusters: number, targetRows: number): { clusterStart: number; clusterEnd: number }[] {
  const shards: { clusterStart: number; clusterEnd: number }[] = [];
  let clusterStart = 0;
  for (let c = 0; c < clusters; c++) {
    if (starts[c + 1]! - starts[clusterStart]! >= targetRows || c === clusters - 1) {
      shards.push({ clusterStart, clusterEnd: c + 1 });
      clusterStart = c + 1;
    }
  }
  return shards;
}

/** The rows of `order`, in that order, from the pieces, in parts of about {@link PART_BYTES}. */
async function* rowsInOrder(rows: RowPieces, dim: number, order: Int32Array): AsyncGenerator<Uint8Array> {
  const perPart = Math.max(1, Math.floor(PART_BYTES / (dim * 4)));
  for (let p = 0; p < order.length; p += perPart) {
    const count = Math.min(perPart, order.length - p);
    const part = new Float32Array(count * dim);
    for (let i = 0; i < count; i++) part.set(pieceRow(rows, order[p + i]!, dim), i * dim);
    yield new Uint8Array(part.buffer);
  }
}

/**
 * Plan's part: clusters the run's rows (as the engine's approximate typicality does) and writes the
 * cluster-ordered embeddings, the order and the plan. `rows` are the normalised embeddings as the snapshot
 * packed them, one piece per column shard (each its own array: 10M × 128 floats is more than one typed
 * array may hold); the kernels hold one piece at a time.
 */
export async function writeClusterPlan(blobs: BlobStore, kernels: Kernels, runId: string, manifest: DatasetManifest, rows: RowPieces): Promise<ClusterPlan> {
  const dim = manifest.embeddingDimension;
  const clustering: Clustering = clusterRowPieces(kernels, rows, dim);
  const embeddingsKey = runKeys.clusterEmbeddings(runId);
  const orderKey = runKeys.clusterOrder(runId);
  await blobs.putStream(embeddingsKey, rowsInOrder(rows, dim, clustering.order));
  await blobs.put(orderKey, new Uint8Array(clustering.order.buffer, clustering.order.byteOffset, clustering.order.byteLength));
  // One column shard of rows per Shard, as shards by row range have.
  const targetRows = manifest.shards.reduce((n, s) => Math.max(n, s.rowCount), 1);
  const plan: ClusterPlan = {
    format: 1,
    rows: manifest.rowCount,
    dim,
    clusters: clustering.clusters,
    starts: Array.from(clustering.starts),
    shards: groupClusters(clustering.starts, clustering.clusters, targetRows),
    embeddingsKey,
    orderKey,
  };
  await blobs.putJson(runKeys.clusterPlan(runId), plan);
  return plan;
}

/** Rows of the plan's largest shard: what a Shard holds at most. */
export function largestShardRows(plan: ClusterPlan): number {
  return plan.shards.reduce((n, g) => Math.max(n, plan.starts[g.clusterEnd]! - plan.starts[g.clusterStart]!), 0);
}

export function readClusterPlan(blobs: BlobStore, runId: string): Promise<ClusterPlan | undefined> {
  return blobs.getJson<ClusterPlan>(runKeys.clusterPlan(runId));
}

/**
 * Shard g's part: its clusters' rows (one ranged GET of the cluster-ordered embeddings, straight into
 * the kernels' memory) and, for each K asked, every row's distances to its K nearest rows of its
 * cluster: `rows × K` values in cluster order, NaN where a cluster has fewer than K other rows — the
 * values {@link approximateKnnDistances} gives those rows.
 */
export async function clusterShardKnn(blobs: BlobStore, kernels: Kernels, plan: ClusterPlan, shard: number, ks: readonly number[]): Promise<Float32Array[]> {
  const group = plan.shards[shard];
  if (!group) throw new RangeError(`shard ${shard} is not in the run's cluster plan (${plan.shards.length} shards)`);
  const base = plan.starts[group.clusterStart]!;
  const rows = plan.starts[group.clusterEnd]! - base;
  const dim = plan.dim;
  const outs = ks.map((k) => new Float32Array(rows * k).fill(NaN));
  if (rows === 0) return outs;
  const matrix = kernels.allocateMatrix(rows, dim);
  const bytes = await blobs.getRange(plan.embeddingsKey, base * dim * 4, (base + rows) * dim * 4);
  if (!bytes || bytes.byteLength !== rows * dim * 4) throw new Error(`the cluster-ordered embeddings ${plan.embeddingsKey} are missing or shorter than the plan says`);
  new Uint8Array(matrix.buffer, matrix.byteOffset, rows * dim * 4).set(bytes);
  kernels.matrixWritten(matrix);
  for (let c = group.clusterStart; c < group.clusterEnd; c++) {
    const from = plan.starts[c]! - base;
    const to = plan.starts[c + 1]! - base;
    if (to <= from) continue;
    for (const [i, k] of ks.entries()) outs[i]!.set(kernels.knnDistances(matrix, dim, rows, from, to, k, { start: from, end: to }), from * k);
  }
  return outs;
}

/** The rows at the cluster-ordered positions (`order.bin`), for Select to put the shards' values back in row order. */
export async function clusterOrder(blobs: BlobStore, plan: ClusterPlan): Promise<Int32Array> {
  const bytes = await blobs.get(plan.orderKey);
  if (!bytes || bytes.byteLength !== plan.rows * 4) throw new Error(`the cluster order ${plan.orderKey} is missing or has the wrong size`);
  return new Int32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** Shard g's rows as cluster-ordered positions [start, end): where its values go back through the order. */
export function clusterShardRanges(plan: ClusterPlan): { start: number; end: number }[] {
  return plan.shards.map((g) => ({ start: plan.starts[g.clusterStart]!, end: plan.starts[g.clusterEnd]! }));
}

/** Puts `values` (`width` per row, in cluster order from position `base`) at their rows of `out`, in row order. */
export function scatterToRows(out: Float32Array | Float64Array, width: number, order: Int32Array, base: number, values: Float32Array | Float64Array): void {
  const rows = values.length / width;
  if (width === 1) {
    for (let p = 0; p < rows; p++) out[order[base + p]!] = values[p]!;
    return;
  }
  for (let p = 0; p < rows; p++) out.set(values.subarray(p * width, (p + 1) * width), order[base + p]! * width);
}
