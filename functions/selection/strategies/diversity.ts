/**
 * DIVERSITY (dynamic): a unit's objective is its distance to the nearest picked unit, divided by the
 * largest such distance among candidates (so the farthest scores 1). Before anything is picked every
 * unit scores 1, so the first pick is the lowest unit that maximises the other strategies. Alone, this is
 * greedy k-center (farthest-first traversal). An exact duplicate of a picked unit scores 0.
 *
 * `stopping_condition_minimum_distance: d` stops once the largest remaining distance is below d.
 *
 * Distances live on the rows of the embedding matrix. Usually unit u is row u; with image embeddings in an
 * object-level selection (`rowOf` given) the objects of one image share their image's row, so the
 * k-center update runs over the distinct images of the candidates.
 *
 * On large matrices (clusterBound.ts) the update is handed only the candidates a pick may come nearer
 * to: the same distances, picks and largest distance, a fraction of the rows read.
 */
import type { Kernels } from '../../kernels/index.js';
import { base64ToBytes, bytesToBase64 } from '../base64.js';
import type { UnitEmbeddings } from '../inputs.js';
import { embeddingRow, kernelRows } from '../matrix.js';
import { KCenterClusterBound } from './clusterBound.js';
import { defineStrategy, finite, strategySchema } from './definition.js';
import type { SelectionStrategy } from './strategy.js';

export class DiversityStrategy implements SelectionStrategy {
  readonly type = 'DIVERSITY';
  readonly nonIncreasingTerm?: (unit: number) => number;
  readonly termEpoch?: () => number;
  /** Per embedding row: squared distance to the nearest picked row (Infinity before any pick). */
  private readonly minDistSq: Float64Array;
  /** Restored from a final state (no distances): no pick may follow. */
  private final = false;
  /**
   * Per embedding row: log of the distance to the nearest pick (0 before any pick, i.e. objective 1),
   * kept only for the scan over every candidate ({@link addScores}): the lazy arg-max asks for a few
   * units a pick and gets the log computed ({@link logDistanceOf}), which saves 8 bytes a row.
   */
  private logDistance: Float64Array | undefined;
  private readonly changed: Int32Array;
  private maxMinDistSq = Infinity;
  private picked = false;
  private readonly center: Float32Array;
  private readonly rowOf: Int32Array | undefined;
  /** Scratch for `rowOf`: the distinct rows of the active units, and a marker per row. */
  private readonly activeRows: Int32Array | undefined;
  private readonly seen: Uint8Array | undefined;
  /** Which rows an update may skip (clusterBound.ts): made at the first pick of a large enough matrix; null when it does not apply. */
  private bound: KCenterClusterBound | null | undefined;

  constructor(
    readonly entry: number,
    readonly strength: number,
    private readonly embeddings: UnitEmbeddings,
    private readonly kernels: Kernels,
    private readonly minimumDistance: number | undefined,
  ) {
    // Distances to the nearest pick only shrink, so with a non-negative strength the term only falls —
    // except at the first pick, when it goes from 0 (objective 1) to log(distance): a new epoch. A
    // negative strength makes the term rise: no lazy arg-max then.
    if (strength >= 0) {
      this.nonIncreasingTerm = (unit) => (!this.picked || this.strength === 0 ? 0 : this.strength * this.logDistanceOf(this.rowOfUnit(unit)));
      this.termEpoch = () => (this.picked ? 1 : 0);
    }
    const { rows, dim } = embeddings.matrix;
    this.rowOf = embeddings.rowOf;
    // Shared with the kernels' threads when they offer it, beside their copy of the matrix if they can.
    this.minDistSq = (kernels.sharedFloat64?.(rows, { data: kernelRows(embeddings.matrix), dim }) ?? new Float64Array(rows)).fill(Infinity);
    this.changed = new Int32Array(rows);
    this.center = new Float32Array(dim);
    if (this.rowOf) {
      this.activeRows = new Int32Array(rows);
      this.seen = new Uint8Array(rows);
    }
  }

  /** Row r's log distance to the nearest pick, as {@link logDistance} holds it. */
  private logDistanceOf(r: number): number {
    return this.logDistance ? this.logDistance[r]! : logDistanceOf(this.minDistSq[r]!);
  }

  private rowOfUnit(unit: number): number {
    return this.rowOf ? this.rowOf[unit]! : unit;
  }

  addScores(active: Int32Array, activeCount: number, scores: Float64Array): void {
    if (!this.picked || this.strength === 0) return;
    // The normalisation by the largest distance is the same for every candidate: it cannot change the
    // arg-max, so only the explanation (objectiveOf) applies it.
    const s = this.strength;
    const { rowOf } = this;
    const logDistance = (this.logDistance ??= Float64Array.from(this.minDistSq, logDistanceOf));
    if (rowOf) {
      for (let i = 0; i < activeCount; i++) {
        const u = active[i]!;
        scores[u]! += s * logDistance[rowOf[u]!]!;
      }
      return;
    }
    for (let i = 0; i < activeCount; i++) {
      const u = active[i]!;
      scores[u]! += s * logDistance[u]!;
    }
  }

  objectiveOf(unit: number): number {
    if (!this.picked) return 1;
    const max = Math.sqrt(this.maxMinDistSq);
    return max > 0 ? Math.sqrt(this.minDistSq[this.rowOfUnit(unit)]!) / max : 0;
  }

  stopBefore(): string | undefined {
    if (this.minimumDistance === undefined || !this.picked) return undefined;
    return Math.sqrt(this.maxMinDistSq) < this.minimumDistance ? 'MIN_DISTANCE' : undefined;
  }

  onPick(units: Int32Array, active: Int32Array, activeCount: number, row: number): void {
    if (this.final) throw new Error('DIVERSITY was restored from the state of a finished selection, which keeps no distances: it cannot pick');
    const { matrix } = this.embeddings;
    // The rows in blocks when the matrix spans several of the kernels' memories (read in place there).
    const data = kernelRows(matrix);
    const { dim } = matrix;
    let rows = active;
    let rowCount = activeCount;
    if (this.rowOf) {
      // The distinct rows of the remaining candidates (objects of one image share a row).
      const activeRows = this.activeRows!;
      const seen = this.seen!;
      rowCount = 0;
      for (let i = 0; i < activeCount; i++) {
        const r = this.rowOf[active[i]!]!;
        if (seen[r]) continue;
        seen[r] = 1;
        activeRows[rowCount++] = r;
      }
      for (let i = 0; i < rowCount; i++) seen[activeRows[i]!] = 0;
      rows = activeRows;
    }
    // The new centres: the picked units' rows — with image embeddings (rowOf), the image itself, even
    // when it has no objects (a preselected image).
    const centers = this.rowOf ? [row] : units;
    // Image embeddings of an object-level selection update the distinct images of the candidates, which
    // the bound does not follow.
    if (this.bound === undefined) this.bound = this.rowOf ? null : (KCenterClusterBound.forMatrix(matrix, this.kernels) ?? null);
    const bound = this.bound;
    bound?.sync(rows, rowCount, units, this.minDistSq);
    for (const centerRow of centers) {
      this.center.set(embeddingRow(matrix, centerRow));
      const scan = bound ? bound.rowsFor(this.center, this.minDistSq) : { rows, count: rowCount };
      const { max, changedCount } = this.kernels.kCenterUpdate(data, dim, this.center, scan.rows, scan.count, this.minDistSq, this.changed, bound !== null);
      for (let i = 0; i < changedCount; i++) {
        const r = this.changed[i]!;
        if (this.logDistance) this.logDistance[r] = logDistanceOf(this.minDistSq[r]!);
      }
      this.maxMinDistSq = bound ? bound.updated(this.minDistSq) : max;
      this.picked = true;
    }
  }

  /**
   * The distances as the bytes of their float64 array in base64: exact, Infinity included, and at 10M
   * rows 107 MB of JSON written in a fraction of a second, where an array of numbers takes about 200 MB
   * and seconds of the Select hop's safety margin. A final state keeps none: only further picks read
   * them, and the string alone was most of what a 10M Select hop added to its memory at its end.
   */
  snapshot(final: boolean): unknown {
    if (final) return { picked: this.picked, maxMinDistSq: this.maxMinDistSq };
    const { buffer, byteOffset, byteLength } = this.minDistSq;
    return { picked: this.picked, maxMinDistSq: this.maxMinDistSq, minDistSqFloat64: bytesToBase64(new Uint8Array(buffer, byteOffset, byteLength)) };
  }

  restore(state: unknown): void {
    const s = state as { picked: boolean; maxMinDistSq: number | null; minDistSqFloat64?: string; minDistSq?: (number | null)[] };
    this.picked = s.picked;
    this.maxMinDistSq = s.maxMinDistSq ?? Infinity;
    if (s.minDistSqFloat64 !== undefined) {
      const bytes = base64ToBytes(s.minDistSqFloat64);
      if (bytes.byteLength !== this.minDistSq.byteLength) throw new Error(`DIVERSITY state has ${bytes.byteLength / 8} distances, expected ${this.minDistSq.length}`);
      new Uint8Array(this.minDistSq.buffer, this.minDistSq.byteOffset, this.minDistSq.byteLength).set(bytes);
    } else if (s.minDistSq !== undefined) {
      // A checkpoint written as an array of numbers (JSON has no Infinity: null stands for it).
      s.minDistSq.forEach((v, r) => (this.minDistSq[r] = v ?? Infinity));
    } else {
      // A final state (see snapshot): the distances stay unknown, and no pick may follow.
      this.final = true;
    }
    this.bound?.invalidate();
    const { minDistSq, logDistance } = this;
    if (logDistance) for (let r = 0; r < minDistSq.length; r++) logDistance[r] = logDistanceOf(minDistSq[r]!);
  }
}

/** log of the distance from its square; a row no pick has reached yet (∞) has 0 (objective 1). */
function logDistanceOf(minDistSq: number): number {
  return minDistSq === Infinity ? 0 : 0.5 * Math.log(minDistSq);
}

export const diversity = defineStrategy({
  type: 'DIVERSITY',
  schema: strategySchema('DIVERSITY', {
    stoppingConditionMinimumDistance: finite.min(0, 'must be ≥ 0').max(2, 'must be ≤ 2 (distances of normalised embeddings are in [0, 2])').optional(),
  }),
  kind: 'dynamic',
  reads: 'embeddings',
  build: ({ index, strength, strategy, kernels, embeddings }) =>
    new DiversityStrategy(index, strength, embeddings(), kernels, strategy.stoppingConditionMinimumDistance),
});
