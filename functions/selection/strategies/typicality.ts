/**
 * TYPICALITY (static): with K = `num_nearest_neighbors`, typ_i = mean over the K nearest units j of
 * exp(−d_ij / τ), τ = the mean of all those kNN distances. High = typical (dense regions); a negative
 * strength mines outliers. `stopping_condition_minimum_typicality: t` stops when the unit about to be
 * picked is less typical than t.
 *
 * The kNN distances are the expensive part; the cloud workflow computes them shard by shard
 * ({@link typicalityKnn}), each shard with the exact sum of its distances, and reduces them shard by shard
 * to one typicality per unit (`heavy.reduce`), never holding every unit's K distances at once.
 */
import { z } from 'zod';
import { approximateKnnDistances, approximateTypicalityRows } from '../approximateKnn.js';
import type { Kernels } from '../../kernels/index.js';
import type { EmbeddingMatrix } from '../types.js';
import { ExactSum, type ExactSumJson } from '../exactSum.js';
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

/**
 * τ: the mean of the kNN distances summed in `sum` (NaN entries, fewer than k neighbours, are not in it).
 * The sum is exact ({@link ExactSum}), so τ is the same number bit for bit whether the distances are
 * summed in one piece (the engine) or shard by shard and merged (the workflow).
 */
export function typicalityTau(sum: ExactSum): number {
  return sum.count > 0 ? sum.value() / sum.count : 0;
}

/** Typicality of `units` units from their kNN distances (`units × k`, NaN entries = fewer than k neighbours) and τ. */
export function typicalityOfUnits(knn: Float32Array, units: number, k: number, tau: number): Float64Array {
  if (knn.length !== units * k) throw new RangeError(`kNN distances of ${units} units × ${k} expected, got ${knn.length} values`);
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
    // Per unit, typicality needs its own distances and τ; τ needs only the exact sum and count of all.
    reduce: {
      summary: (_strategy, knn): ExactSumJson => new ExactSum().add(knn).toJSON(),
      merge: (_strategy, summaries: readonly ExactSumJson[]): ExactSumJson => summaries.reduce((sum, s) => sum.merge(ExactSum.fromJSON(s)), new ExactSum()).toJSON(),
      perUnit: (strategy, knn, units, summary: ExactSumJson) => typicalityOfUnits(knn, units, strategy.numNearestNeighbors, typicalityTau(ExactSum.fromJSON(summary))),
    },
  },
  build: ({ index, strength, strategy, heavyPerUnit }) => new TypicalityStrategy(index, strength, heavyPerUnit(), strategy.stoppingConditionMinimumTypicality),
});
