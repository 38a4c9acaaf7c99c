/**
 * TYPICALITY (static): with K = `num_nearest_neighbors`, typ_i = mean over the K nearest units j of
 * exp(−d_ij / τ), τ = the mean of all those kNN distances. High = typical (dense regions); a negative
 * strength mines outliers. `stopping_condition_minimum_typicality: t` stops when the unit about to be
 * picked is less typical than t.
 *
 * The kNN distances are the expensive part; the cloud workflow computes them shard by shard
 * ({@link typicalityKnn}) and hands them in.
 */
import { APPROXIMATE_TYPICALITY_ROWS, approximateKnnDistances } from '../approximateKnn.js';
import type { Kernels } from '../../kernels/index.js';
import type { EmbeddingMatrix } from '../types.js';
import type { SelectionStrategy } from './strategy.js';

/**
 * kNN distances of units [start, end) against all units: `(end − start) × k`. Above
 * {@link APPROXIMATE_TYPICALITY_ROWS} units, within k-means clusters instead (exact kNN grows as N²).
 */
export function typicalityKnn(kernels: Kernels, embeddings: EmbeddingMatrix, k: number, start: number, end: number): Float32Array {
  const { data, dim, rows } = embeddings;
  if (rows > APPROXIMATE_TYPICALITY_ROWS) return approximateKnnDistances(kernels, data, dim, rows, start, end, k);
  return kernels.knnDistances(data, dim, rows, start, end, k);
}

/** Typicality of every unit from the kNN distances of all units (NaN entries = fewer than k neighbours). */
export function typicalityFromKnn(knn: Float32Array, units: number, k: number): Float64Array {
  let sum = 0;
  let count = 0;
  for (const d of knn) {
    if (Number.isNaN(d)) continue;
    sum += d;
    count++;
  }
  const tau = count > 0 ? sum / count : 0;
  const out = new Float64Array(units);
  for (let u = 0; u < units; u++) {
    let total = 0;
    let n = 0;
    for (let c = 0; c < k; c++) {
      const d = knn[u * k + c]!;
      if (Number.isNaN(d)) continue;
      total += tau > 0 ? Math.exp(-d / tau) : 1;
      n++;
    }
    // A lone unit has no neighbours: it is as atypical as can be, but not a veto.
    out[u] = n > 0 ? total / n : Number.MIN_VALUE;
  }
  return out;
}

export class TypicalityStrategy implements SelectionStrategy {
  readonly type = 'TYPICALITY';
  constructor(
    readonly entry: number,
    readonly strength: number,
    readonly staticObjective: Float64Array,
    private readonly minimumTypicality: number | undefined,
  ) {}

  objectiveOf(unit: number): number {
    return this.staticObjective[unit]!;
  }

  stopBefore(best: number): string | undefined {
    if (this.minimumTypicality === undefined) return undefined;
    return this.staticObjective[best]! < this.minimumTypicality ? 'MIN_TYPICALITY' : undefined;
  }
}
