/**
 * What a strategy type is, in one place: a {@link StrategyDefinition} owns the type's config schema, its
 * kind (a filter, a static or a dynamic objective), what it reads from the dataset, its expensive static
 * part if any, how it becomes a {@link SelectionStrategy} for the greedy combiner, and its report figure.
 * The registry (registry.ts) lists the definitions; config.ts, select.ts, inputs.ts, the workflow and the
 * report ask it instead of naming types.
 *
 * This file is pure (zod and types only), so the browser console can load it with the config parser.
 */
import { z } from 'zod';
import type { Kernels } from '../../kernels/index.js';
import type { InputConfig, InputType } from '../config.js';
import type { UnitEmbeddings } from '../inputs.js';
import type { ClassCounts, EmbeddingMatrix, SelectionSource } from '../types.js';
import type { Units } from '../units.js';
import type { SelectionStrategy } from './strategy.js';

export const MAX_STRENGTH = 1e9;

/** A finite number; the building block of every numeric config field. */
export const finite = z.number().refine(Number.isFinite, 'must be a finite number');
export const strengthSchema = finite.refine((v) => Math.abs(v) <= MAX_STRENGTH, `must be in [-${MAX_STRENGTH}, ${MAX_STRENGTH}]`);

/**
 * The schema of a strategy object: `type`, an optional `strength` (it may stand in the strategy or in the
 * entry, config.ts), then the type's own fields. Keys are camelCase here; config.ts accepts both spellings
 * and lists the allowed keys in this order when one is unknown.
 */
export function strategySchema<T extends string, Shape extends z.ZodRawShape>(type: T, shape: Shape) {
  return z.strictObject({ type: z.literal(type), strength: strengthSchema.optional(), ...shape });
}

/** The strategy's fields as the engine sees them: the parsed object without `strength` (the entry holds it). */
export type StrategyOptions<S extends z.ZodType> = Omit<z.output<S>, 'strength'>;

/**
 * What a strategy reads, which fixes the inputs it takes (in this order in messages) and how a row can
 * lack a value: a number (NaN = missing), class counts, image or object embeddings, or embeddings held
 * against a query set (SIMILARITY: input EMBEDDINGS with dataset_id and tag_name).
 */
export type StrategyReads = 'embeddings' | 'querySet' | 'numeric' | 'classes';

export const READ_INPUTS: Readonly<Record<StrategyReads, readonly InputType[]>> = {
  embeddings: ['EMBEDDINGS'],
  querySet: ['EMBEDDINGS'],
  numeric: ['SCORES', 'METADATA', 'RANDOM', 'PREDICTIONS'],
  classes: ['METADATA', 'PREDICTIONS'],
};

/**
 * `filter`: a hard filter on the pool, before anything else, never part of the product (THRESHOLD);
 * `static`: an objective fixed for the whole selection; `dynamic`: an objective that changes with every pick.
 */
export type StrategyKind = 'filter' | 'static' | 'dynamic';

/**
 * Class-count vectors of a `classes` strategy, per row: counts (predictions; a sequence's metadata, summed
 * over its frames), or the class of each row (metadata), whose vector is that class's one-hot — a row
 * with class −1 has none, and no value. One-hot vectors are never held row by row.
 */
export type ClassColumn =
  | { readonly counts: ClassCounts; readonly oneHot?: undefined }
  | { readonly oneHot: { readonly classes: readonly string[]; readonly codes: Int32Array }; readonly counts?: undefined };

/** The classes of a class column. */
export function classesOf(column: ClassColumn): readonly string[] {
  return column.oneHot ? column.oneHot.classes : column.counts.classes;
}

/** Whether row `row` of a class column has a value. */
export function hasClassValue(column: ClassColumn, row: number): boolean {
  return column.oneHot ? column.oneHot.codes[row]! >= 0 : column.counts.present[row] === 1;
}

/** Everything a definition may use to build its strategy for one config entry. */
export interface BuildContext<C> {
  /** Index of the config entry. */
  readonly index: number;
  readonly strategy: C;
  readonly input: InputConfig;
  readonly strength: number;
  readonly source: SelectionSource;
  readonly units: Units;
  readonly kernels: Kernels;
  /** 1 for each unit that is a candidate (pool after filters and duplicates, preselected excluded). */
  readonly candidates: Uint8Array;
  /** 1 for each row of the pool (after filters and duplicates, preselected included). */
  readonly poolRows: Uint8Array;
  /** The numeric column per row (`reads: 'numeric'`). */
  numeric(): Float64Array;
  /** The class counts per row (`reads: 'classes'`). */
  classes(): ClassColumn;
  /** The embeddings the input reads, per unit (`reads: 'embeddings' | 'querySet'`). */
  embeddings(): UnitEmbeddings;
  /** The heavy static values of every unit: handed in by the caller, or computed now. */
  heavy(): Float32Array;
  /**
   * The heavy static part reduced to one value per unit (definitions with `heavy.reduce`): handed in by
   * the caller, who reduced it shard by shard, or reduced now from {@link heavy} in one piece — the same
   * numbers either way.
   */
  heavyPerUnit(): Float64Array;
}

/**
 * How a heavy static part becomes one value per unit without holding every unit's values at once: each
 * part (a shard) has a small `summary`, the summaries `merge` into one, and the values of any part then
 * give that part's units' values (`perUnit`) with the merged summary. The summary is stored as JSON
 * between the workflow's tasks. `merge` must not depend on the summaries' order or on how the values
 * were split into parts, so that the workflow's values equal the engine's, which reduces in one piece.
 */
export interface HeavyReduce<C, Summary = unknown> {
  summary(strategy: C, values: Float32Array): Summary;
  merge(strategy: C, summaries: readonly Summary[]): Summary;
  /** One value per unit of `values` (`units × width` values) from the merged summary of all units. */
  perUnit(strategy: C, values: Float32Array, units: number, summary: Summary): Float64Array;
}

/** What the expensive static part of an entry is computed from, for one range of embedding rows. */
export interface HeavyContext<C> {
  readonly strategy: C;
  readonly input: InputConfig;
  readonly source: SelectionSource;
  readonly matrix: EmbeddingMatrix;
  readonly kernels: Kernels;
}

/** The class shares a report draws for a strategy: pool, picks and target per bucket. */
export interface SharesFigureData {
  readonly buckets: readonly string[];
  /** The class-count vector of row r: `values[offsetOf(r) + c]` for bucket c. */
  readonly values: Float64Array;
  offsetOf(row: number): number;
  readonly target: ArrayLike<number>;
  readonly distribution: string;
}

export interface StrategyDefinition<S extends z.ZodObject = z.ZodObject> {
  /** The `type` of the config, UPPER_SNAKE_CASE. */
  readonly type: string;
  /** The strategy object's schema, usually from {@link strategySchema}. */
  readonly schema: S;
  readonly kind: StrategyKind;
  readonly reads: StrategyReads;
  /** Fields holding objects with keys of ours (normalised to camelCase): field → its allowed keys. */
  readonly nestedKeys?: Readonly<Record<string, readonly string[]>>;
  /** The strategy's own consistency beyond the schema; the path is relative to the entry. */
  check?(strategy: StrategyOptions<S>): { at: string; message: string } | undefined;
  /**
   * The expensive static part (kNN distances, nearest-query distances), computed per range of embedding
   * rows so the workflow can shard it: `width` values per row, `compute` over rows [from, to). With
   * `reduce`, the strategy reads only one value per unit ({@link BuildContext.heavyPerUnit}) and the
   * workflow reduces shard by shard; without, the strategy reads all values ({@link BuildContext.heavy}).
   */
  readonly heavy?: {
    width(strategy: StrategyOptions<S>): number;
    compute(context: HeavyContext<StrategyOptions<S>>, from: number, to: number): Float32Array;
    readonly reduce?: HeavyReduce<StrategyOptions<S>>;
  };
  /** Filters (`kind: 'filter'`): whether a row's value passes, and the condition in words (`> 20`). */
  readonly filter?: {
    passes(strategy: StrategyOptions<S>, value: number): boolean;
    describe(strategy: StrategyOptions<S>): string;
  };
  /** The strategy the greedy combiner runs (every kind but `filter`). */
  build?(context: BuildContext<StrategyOptions<S>>): SelectionStrategy;
  /** The report's figures of the entry (report/figures.ts). */
  readonly figure?: {
    /** A histogram of the entry's numeric input, pool against picks. */
    readonly histogram?: boolean;
    /** Class shares, pool against picks against target, from the built strategy. */
    shares?(strategy: SelectionStrategy, options: StrategyOptions<S>): SharesFigureData | undefined;
  };
}

/** Identity, for type inference of a definition's options from its schema. */
export function defineStrategy<S extends z.ZodObject>(definition: StrategyDefinition<S>): StrategyDefinition<S> {
  return definition;
}
