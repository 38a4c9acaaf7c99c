/**
 * Which rows a k-center update can skip, from a clustering of the rows: DIVERSITY's update lowers a row's
 * distance to the picks only where the new centre c is nearer than its nearest pick, and the triangle
 * inequality says c is not for any row x of a cluster with centroid μ when
 *
 *   ‖c − μ‖ − ‖x − μ‖ ≥ √minDist(x).
 *
 * So each cluster keeps its rows' largest ‖x − μ‖ (its spread) and the largest minDist of its remaining
 * candidates: a centre far enough from the cluster skips all its rows without reading one, and within a
 * cluster that is not skipped a row is still skipped on its own ‖x − μ‖ (four bytes) before the kernel
 * reads its 128 or more. On data with structure (embeddings are clustered; the workflow bench's 64
 * clusters) a pick then touches the rows near it only: most of the picks' cost at a million rows and
 * more. On structureless data nothing is skipped and the cost is one more pass over the candidates' ids.
 *
 * The skipped rows are exactly rows the kernel would have left alone, so the picks, distances and
 * largest distance are the same bit for bit: the test is made with a margin far above the kernels'
 * rounding of d² = |x|² + |c|² − 2·x·c (the same margin as the kernels' projection bound, wasm/simd.as,
 * widened with the dimension), the spreads are rounded up, the centre's distance down. A row or centre
 * that is not finite makes no bound (NaN compares false).
 *
 * The clustering is k-means on a sample, every row assigned in pieces (approximateKnn.ts); it is made at
 * a task's first pick (Finish, which only restores DIVERSITY's state, never makes it), and the picks do
 * not depend on it. Memory: 14 bytes a row plus the candidate list (180 MB at 10M rows) while the task picks.
 */
import type { Kernels } from '../../kernels/index.js';
import { clusterRowPieces } from '../approximateKnn.js';
import { rowsSwitch } from '../rowsSwitch.js';
import type { EmbeddingMatrix } from '../types.js';
import { lastAtOrBelow } from '../sortedSearch.js';

/** Rows from which DIVERSITY prunes its k-center update by clusters (below, a scan of every row is as quick). */
export const KCENTER_CLUSTER_ROWS = 200_000;

/** The environment variable that moves {@link KCENTER_CLUSTER_ROWS} (e.g. to exercise the bound on small data). */
export const KCENTER_CLUSTER_ROWS_ENV = 'WINNOW_KCENTER_CLUSTER_ROWS';

/** Clusters of the bound (√rows below 65,536 rows): enough that a cluster is small against the spacing of thousands of picks, few enough that a pick's test of every cluster is negligible. */
const CLUSTERS = 256;
/** Rows assigned to centroids at a time (one staging matrix of the kernels: 4 MB at D = 128, about 6 MB with its areas). */
const PIECE_ROWS = 8192;

/** Counters over the process's lifetime: what the bound let the updates skip (tests and benches read them). */
export const clusterBoundStats = { updates: 0, candidateRows: 0, skippedRows: 0, skippedClusters: 0 };

/** Rows above which DIVERSITY prunes by clusters: {@link KCENTER_CLUSTER_ROWS}, or the environment's figure. */
export function kCenterClusterRows(): number {
  return rowsSwitch(KCENTER_CLUSTER_ROWS_ENV, KCENTER_CLUSTER_ROWS);
}

export class KCenterClusterBound {
  /**
   * Per cluster: at least the largest minDist among its candidate rows (−∞ when it has none), and whether
   * exactly that. An update leaves the clusters it scanned at the largest distance before it (distances
   * only fall, and a pick only removes candidates), which is as good for the test; the exact figure is
   * read again only where the largest of all is asked for ({@link updated}) — a cluster a pick, not
   * every cluster an update scanned.
   */
  private readonly largest: Float64Array;
  private readonly exact: Uint8Array;
  /** Per position of `order` (a cluster's rows side by side, so that a cluster's test reads them in turn): 1 while the row is a candidate, as the last candidate list said. */
  private readonly candidate: Uint8Array;
  /** Per row: 1 where a row-order pass collects it. */
  private readonly marked: Uint8Array;
  private candidateCount = 0;
  /** The candidate list and maxima must be read again from the caller (after a restore, or a list that changed otherwise than by picks). */
  private stale = true;
  /** The rows handed to the kernel for the current centre, and the clusters whose maxima it may change. */
  private list = new Int32Array(0);
  private readonly scanned: Int32Array;
  private scannedCount = 0;
  /** Per cluster, for the current centre: ‖c − μ‖ rounded down and the tests' slack. */
  private readonly centerDistance: Float64Array;
  private readonly slack: Float64Array;
  /** A second list to merge into, and where each cluster's run of rows starts in the list. */
  private merged = new Int32Array(0);
  private readonly runs: Int32Array;
  /** The margin of the tests, relative to minDist and to |x|² + |c|² (see the file's comment). */
  private readonly margin: number;

  private constructor(
    private readonly matrix: EmbeddingMatrix,
    private readonly order: Int32Array,
    private readonly starts: Int32Array,
    private readonly centroids: Float32Array,
    /** Per position of `order`: an upper bound of ‖x − μ‖ for the row's cluster's centroid μ; per row, its position. */
    private readonly spread: Float32Array,
    private readonly positionOf: Int32Array,
    /** Per cluster: its rows' largest spread and largest |x|². */
    private readonly spreadMax: Float64Array,
    private readonly normSqMax: Float64Array,
  ) {
    const clusters = starts.length - 1;
    this.largest = new Float64Array(clusters);
    this.candidate = new Uint8Array(matrix.rows);
    this.marked = new Uint8Array(matrix.rows);
    this.scanned = new Int32Array(clusters);
    this.centerDistance = new Float64Array(clusters);
    this.slack = new Float64Array(clusters);
    this.runs = new Int32Array(clusters + 1);
    this.exact = new Uint8Array(clusters);
    this.margin = 2 ** -10 + matrix.dim * 2 ** -20;
  }

  /** The bound for `matrix` when it is large enough to pay (see {@link kCenterClusterRows}), else undefined. */
  static forMatrix(matrix: EmbeddingMatrix, kernels: Kernels): KCenterClusterBound | undefined {
    const { rows, dim } = matrix;
    if (rows < Math.max(2, kCenterClusterRows()) || dim === 0) return undefined;
    const pieces: Float32Array[] = [];
    const pieceStarts: number[] = [];
    const views = matrix.blocks?.views ?? [matrix.data];
    let start = 0;
    for (const view of views) {
      const viewRows = Math.min(view.length / dim, rows - start);
      for (let at = 0; at < viewRows; at += PIECE_ROWS) {
        pieces.push(view.subarray(at * dim, Math.min(viewRows, at + PIECE_ROWS) * dim));
        pieceStarts.push(start + at);
      }
      start += viewRows;
    }
    const { order, starts, centroids } = clusterRowPieces(kernels, { pieces, starts: pieceStarts }, dim, { clusterSize: Math.max(1, Math.floor(rows / CLUSTERS)) });
    const clusters = starts.length - 1;
    const spread = new Float32Array(rows);
    const positionOf = new Int32Array(rows);
    const spreadMax = new Float64Array(clusters);
    const normSqMax = new Float64Array(clusters);
    const rowsPerView = matrix.blocks?.rowsPerBlock ?? rows;
    for (let g = 0; g < clusters; g++) {
      const mu = g * dim;
      let most = 0;
      let normMost = 0;
      for (let p = starts[g]!; p < starts[g + 1]!; p++) {
        const r = order[p]!;
        const block = Math.floor(r / rowsPerView);
        const view = views[block]!;
        const at = (r - block * rowsPerView) * dim;
        let s = 0;
        let n = 0;
        for (let d = 0; d < dim; d++) {
          const x = view[at + d]!;
          const e = x - centroids[mu + d]!;
          s += e * e;
          n += x * x;
        }
        // Rounded up past float32's rounding (relative 2⁻²⁴) and float64's sum: never below ‖x − μ‖.
        const upper = Math.fround(Math.sqrt(s) * (1 + 2 ** -20));
        spread[p] = upper;
        positionOf[r] = p;
        // NaN stays NaN (a row that is not finite): its cluster is never skipped.
        if (!(upper <= most)) most = upper;
        if (!(n <= normMost)) normMost = n;
      }
      spreadMax[g] = most;
      normSqMax[g] = normMost;
    }
    return new KCenterClusterBound(matrix, order, starts, centroids, spread, positionOf, spreadMax, normSqMax);
  }

  /** The distances were set from outside (a restored state): the maxima are read again at the next update. */
  invalidate(): void {
    this.stale = true;
  }

  /**
   * Learns the current candidates: `removed` rows left the list since the last call (a pick's rows);
   * anything else that does not add up reads the whole list again.
   */
  sync(active: Int32Array, activeCount: number, removed: ArrayLike<number>, minDistSq: Float64Array): void {
    if (!this.stale) {
      const { candidate, exact, positionOf } = this;
      for (let i = 0; i < removed.length; i++) {
        const p = positionOf[removed[i]!]!;
        if (!candidate[p]) continue;
        candidate[p] = 0;
        this.candidateCount--;
        exact[this.clusterAt(p)] = 0;
      }
      if (this.candidateCount === activeCount) return;
    }
    this.candidate.fill(0);
    for (let i = 0; i < activeCount; i++) this.candidate[this.positionOf[active[i]!]!] = 1;
    this.candidateCount = activeCount;
    for (let g = 0; g < this.exact.length; g++) this.refresh(g, minDistSq);
    this.stale = false;
  }

  /**
   * The candidate rows the update with centre `center` must compute, ascending: every candidate of a
   * cluster the centre may come nearer to, less those whose own spread rules them out. Valid until the
   * next call.
   */
  rowsFor(center: Float32Array, minDistSq: Float64Array): { rows: Int32Array; count: number } {
    const { matrix, centroids, starts, spreadMax, normSqMax, largest, centerDistance, slack, margin } = this;
    const dim = matrix.dim;
    const clusters = starts.length - 1;
    if (this.list.length < this.candidateCount) this.list = new Int32Array(Math.min(matrix.rows, Math.max(this.candidateCount, this.list.length * 2)));
    let centerNormSq = 0;
    for (let d = 0; d < dim; d++) centerNormSq += center[d]! * center[d]!;
    let scannedRows = 0;
    this.scannedCount = 0;
    for (let g = 0; g < clusters; g++) {
      let s = 0;
      for (let d = 0; d < dim; d++) {
        const e = center[d]! - centroids[g * dim + d]!;
        s += e * e;
      }
      // Rounded down: never above ‖c − μ‖.
      const distance = Math.sqrt(s) * (1 - 2 ** -40);
      centerDistance[g] = distance;
      slack[g] = margin * (normSqMax[g]! + centerNormSq);
      const gap = distance - spreadMax[g]!;
      const rows = starts[g + 1]! - starts[g]!;
      if (gap > 0 && gap * gap > largest[g]! * (1 + margin) + slack[g]!) {
        clusterBoundStats.skippedClusters++;
        clusterBoundStats.skippedRows += rows;
        continue;
      }
      this.scanned[this.scannedCount++] = g;
      scannedRows += rows;
    }
    // The kernels read a row's codes, norm and distance from arrays in row order: a list in row order
    // reads them several times faster than one cluster after another (a cluster's rows are spread over
    // the whole matrix). Where most rows are in scanned clusters, one pass in row order; else each
    // cluster's rows (ascending) and a merge.
    const count = scannedRows > matrix.rows / 8 ? this.collectInRowOrder(minDistSq) : this.collectByCluster(minDistSq);
    clusterBoundStats.updates++;
    clusterBoundStats.candidateRows += count;
    return { rows: this.list, count };
  }

  /** The rows of {@link rowsFor}: marked cluster by cluster, then collected in one pass over the marks. */
  private collectInRowOrder(minDistSq: Float64Array): number {
    const { marked, list } = this;
    for (let i = 0; i < this.scannedCount; i++) this.testCluster(this.scanned[i]!, minDistSq, (r) => (marked[r] = 1));
    let count = 0;
    for (let r = 0; r < marked.length; r++) {
      if (!marked[r]) continue;
      marked[r] = 0;
      list[count++] = r;
    }
    return count;
  }

  /**
   * Calls `keep` with each candidate of cluster `g` the centre may come nearer to (the row test of
   * {@link rowsFor}), in ascending row order; leaves the cluster's largest at the largest distance before
   * the update, exact if no row is kept.
   */
  private testCluster(g: number, minDistSq: Float64Array, keep: (row: number) => void): void {
    const { candidate, order, starts, spread, margin } = this;
    const distance = this.centerDistance[g]!;
    const slack = this.slack[g]!;
    let skippedRows = 0;
    let kept = 0;
    let most = -Infinity;
    for (let p = starts[g]!; p < starts[g + 1]!; p++) {
      if (!candidate[p]) continue;
      const r = order[p]!;
      const old = minDistSq[r]!;
      // As the kernels compare: a NaN distance is never the largest.
      if (old > most) most = old;
      const rowGap = distance - spread[p]!;
      if (rowGap > 0 && rowGap * rowGap > old * (1 + margin) + slack) {
        skippedRows++;
        continue;
      }
      kept++;
      keep(r);
    }
    this.largest[g] = most;
    this.exact[g] = kept === 0 ? 1 : 0;
    clusterBoundStats.skippedRows += skippedRows;
  }

  /** The rows of {@link rowsFor}, each scanned cluster's in turn, then merged into row order. */
  private collectByCluster(minDistSq: Float64Array): number {
    const { runs } = this;
    const list = this.list;
    let count = 0;
    runs[0] = 0;
    for (let i = 0; i < this.scannedCount; i++) {
      this.testCluster(this.scanned[i]!, minDistSq, (r) => (list[count++] = r));
      runs[i + 1] = count;
    }
    if (this.merged.length < count) this.merged = new Int32Array(count);
    // Ascending runs merged pairwise until one is left, back and forth between the two lists.
    let from = list;
    let into = this.merged;
    let runCount = this.scannedCount;
    while (runCount > 1) {
      let next = 0;
      for (let i = 0; i < runCount; i += 2) {
        const a = runs[i]!;
        const b = runs[Math.min(i + 1, runCount)]!;
        const end = runs[Math.min(i + 2, runCount)]!;
        let x = a;
        let y = b;
        let at = a;
        while (x < b && y < end) into[at++] = from[x]! <= from[y]! ? from[x++]! : from[y++]!;
        while (x < b) into[at++] = from[x++]!;
        while (y < end) into[at++] = from[y++]!;
        runs[next++] = a;
      }
      runs[next] = count;
      runCount = next;
      [from, into] = [into, from];
    }
    if (from !== list) list.set(from.subarray(0, count));
    return count;
  }

  /**
   * After the update of {@link rowsFor}'s rows: the largest minDist among all candidates (0 with none),
   * as the update over every candidate would have found it — the largest of the clusters' figures, each
   * read exactly where it is the largest and not yet exact.
   */
  updated(minDistSq: Float64Array): number {
    const { largest, exact } = this;
    for (;;) {
      let top = -1;
      let max = -Infinity;
      for (let g = 0; g < largest.length; g++) {
        if (largest[g]! > max) {
          max = largest[g]!;
          top = g;
        }
      }
      if (top < 0) return 0;
      if (exact[top]) return Math.max(0, max);
      this.refresh(top, minDistSq);
    }
  }

  /** The cluster of position `p` of `order` (`starts` ends with the end of the last cluster). */
  private clusterAt(p: number): number {
    return lastAtOrBelow(this.starts, p, this.starts.length - 1);
  }

  /** Cluster `g`'s largest, read exactly. */
  private refresh(g: number, minDistSq: Float64Array): void {
    const { starts, order, candidate } = this;
    let most = -Infinity;
    for (let p = starts[g]!; p < starts[g + 1]!; p++) {
      // As the kernels compare: a NaN distance is never the largest.
      if (candidate[p] && minDistSq[order[p]!]! > most) most = minDistSq[order[p]!]!;
    }
    this.largest[g] = most;
    this.exact[g] = 1;
  }

}
