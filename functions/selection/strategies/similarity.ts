/**
 * SIMILARITY (static): d_i = distance to the nearest query embedding; objective exp(−d_i / τ) with τ the
 * mean of d over the candidate pool. Units that are themselves query samples score 1.
 */
import type { InputConfig } from '../config.js';
import type { SelectionSource } from '../types.js';
import { defineStrategy, strategySchema } from './definition.js';
import type { SelectionStrategy } from './strategy.js';

export function similarityObjective(nearest: Float32Array | Float64Array, pool: Uint8Array, inQuery: (unit: number) => boolean): Float64Array {
  let sum = 0;
  let count = 0;
  for (let u = 0; u < nearest.length; u++) {
    if (!pool[u]) continue;
    sum += nearest[u]!;
    count++;
  }
  const tau = count > 0 ? sum / count : 0;
  const out = new Float64Array(nearest.length);
  for (let u = 0; u < nearest.length; u++) {
    out[u] = inQuery(u) || nearest[u] === 0 ? 1 : tau > 0 ? Math.exp(-nearest[u]! / tau) : 1;
  }
  return out;
}

// The static strategies share this constructor's shape on purpose: each reads whole in its own file.
export class SimilarityStrategy implements SelectionStrategy {
  readonly type = 'SIMILARITY';
  constructor(
    readonly entry: number,
    readonly strength: number,
    readonly staticObjective: Float64Array,
  ) {}

  objectiveOf(unit: number): number {
    return this.staticObjective[unit]!;
  }
}

export const similarity = defineStrategy({
  type: 'SIMILARITY',
  schema: strategySchema('SIMILARITY', {}),
  kind: 'static',
  reads: 'querySet',
  heavy: {
    width: () => 1,
    // The distance of each row to the nearest query embedding.
    compute: ({ input, source, matrix, kernels }, from, to) => {
      const query = querySetOf(input, source);
      if (!query) throw new Error('SIMILARITY needs the query set of its input');
      return kernels.nearestDistances(matrix.data, matrix.dim, from, to, query.embeddings.data, query.embeddings.rows);
    },
  },
  build: ({ index, strength, input, source, units, candidates, heavy }) => {
    const inQuery = querySetOf(input, source)?.inQuerySet;
    // SIMILARITY reads image embeddings (config.ts), so a unit is a query sample when its image is.
    const objective = similarityObjective(heavy(), candidates, (u) => inQuery?.[units.imageOf(u)] === 1);
    return new SimilarityStrategy(index, strength, objective);
  },
});

function querySetOf(input: InputConfig, source: SelectionSource) {
  return input.type === 'EMBEDDINGS' ? source.querySet(input.datasetId!, input.tagName!) : undefined;
}
