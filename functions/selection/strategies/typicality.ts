/**
 * TYPICALITY (static): with K = `num_nearest_neighbors`, typ_i = mean over the K nearest units j of
 * exp(−d_ij / τ), τ = the mean of all those kNN distances. High = typical (dense regions); a negative
 * strength mines outliers. `stopping_condition_minimum_typicality: t` stops when the unit about to be
 * picked is less typical than t.
 *
 * The kNN distances are the expensive part; the cloud workflow computes them shard by shard
 * ({@link typicalityKnn}) and hands them in.
 */
import { z } from 'zod';
import { approximateKnnDistances, approximateTypicalityRows } from '../approximateKnn.js';
import type { Kernels } from '../../kernels/index.js';
import type { EmbeddingMatrix } from '../types.js';
import { defineStrategy, finite, strategySchema } from './definition.js';
import type { SelectionStrategy } from './strategy.js';


/** The default of `num_nearest_neighbors`. */
export const DEFAULT_NEAREST_NEIGHBORS = 20;
/**
 * The largest `num_nearest_neighbors`. Typicality is an average over the K nearest, so K in the
 * thousands says nothing more about density than 1,000 does, while a shard's neighbour distances take
 * rows × K × 4 bytes (1,000: 262 MB for a shard of 65,536 rows) and the fast kernels' per-thread lists
 * stop fitting past a few thousand — an unbounded K would fail a run half-way instead of the config at
 * once.
 */
export const MAX_NEAREST_NEIGHBORS = 1000;

/**
 * kNN distances of units [start, end) against all units: `(end − start) × k`. Above
 * {@link approximateTypicalityRows} units (200,000), within k-means clusters instead (exact kNN grows as N²).
 */
export function typicalityKnn(kernels: Kernels, embeddings: EmbeddingMatrix, k: number, start: number, end: number): Float32Array {
  const { data, dim, rows } = embeddings;
  if (rows > approximateTypicalityRows()) return approximateKnnDistances(kernels, data, dim, rows, start, end, k);
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

// The static strategies share this constructor's shape on purpose: each reads whole in its own file.
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

export const typicality = defineStrategy({
  type: 'TYPICALITY',
  schema: strategySchema('TYPICALITY', {
    numNearestNeighbors: z
      .number()
      .int('must be an integer')
      .min(2, 'must be ≥ 2')
      .max(MAX_NEAREST_NEIGHBORS, `must be ≤ ${MAX_NEAREST_NEIGHBORS}`)
      .default(DEFAULT_NEAREST_NEIGHBORS),
    stoppingConditionMinimumTypicality: finite.gt(0, 'must be in (0, 1]').max(1, 'must be in (0, 1]').optional(),
  }),
  kind: 'static',
  reads: 'embeddings',
  heavy: {
    width: (strategy) => strategy.numNearestNeighbors,
    compute: ({ strategy, matrix, kernels }, from, to) => typicalityKnn(kernels, matrix, strategy.numNearestNeighbors, from, to),
  },
  build: ({ index, strength, strategy, units, heavy }) =>
    new TypicalityStrategy(index, strength, typicalityFromKnn(heavy(), units.count, strategy.numNearestNeighbors), strategy.stoppingConditionMinimumTypicality),
});
