/**
 * DIVERSITY (dynamic): a unit's objective is its distance to the nearest picked unit, divided by the
 * largest such distance among candidates (so the farthest scores 1). Before anything is picked every
 * unit scores 1, so the first pick is the lowest unit that maximises the other strategies. Alone, this is
 * greedy k-center (farthest-first traversal). An exact duplicate of a picked unit scores 0.
 *
 * `stopping_condition_minimum_distance: d` stops once the largest remaining distance is below d.
 */
import type { Kernels } from '../kernels/index.js';
import type { EmbeddingMatrix } from '../types.js';
import type { SelectionStrategy } from './strategy.js';

export class DiversityStrategy implements SelectionStrategy {
  readonly type = 'DIVERSITY';
  private readonly minDistSq: Float64Array;
  /** log of the distance to the nearest pick (0 before any pick, i.e. objective 1). */
  private readonly logDistance: Float64Array;
  private readonly changed: Int32Array;
  private maxMinDistSq = Infinity;
  private picked = false;
  private readonly center: Float32Array;

  constructor(
    readonly entry: number,
    readonly strength: number,
    private readonly embeddings: EmbeddingMatrix,
    private readonly kernels: Kernels,
    private readonly minimumDistance: number | undefined,
  ) {
    this.minDistSq = new Float64Array(embeddings.rows).fill(Infinity);
    this.logDistance = new Float64Array(embeddings.rows);
    this.changed = new Int32Array(embeddings.rows);
    this.center = new Float32Array(embeddings.dim);
  }

  addScores(active: Int32Array, activeCount: number, scores: Float64Array): void {
    if (!this.picked || this.strength === 0) return;
    // The normalisation by the largest distance is the same for every candidate: it cannot change the
    // arg-max, so only the explanation (objectiveOf) applies it.
    const s = this.strength;
    for (let i = 0; i < activeCount; i++) {
      const u = active[i]!;
      scores[u]! += s * this.logDistance[u]!;
    }
  }

  objectiveOf(unit: number): number {
    if (!this.picked) return 1;
    const max = Math.sqrt(this.maxMinDistSq);
    return max > 0 ? Math.sqrt(this.minDistSq[unit]!) / max : 0;
  }

  stopBefore(): string | undefined {
    if (this.minimumDistance === undefined || !this.picked) return undefined;
    return Math.sqrt(this.maxMinDistSq) < this.minimumDistance ? 'MIN_DISTANCE' : undefined;
  }

  onPick(units: Int32Array, active: Int32Array, activeCount: number): void {
    const { data, dim } = this.embeddings;
    for (const unit of units) {
      this.center.set(data.subarray(unit * dim, (unit + 1) * dim));
      const { max, changedCount } = this.kernels.kCenterUpdate(data, dim, this.center, active, activeCount, this.minDistSq, this.changed);
      for (let i = 0; i < changedCount; i++) {
        const u = this.changed[i]!;
        this.logDistance[u] = 0.5 * Math.log(this.minDistSq[u]!);
      }
      this.maxMinDistSq = max;
      this.picked = true;
    }
  }

  snapshot(): unknown {
    return { picked: this.picked, maxMinDistSq: this.maxMinDistSq, minDistSq: Array.from(this.minDistSq) };
  }

  restore(state: unknown): void {
    const s = state as { picked: boolean; maxMinDistSq: number | null; minDistSq: (number | null)[] };
    this.picked = s.picked;
    this.maxMinDistSq = s.maxMinDistSq ?? Infinity;
    s.minDistSq.forEach((v, u) => {
      // JSON has no Infinity: null stands for it.
      this.minDistSq[u] = v ?? Infinity;
      this.logDistance[u] = v === null ? 0 : 0.5 * Math.log(v);
    });
  }
}
