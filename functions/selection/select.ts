/**
 * A selection from config to picks: resolve the inputs, build the candidate pool (input tag, rows lacking
 * a value a strategy needs, then every THRESHOLD), build the strategies, run the greedy combiner.
 *
 * {@link prepareSelection} and {@link GreedyRun} are the pieces the cloud workflow uses separately (it
 * computes the expensive static parts — kNN for TYPICALITY, nearest-query distances for SIMILARITY —
 * shard by shard with {@link computeHeavyStatic} and hands them in); {@link runSelection} does it all in
 * one go.
 *
 * Choices where SELECTION.md is silent:
 * - `proportion_samples`: n = round(p × pool size) images, at least 1, the pool counted after dropping
 *   rows without values and before thresholds;
 * - the typicality kNN runs over all rows of the embedding matrix, not only the pool (typicality
 *   describes the data's density); SIMILARITY's τ is the mean nearest-query distance over the pool's units;
 * - image embeddings in an object-level selection are read per object through its image (units.ts);
 * - rows lacking a value are dropped even when the strategy's strength is 0.
 */
import type { SelectionConfig, StrategyEntry } from './config.js';
import { SelectionInputError, type ConfigIssue } from './errors.js';
import { GreedyRun, runGreedy, type GreedyResult, type GreedyRunOptions, type GreedyState, type PickExplanation, type StopReason } from './greedy.js';
import { classColumn, describeInput, numericColumn, selectionUnits, unitEmbeddings, validateAgainstSource } from './inputs.js';
import { scalarKernels, type Kernels } from '../kernels/index.js';
import { BalanceStrategy, bucketise } from './strategies/balance.js';
import { DiversityStrategy } from './strategies/diversity.js';
import { similarityObjective, SimilarityStrategy } from './strategies/similarity.js';
import type { SelectionStrategy } from './strategies/strategy.js';
import { OPERATION_SYMBOLS, passesThreshold } from './strategies/threshold.js';
import { typicalityFromKnn, typicalityKnn, TypicalityStrategy } from './strategies/typicality.js';
import { scaleWeights, WeightsStrategy } from './strategies/weights.js';
import type { SelectionSource } from './types.js';
import { perUnit, type Units } from './units.js';

export interface SelectionOptions {
  /** Candidate rows (an input tag); default every row. */
  readonly inputRows?: ArrayLike<number>;
  /** Rows that count as already picked. */
  readonly preselectedRows?: ArrayLike<number>;
  /**
   * The numeric kernels. The engine stays pure, so it defaults to the portable {@link scalarKernels};
   * a caller with threads and WebAssembly passes `engineKernels()` (kernels/engine.ts), as the CLI and
   * the workflow tasks do.
   */
  readonly kernels?: Kernels;
  /**
   * Expensive static parts computed elsewhere, by config entry index: TYPICALITY → kNN distances
   * (units × K), SIMILARITY → nearest-query distance per unit.
   */
  readonly precomputed?: ReadonlyMap<number, Float32Array>;
}

export interface DroppedRows {
  readonly reason: string;
  readonly count: number;
}

export interface SelectionSummary {
  /** Candidate images after the input tag and rows without values, before thresholds. */
  readonly poolSize: number;
  readonly requested: number;
  readonly selected: number;
  readonly preselected: number;
  readonly dropped: readonly DroppedRows[];
  readonly stopReason: StopReason;
  /** Sum of the picked raw values per WEIGHTS strategy (entry index → sum). */
  readonly weightSums?: Readonly<Record<number, number>>;
  /** How far strategies met their goals: a WEIGHTS sum against its range, BALANCE shares against the target. */
  readonly notes?: readonly string[];
}

export interface SelectionResult {
  /** Picked rows (images), in pick order, preselected excluded. */
  readonly rows: number[];
  readonly picks: readonly PickExplanation[];
  readonly summary: SelectionSummary;
}

export interface PreparedSelection {
  readonly units: Units;
  readonly strategies: SelectionStrategy[];
  readonly candidates: Uint8Array;
  readonly preselectedRows: number[];
  readonly target: number;
  readonly poolSize: number;
  readonly dropped: DroppedRows[];
}

/** Entries whose static part is expensive enough to compute in shards. */
export function heavyStaticEntries(config: SelectionConfig): number[] {
  return config.strategies.flatMap((e, i) => (e.strategy.type === 'TYPICALITY' || e.strategy.type === 'SIMILARITY' ? [i] : []));
}

/** Number of values per unit that {@link computeHeavyStatic} returns for an entry. */
export function heavyStaticWidth(entry: StrategyEntry): number {
  return entry.strategy.type === 'TYPICALITY' ? entry.strategy.numNearestNeighbors : 1;
}

/**
 * The expensive static part of one entry for units [start, end): TYPICALITY → the distances to the K
 * nearest other embedding rows, `(end − start) × K`; SIMILARITY → the distance to the nearest query
 * embedding, one per unit. Rows [start, end) of any shard can be computed on their own, against all rows.
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
  if ((strategy.type !== 'TYPICALITY' && strategy.type !== 'SIMILARITY') || input.type !== 'EMBEDDINGS') {
    throw new Error(`entry ${entryIndex} has no heavy static part`);
  }
  const { matrix, rowOf } = unitEmbeddings(input, source, selectionUnits(config, source));
  const compute = (from: number, to: number): Float32Array => {
    if (strategy.type === 'TYPICALITY') return typicalityKnn(kernels, matrix, strategy.numNearestNeighbors, from, to);
    const query = source.querySet(input.datasetId!, input.tagName!)!;
    return kernels.nearestDistances(matrix.data, matrix.dim, from, to, query.embeddings.data, query.embeddings.rows);
  };
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

function toRows(values: ArrayLike<number> | undefined, rowCount: number): number[] | undefined {
  if (!values) return undefined;
  const rows: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const row = values[i]!;
    if (Number.isInteger(row) && row >= 0 && row < rowCount) rows.push(row);
  }
  return rows;
}

export function prepareSelection(config: SelectionConfig, source: SelectionSource, options: SelectionOptions = {}): PreparedSelection {
  const issues = validateAgainstSource(config, source);
  if (issues.length > 0) throw new SelectionInputError(issues);
  const kernels = options.kernels ?? scalarKernels;
  const units = selectionUnits(config, source);
  const rowCount = source.rowCount;

  // 1. Candidate pool: the input tag's rows, minus rows lacking a value a strategy needs.
  const poolRows = new Uint8Array(rowCount);
  const inputRows = toRows(options.inputRows, rowCount);
  if (inputRows) for (const row of inputRows) poolRows[row] = 1;
  else poolRows.fill(1);
  const dropped: DroppedRows[] = [];
  const dropRows = (missing: (row: number) => boolean, reason: string) => {
    let count = 0;
    for (let row = 0; row < rowCount; row++) {
      if (poolRows[row] && missing(row)) {
        poolRows[row] = 0;
        count++;
      }
    }
    if (count > 0) dropped.push({ reason, count });
  };
  const numeric = new Map<number, Float64Array>();
  const classes = new Map<number, NonNullable<ReturnType<typeof classColumn>>>();
  const missing: ConfigIssue[] = [];
  config.strategies.forEach((entry, index) => {
    const { input, strategy } = entry;
    const where = `strategies[${index}] (${strategy.type} on ${describeInput(input)})`;
    const unavailable = () => missing.push({ path: `strategies[${index}].input`, message: `the dataset cannot serve the values of ${describeInput(input)} for ${strategy.type}` });
    if (strategy.type === 'WEIGHTS' || strategy.type === 'THRESHOLD') {
      const column = numericColumn(input, source);
      if (!column) return unavailable();
      numeric.set(index, column);
      dropRows((row) => Number.isNaN(column[row]!), `no value for ${describeInput(input)}: ${where}`);
    } else if (strategy.type === 'BALANCE') {
      const column = classColumn(input, source);
      if (!column) return unavailable();
      classes.set(index, column);
      dropRows((row) => !column.counts.present[row], `no value for ${describeInput(input)}: ${where}`);
    } else if (input.type === 'EMBEDDINGS') {
      const { matrix } = unitEmbeddings(input, source, units);
      const expected = input.task !== undefined ? units.count : rowCount;
      if (matrix.rows !== expected || matrix.data.length !== matrix.rows * matrix.dim) return unavailable();
      if (units.objectLevel && input.task !== undefined) dropRows((row) => units.unitsOf(row).length === 0, `no objects in ${input.task}: ${where}`);
    }
  });
  if (missing.length > 0) throw new SelectionInputError(missing);
  let poolSize = 0;
  for (let row = 0; row < rowCount; row++) poolSize += poolRows[row]!;

  // 2. Thresholds, before anything else.
  config.strategies.forEach((entry, index) => {
    if (entry.strategy.type !== 'THRESHOLD') return;
    const { operation, threshold } = entry.strategy;
    const column = numeric.get(index)!;
    dropRows(
      (row) => !passesThreshold(column[row]!, operation, threshold),
      `THRESHOLD strategies[${index}]: ${describeInput(entry.input)} ${OPERATION_SYMBOLS[operation]} ${threshold} does not hold`,
    );
  });

  const candidates = new Uint8Array(units.count);
  for (let u = 0; u < units.count; u++) candidates[u] = poolRows[units.imageOf(u)]!;
  const preselectedRows = toRows(options.preselectedRows, rowCount) ?? [];
  const preselectedSet = new Set(preselectedRows);
  for (const row of preselectedSet) for (const u of units.unitsOf(row)) candidates[u] = 0;

  // 3. Strategies over the pool.
  const strategies: SelectionStrategy[] = [];
  config.strategies.forEach((entry, index) => {
    const { input, strategy, strength } = entry;
    switch (strategy.type) {
      case 'THRESHOLD':
        return;
      case 'DIVERSITY':
        strategies.push(new DiversityStrategy(index, strength, unitEmbeddings(input, source, units), kernels, strategy.stoppingConditionMinimumDistance));
        return;
      case 'TYPICALITY': {
        const k = strategy.numNearestNeighbors;
        const knn = options.precomputed?.get(index) ?? computeHeavyStatic(config, source, index, 0, units.count, kernels);
        strategies.push(new TypicalityStrategy(index, strength, typicalityFromKnn(knn, units.count, k), strategy.stoppingConditionMinimumTypicality));
        return;
      }
      case 'SIMILARITY': {
        const nearest = options.precomputed?.get(index) ?? computeHeavyStatic(config, source, index, 0, units.count, kernels);
        const query = input.type === 'EMBEDDINGS' ? source.querySet(input.datasetId!, input.tagName!) : undefined;
        const inQuery = query?.inQuerySet;
        // SIMILARITY reads image embeddings (config.ts), so a unit is a query sample when its image is.
        const objective = similarityObjective(nearest, candidates, (u) => inQuery?.[units.imageOf(u)] === 1);
        strategies.push(new SimilarityStrategy(index, strength, objective));
        return;
      }
      case 'WEIGHTS': {
        const values = perUnit(units, numeric.get(index)!);
        strategies.push(
          new WeightsStrategy(
            index,
            strength,
            scaleWeights(values, candidates),
            values,
            numeric.get(index)!,
            strategy.stoppingConditionMaxSum,
            strategy.targetRange?.maxSum,
            strategy.targetRange?.minSum,
          ),
        );
        return;
      }
      case 'BALANCE': {
        const column = classes.get(index)!;
        const { vectors, target } = bucketise(
          column.counts.classes,
          column.counts.counts,
          rowCount,
          column.oneHot,
          strategy.distribution,
          strategy.target,
          poolRows,
        );
        strategies.push(new BalanceStrategy(index, strength, vectors, target, (u) => units.imageOf(u), units.count));
        return;
      }
    }
  });

  const requested = config.nSamples ?? Math.max(1, Math.round(config.proportionSamples! * poolSize));
  return { units, strategies, candidates, preselectedRows: [...preselectedSet], target: requested, poolSize, dropped };
}

export function summarize(prepared: PreparedSelection, result: GreedyResult): SelectionSummary {
  const weightSums: Record<number, number> = {};
  for (const s of prepared.strategies) if (s instanceof WeightsStrategy) weightSums[s.entry] = s.pickedSum;
  const notes = prepared.strategies.flatMap((s) => s.report?.() ?? []);
  return {
    poolSize: prepared.poolSize,
    requested: prepared.target,
    selected: result.state.picks.length,
    preselected: prepared.preselectedRows.length,
    dropped: prepared.dropped,
    stopReason: result.stopReason,
    ...(Object.keys(weightSums).length > 0 ? { weightSums } : {}),
    ...(notes.length > 0 ? { notes } : {}),
  };
}

/** Runs a whole selection in this process. */
export function runSelection(config: SelectionConfig, source: SelectionSource, options: SelectionOptions = {}): SelectionResult {
  const prepared = prepareSelection(config, source, options);
  const result = runGreedy(prepared);
  return { rows: result.state.picks.map((p) => p.row), picks: result.state.picks, summary: summarize(prepared, result) };
}

export { GreedyRun, runGreedy, type GreedyRunOptions, type GreedyState };
