/**
 * The expensive static parts of a selection (TYPICALITY's kNN distances, SIMILARITY's nearest-query
 * distances): which entries have one, how wide it is per unit, and its values for a range of units. The
 * strategy definitions say what is computed (strategies/registry.ts); the cloud workflow shards the units.
 */
import type { SelectionConfig, StrategyEntry } from './config.js';
import { selectionUnits, unitEmbeddings } from './inputs.js';
import { scalarKernels, type Kernels } from '../kernels/index.js';
import { strategyDefinition } from './strategies/registry.js';
import type { SelectionSource } from './types.js';

/** Entries whose static part is expensive enough to compute in shards. */
export function heavyStaticEntries(config: SelectionConfig): number[] {
  return config.strategies.flatMap((e, i) => (strategyDefinition(e.strategy.type).heavy ? [i] : []));
}

/** Number of values per unit that {@link computeHeavyStatic} returns for an entry. */
export function heavyStaticWidth(entry: StrategyEntry): number {
  return strategyDefinition(entry.strategy.type).heavy?.width(entry.strategy) ?? 1;
}

/**
 * An entry's reduction of its heavy static part to one value per unit (`heavy.reduce` of its strategy
 * definition), bound to its options; undefined when its strategy reads all values.
 */
export interface HeavyStaticReduce {
  summary(values: Float32Array): unknown;
  merge(summaries: readonly unknown[]): unknown;
  perUnit(values: Float32Array, units: number, summary: unknown): Float64Array;
}

export function heavyStaticReduce(entry: StrategyEntry): HeavyStaticReduce | undefined {
  const reduce = strategyDefinition(entry.strategy.type).heavy?.reduce;
  if (!reduce) return undefined;
  const { strategy } = entry;
  return {
    summary: (values) => reduce.summary(strategy, values),
    merge: (summaries) => reduce.merge(strategy, summaries),
    perUnit: (values, units, summary) => reduce.perUnit(strategy, values, units, summary),
  };
}

/** The values of all `units` units reduced in one piece: what the shards' reduction gives, bit for bit. */
export function heavyStaticPerUnit(entry: StrategyEntry, values: Float32Array, units: number): Float64Array {
  const reduce = heavyStaticReduce(entry);
  if (!reduce) throw new Error(`${entry.strategy.type} has no per-unit reduction of its static part`);
  return reduce.perUnit(values, units, reduce.merge([reduce.summary(values)]));
}

/**
 * The expensive static part of one entry for units [start, end): `(end − start) × width` values (for
 * TYPICALITY the distances to the K nearest other embedding rows, for SIMILARITY the distance to the
 * nearest query embedding). Rows [start, end) of any shard can be computed on their own, against all rows.
 *
 * With image embeddings in an object-level selection the values are computed per image and repeated for
 * each of its objects; objects are usually stored image by image, so the images of a unit range form a
 * short row range (any order is correct, only slower).
 */
export function computeHeavyStatic(
  config: SelectionConfig,
  source: SelectionSource,
  entryIndex: number,
  start: number,
  end: number,
  kernels: Kernels = scalarKernels,
): Float32Array {
  const entry = config.strategies[entryIndex]!;
  const { strategy, input } = entry;
  const heavy = strategyDefinition(strategy.type).heavy;
  if (!heavy || input.type !== 'EMBEDDINGS') throw new Error(`entry ${entryIndex} has no heavy static part`);
  const { matrix, rowOf } = unitEmbeddings(input, source, selectionUnits(config, source));
  const compute = (from: number, to: number) => heavy.compute({ strategy, input, source, matrix, kernels }, from, to);
  if (!rowOf) return compute(start, end);
  const width = heavyStaticWidth(entry);
  let lo = Infinity;
  let hi = -1;
  for (let u = start; u < end; u++) {
    lo = Math.min(lo, rowOf[u]!);
    hi = Math.max(hi, rowOf[u]!);
  }
  const out = new Float32Array((end - start) * width);
  if (hi < 0) return out;
  const perRow = compute(lo, hi + 1);
  for (let u = start; u < end; u++) out.set(perRow.subarray((rowOf[u]! - lo) * width, (rowOf[u]! - lo + 1) * width), (u - start) * width);
  return out;
}
