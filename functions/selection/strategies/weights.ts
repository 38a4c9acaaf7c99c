/**
 * WEIGHTS (static): prefer units with higher values (an active-learning score, numeric metadata,
 * RANDOM, a category count).
 *
 * Scaling: non-negative values are divided by the pool's largest (ratios kept — the reference's
 * two-WEIGHTS check, [1,2,3] × [6,5,3] → rows 1 and 2, needs that; a min-max scaling would tie rows 0
 * and 2); values with negatives are min-max scaled. Either way a value never scales below ε, so a zero
 * never vetoes the product. Units outside the pool are left at ε.
 *
 * `stopping_condition_max_sum: m` stops once the raw values of the picks (preselected included) add up
 * to m. `target_range {min_sum, max_sum}` never lets the sum exceed max_sum (units that would are not
 * admissible; when no candidate fits any more the selection stops with TARGET_RANGE); min_sum cannot be
 * forced without padding, so the summary says whether the sum reached it.
 */
import { z } from 'zod';
import { perUnit } from '../units.js';
import { defineStrategy, finite, strategySchema } from './definition.js';
import type { SelectionStrategy } from './strategy.js';

export const WEIGHT_EPSILON = 1e-6;

export function scaleWeights(values: Float64Array, pool: Uint8Array): Float64Array {
  let min = Infinity;
  let max = -Infinity;
  for (let u = 0; u < values.length; u++) {
    if (!pool[u]) continue;
    const v = values[u]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const out = new Float64Array(values.length).fill(WEIGHT_EPSILON);
  for (let u = 0; u < values.length; u++) {
    if (!pool[u]) continue;
    const v = values[u]!;
    let scaled: number;
    if (min >= 0) scaled = max > 0 ? v / max : 1;
    else scaled = max > min ? (v - min) / (max - min) : 1;
    out[u] = Math.max(WEIGHT_EPSILON, scaled);
  }
  return out;
}

export class WeightsStrategy implements SelectionStrategy {
  readonly type = 'WEIGHTS';
  private sum = 0;

  constructor(
    readonly entry: number,
    readonly strength: number,
    readonly staticObjective: Float64Array,
    /** Raw values per unit. */
    private readonly values: Float64Array,
    /** Raw values per image (row); the same array as `values` unless units are objects. */
    private readonly rowValues: Float64Array,
    private readonly maxSum: number | undefined,
    private readonly rangeMax: number | undefined,
    private readonly rangeMin?: number,
  ) {
    if (rangeMax !== undefined) this.admissible = (unit) => this.sum + this.values[unit]! <= rangeMax;
  }

  /** Sum of the raw values of the picked images. */
  get pickedSum(): number {
    return this.sum;
  }

  objectiveOf(unit: number): number {
    return this.staticObjective[unit]!;
  }

  /** Only with a target_range max_sum: a gate costs a call per candidate and pick. */
  readonly admissible?: (unit: number) => boolean;

  stopBefore(): string | undefined {
    return this.maxSum !== undefined && this.sum >= this.maxSum ? 'MAX_SUM' : undefined;
  }

  onPick(_units: Int32Array, _active: Int32Array, _activeCount: number, row: number): void {
    // The value is the image's (columns are per image), counted once per picked image.
    this.sum += this.rowValues[row]!;
  }

  report(): string | undefined {
    const sum = Number(this.sum.toPrecision(12));
    if (this.rangeMin === undefined && this.rangeMax === undefined) {
      return this.maxSum === undefined ? undefined : `strategies[${this.entry}] WEIGHTS: picked sum ${sum} (stopping_condition_max_sum ${this.maxSum})`;
    }
    const range = `target_range [${this.rangeMin ?? '-∞'}, ${this.rangeMax ?? '∞'}]`;
    const where = this.rangeMin !== undefined && this.sum < this.rangeMin ? 'below' : 'within';
    return `strategies[${this.entry}] WEIGHTS: picked sum ${sum}, ${where} ${range}`;
  }

  snapshot(): unknown {
    return { sum: this.sum };
  }

  restore(state: unknown): void {
    this.sum = (state as { sum: number }).sum;
  }
}

export const weights = defineStrategy({
  type: 'WEIGHTS',
  schema: strategySchema('WEIGHTS', {
    stoppingConditionMaxSum: finite.optional(),
    targetRange: z
      .strictObject({ minSum: finite.optional(), maxSum: finite.optional() })
      .refine((r) => r.minSum === undefined || r.maxSum === undefined || r.minSum <= r.maxSum, 'min_sum must be ≤ max_sum')
      .optional(),
  }),
  kind: 'static',
  reads: 'numeric',
  nestedKeys: { targetRange: ['minSum', 'maxSum'] },
  build: ({ index, strength, strategy, units, candidates, numeric }) => {
    const rowValues = numeric();
    const values = perUnit(units, rowValues);
    const { stoppingConditionMaxSum, targetRange } = strategy;
    return new WeightsStrategy(index, strength, scaleWeights(values, candidates), values, rowValues, stoppingConditionMaxSum, targetRange?.maxSum, targetRange?.minSum);
  },
  figure: { histogram: true },
});
