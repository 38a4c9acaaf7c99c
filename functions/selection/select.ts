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
import { canonicalRows, duplicatesInPlay, type DuplicateRow } from './filters.js';
import { prepareSequenceSelection, type PickedSequence, type SequencePlan } from './sequences.js';

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
  /**
   * The dataset's samples that cannot be decoded, with the reason: never candidates (the filter counts
   * them per reason).
   */
  readonly corruptRows?: ReadonlyMap<number, string>;
  /**
   * For each row, the first row with a bit-identical embedding (filters.ts {@link canonicalRows}), when
   * the caller computed it; otherwise it is computed from the source's embeddings.
   */
  readonly canonicalRows?: Int32Array;
  /**
   * Whether exact duplicates are removed when the config does not say (`remove_exact_duplicates`). The
   * engine's own default is false, so a bare engine call picks what it is given; the product's runs — the
   * CLI's `select` and the service — pass true, the LightlyOne worker's default, where that worker also
   * keeps it: beside the selection config rather than in it.
   */
  readonly removeExactDuplicates?: boolean;
  /** A datapool run: see {@link DatapoolOptions}. */
  readonly datapool?: DatapoolOptions;
  /** Units of requested picks for a pool of this size (sequences round `proportion_samples` their way). */
  readonly requestedFor?: (poolSize: number) => number;
}

/**
 * A datapool run (as the LightlyOne worker's `use_datapool`): the pool's rows are preselected —
 * distances, the min-distance stop and BALANCE counts see them — and the candidates are the rows outside
 * it; `n_samples` counts new picks and `proportion_samples` applies to the candidates.
 */
export interface DatapoolOptions {
  /** The rows picked by earlier pool runs. */
  readonly rows: ArrayLike<number>;
  /**
   * Only rows at or past this one are candidates (the samples added since the last pool run); undefined
   * = every row outside the pool (`processAll`).
   */
  readonly newFrom?: number;
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
  /** Candidates removed as exact duplicates, each naming the sample it duplicates (the first `listed`). */
  readonly duplicates?: { readonly count: number; readonly listed: readonly DuplicateListing[] };
  /** A sequence selection: its length and the picked sequences (counts above are frames). */
  readonly sequences?: SequenceSummary;
  /** A datapool run: the pool's size before the run, and whether only new samples were candidates. */
  readonly datapool?: { readonly poolSize: number; readonly processAll: boolean };
}

export interface DuplicateListing {
  readonly row: number;
  readonly duplicateOf: number;
  readonly fileName?: string;
  readonly duplicateOfFileName?: string;
}

export interface SequenceSummary {
  readonly length: number;
  /** Candidate sequences (whole ones, after the filters). */
  readonly candidates: number;
  /** Frames left out because their video's last chunk was shorter than the length. */
  readonly incompleteTailFrames: number;
  readonly picked: readonly PickedSequence[];
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
  /** New picks requested, when preselected rows do not count toward `target` (a datapool run). */
  readonly requested?: number;
  readonly duplicates?: readonly DuplicateRow[];
  /** A sequence selection: its rows are sequences; the plan maps them to frames. */
  readonly sequences?: SequencePlan;
  readonly datapool?: { readonly poolSize: number; readonly processAll: boolean };
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
  if ((config.selectedSequenceLength ?? 1) > 1) return prepareSequenceSelection(config, source, options);
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
  const datapoolRows = toRows(options.datapool?.rows, rowCount);
  if (options.datapool) {
    // The pool is preselected; the candidates are outside it (and new, unless processAll).
    for (const row of datapoolRows ?? []) poolRows[row] = 0;
    const newFrom = options.datapool.newFrom ?? 0;
    for (let row = 0; row < Math.min(newFrom, rowCount); row++) poolRows[row] = 0;
  }
  const dropped: DroppedRows[] = [];
  if (options.corruptRows && options.corruptRows.size > 0) {
    const byReason = new Map<string, number>();
    for (const [row, reason] of options.corruptRows) {
      if (!poolRows[row]) continue;
      poolRows[row] = 0;
      byReason.set(reason, (byReason.get(reason) ?? 0) + 1);
    }
    for (const [reason, count] of byReason) dropped.push({ reason: `corrupt image: ${reason}`, count });
  }
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

  const preselectedRows = [...(toRows(options.preselectedRows, rowCount) ?? []), ...(datapoolRows ?? [])];
  const preselectedSet = new Set(preselectedRows);

  // 2b. Exact duplicates, after thresholds: of identical embedding rows in play, the first stays.
  let duplicates: DuplicateRow[] | undefined;
  if (config.removeExactDuplicates ?? options.removeExactDuplicates ?? false) {
    const canonical = options.canonicalRows ?? datasetCanonicalRows(source);
    if (canonical && canonical.length === rowCount) {
      const inPlay = new Uint8Array(rowCount);
      for (let row = 0; row < rowCount; row++) inPlay[row] = poolRows[row]! && !preselectedSet.has(row) ? 1 : 0;
      duplicates = duplicatesInPlay(canonical, inPlay, preselectedSet);
      for (const { row } of duplicates) poolRows[row] = 0;
      if (duplicates.length > 0) dropped.push({ reason: 'exact duplicate of an earlier sample (remove_exact_duplicates)', count: duplicates.length });
    }
  }

  const candidates = new Uint8Array(units.count);
  for (let u = 0; u < units.count; u++) candidates[u] = poolRows[units.imageOf(u)]!;
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

  const requested = config.nSamples ?? options.requestedFor?.(poolSize) ?? Math.max(1, Math.round(config.proportionSamples! * poolSize));
  // In a datapool run n counts new picks: the pool comes on top.
  const target = options.datapool ? requested + preselectedSet.size : requested;
  return {
    units,
    strategies,
    candidates,
    preselectedRows: [...preselectedSet],
    target,
    poolSize,
    dropped,
    ...(options.datapool ? { requested, datapool: { poolSize: datapoolRows?.length ?? 0, processAll: options.datapool.newFrom === undefined } } : {}),
    ...(duplicates ? { duplicates } : {}),
  };
}

/** Duplicate ids over the dataset's raw embeddings (normalized when the source keeps no raw ones). */
function datasetCanonicalRows(source: SelectionSource): Int32Array | undefined {
  const matrix = source.rawEmbeddings?.() ?? source.embeddings();
  if (!matrix || matrix.rows !== source.rowCount || matrix.data.length !== matrix.rows * matrix.dim) return undefined;
  return canonicalRows(matrix);
}

export interface SummaryOptions {
  /** Names rows in the lists of the summary (duplicates). */
  readonly fileName?: (row: number) => string;
  /** At most this many entries per list (duplicates, sequences); the counts stay whole. Default: all. */
  readonly listLimit?: number;
}

export function summarize(prepared: PreparedSelection, result: GreedyResult, options: SummaryOptions = {}): SelectionSummary {
  const weightSums: Record<number, number> = {};
  for (const s of prepared.strategies) if (s instanceof WeightsStrategy) weightSums[s.entry] = s.pickedSum;
  const notes = prepared.strategies.flatMap((s) => s.report?.() ?? []);
  const limit = options.listLimit ?? Infinity;
  const plan = prepared.sequences;
  const dup = prepared.duplicates ?? [];
  // Counts are in samples: frames for a sequence selection.
  const frames = (sequences: number) => (plan ? sequences * plan.length : sequences);
  return {
    poolSize: frames(prepared.poolSize),
    requested: frames(prepared.requested ?? prepared.target),
    selected: frames(result.state.picks.length),
    preselected: plan ? plan.preselectedFrames : prepared.preselectedRows.length,
    dropped: [...(plan?.dropped ?? []), ...prepared.dropped],
    stopReason: result.stopReason,
    ...(Object.keys(weightSums).length > 0 ? { weightSums } : {}),
    ...(notes.length > 0 ? { notes } : {}),
    ...(dup.length > 0
      ? {
          duplicates: {
            count: dup.length,
            listed: dup.slice(0, limit).map((d) => {
              const row = plan ? plan.frames(d.row)[0]! : d.row;
              const of = plan ? plan.frames(d.duplicateOf)[0]! : d.duplicateOf;
              return { row, duplicateOf: of, ...(options.fileName ? { fileName: options.fileName(row), duplicateOfFileName: options.fileName(of) } : {}) };
            }),
          },
        }
      : {}),
    ...(plan
      ? {
          sequences: {
            length: plan.length,
            candidates: plan.candidateCount,
            incompleteTailFrames: plan.incompleteTailFrames,
            picked: result.state.picks.slice(0, limit).map((p) => plan.describe(p.row)),
          },
        }
      : {}),
    ...(prepared.datapool ? { datapool: prepared.datapool } : {}),
  };
}

/** The samples (rows) a pick selects: its frames for a sequence selection, else its row. */
export function rowsOfPick(prepared: PreparedSelection, row: number): readonly number[] {
  return prepared.sequences ? prepared.sequences.frames(row) : [row];
}

/** Runs a whole selection in this process. */
export function runSelection(config: SelectionConfig, source: SelectionSource, options: SelectionOptions = {}): SelectionResult {
  const prepared = prepareSelection(config, source, options);
  const result = runGreedy(prepared);
  const summary = summarize(prepared, result, { fileName: (row) => source.fileName(row) });
  if (!prepared.sequences) return { rows: result.state.picks.map((p) => p.row), picks: result.state.picks, summary };
  // A pick is a sequence: it selects every frame, and its explanation names the first.
  const plan = prepared.sequences;
  return {
    rows: result.state.picks.flatMap((p) => plan.frames(p.row)),
    picks: result.state.picks.map((p) => ({ ...p, row: plan.frames(p.row)[0]!, unit: plan.frames(p.row)[0]!, frames: [...plan.frames(p.row)] })),
    summary,
  };
}

export { GreedyRun, runGreedy, type GreedyRunOptions, type GreedyState };
