/**
 * SIMILARITY (static): d_i = distance to the nearest query embedding; objective exp(−d_i / τ) with τ the
 * mean of d over the candidate pool. Units that are themselves query samples score 1.
 */
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
