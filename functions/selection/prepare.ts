/**
 * {@link prepareSelection}: from config and dataset to what the greedy combiner runs — the candidate pool
 * (input tag, datapool, rows lacking a value a strategy needs; then, in this order, the THRESHOLD filters,
 * corrupt samples and exact duplicates, each removal counted under its reason), then the strategies over
 * it. A corrupt sample has no image metadata: its missing values leave it to the corrupt filter, so it
 * is counted as corrupt, unless a value it does have fails a threshold first. Each step below is one function; what a strategy type reads,
 * filters or builds comes from its definition (strategies/registry.ts).
 */
import type { SelectionConfig, StrategyEntry } from './config.js';
import { SelectionInputError, type ConfigIssue } from './errors.js';
import { canonicalRows, duplicatesInPlay, type DuplicateRow } from './filters.js';
import { computeHeavyStatic, heavyStaticPerUnit } from './heavyStatic.js';
import { classColumn, describeInput, numericColumn, selectionUnits, unitEmbeddings, validateAgainstSource } from './inputs.js';
import { holdsAllRows } from './matrix.js';
import { scalarKernels, type Kernels } from '../kernels/index.js';
import type { DroppedRows, PreparedSelection, SelectionOptions } from './select.js';
import { prepareSequenceSelection } from './sequences.js';
import { hasClassValue, type BuildContext, type ClassColumn } from './strategies/definition.js';
import { strategyDefinition } from './strategies/registry.js';
import type { SelectionStrategy } from './strategies/strategy.js';
import type { SelectionSource } from './types.js';
import type { Units } from './units.js';

function toRows(values: ArrayLike<number> | undefined, rowCount: number): number[] | undefined {
  if (!values) return undefined;
  const rows: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const row = values[i]!;
    if (Number.isInteger(row) && row >= 0 && row < rowCount) rows.push(row);
  }
  return rows;
}

/** The rows still in the pool, and why the others left it. */
class RowPool {
  readonly rows: Uint8Array;
  readonly dropped: DroppedRows[] = [];
  constructor(
    readonly rowCount: number,
    /** Corrupt samples (row → reason): removed by their own filter, after the thresholds. */
    readonly corrupt: ReadonlyMap<number, string> = new Map(),
  ) {
    this.rows = new Uint8Array(rowCount);
  }

  /** Drops the pool's rows for which `missing` holds, counted under `reason`. */
  drop(missing: (row: number) => boolean, reason: string): void {
    let count = 0;
    for (let row = 0; row < this.rowCount; row++) {
      if (this.rows[row] && missing(row)) {
        this.rows[row] = 0;
        count++;
      }
    }
    if (count > 0) this.dropped.push({ reason, count });
  }

  size(): number {
    let size = 0;
    for (let row = 0; row < this.rowCount; row++) size += this.rows[row]!;
    return size;
  }
}

/** The input tag's rows (or all), minus a datapool's rows (and rows before its new ones). */
function initialPool(options: SelectionOptions, rowCount: number): { pool: RowPool; datapoolRows: number[] | undefined } {
  const pool = new RowPool(rowCount, options.corruptRows);
  const inputRows = toRows(options.inputRows, rowCount);
  if (inputRows) for (const row of inputRows) pool.rows[row] = 1;
  else pool.rows.fill(1);
  const datapoolRows = toRows(options.datapool?.rows, rowCount);
  if (options.datapool) {
    // The pool is preselected; the candidates are outside it (and new, unless processAll).
    for (const row of datapoolRows ?? []) pool.rows[row] = 0;
    const newFrom = options.datapool.newFrom ?? 0;
    for (let row = 0; row < Math.min(newFrom, rowCount); row++) pool.rows[row] = 0;
  }
  return { pool, datapoolRows };
}

/** Corrupt samples, after the thresholds: never candidates, counted per reason. */
function removeCorrupt(pool: RowPool): void {
  const byReason = new Map<string, number>();
  for (const [row, reason] of pool.corrupt) {
    if (!pool.rows[row]) continue;
    pool.rows[row] = 0;
    byReason.set(reason, (byReason.get(reason) ?? 0) + 1);
  }
  for (const [reason, count] of byReason) pool.dropped.push({ reason: `corrupt image: ${reason}`, count });
}

/** The column an entry reads, by what its strategy reads. */
type EntryColumn = { readonly numeric: Float64Array } | { readonly classes: ClassColumn } | { readonly embeddings: true };

/**
 * Reads the column of every entry and drops the pool's rows lacking a value; throws when the dataset
 * cannot serve a column at all.
 */
function resolveColumns(config: SelectionConfig, source: SelectionSource, units: Units, pool: RowPool): Map<number, EntryColumn> {
  const columns = new Map<number, EntryColumn>();
  const missing: ConfigIssue[] = [];
  config.strategies.forEach(({ input, strategy }, index) => {
    const where = `strategies[${index}] (${strategy.type} on ${describeInput(input)})`;
    const lacking = `no value for ${describeInput(input)}: ${where}`;
    const unavailable = () => missing.push({ path: `strategies[${index}].input`, message: `the dataset cannot serve the values of ${describeInput(input)} for ${strategy.type}` });
    const { reads } = strategyDefinition(strategy.type);
    if (reads === 'numeric') {
      const column = numericColumn(input, source);
      if (!column) return unavailable();
      columns.set(index, { numeric: column });
      pool.drop((row) => Number.isNaN(column[row]!) && !pool.corrupt.has(row), lacking);
    } else if (reads === 'classes') {
      const column = classColumn(input, source);
      if (!column) return unavailable();
      columns.set(index, { classes: column });
      pool.drop((row) => !hasClassValue(column, row) && !pool.corrupt.has(row), lacking);
    } else if (input.type === 'EMBEDDINGS') {
      const { matrix } = unitEmbeddings(input, source, units);
      const expected = input.task !== undefined ? units.count : source.rowCount;
      if (matrix.rows !== expected || !holdsAllRows(matrix)) return unavailable();
      columns.set(index, { embeddings: true });
      if (units.objectLevel && input.task !== undefined) pool.drop((row) => units.unitsOf(row).length === 0, `no objects in ${input.task}: ${where}`);
    }
  });
  if (missing.length > 0) throw new SelectionInputError(missing);
  return columns;
}

/** Filters (THRESHOLD), first: rows whose value fails the condition leave the pool (a corrupt sample's missing value is no failure). */
function applyFilters(config: SelectionConfig, columns: ReadonlyMap<number, EntryColumn>, pool: RowPool): void {
  config.strategies.forEach(({ input, strategy }, index) => {
    const { filter } = strategyDefinition(strategy.type);
    const column = columns.get(index);
    if (!filter || !column || !('numeric' in column)) return;
    const values = column.numeric;
    pool.drop(
      (row) => !(Number.isNaN(values[row]!) && pool.corrupt.has(row)) && !filter.passes(strategy, values[row]!),
      `${strategy.type} strategies[${index}]: ${describeInput(input)} ${filter.describe(strategy)} does not hold`,
    );
  });
}

/** Exact duplicates, after the filters: of identical embedding rows in play, the first stays. */
function removeDuplicates(
  config: SelectionConfig,
  source: SelectionSource,
  options: SelectionOptions,
  pool: RowPool,
  preselected: ReadonlySet<number>,
): DuplicateRow[] | undefined {
  if (!(config.removeExactDuplicates ?? options.removeExactDuplicates ?? false)) return undefined;
  const canonical = options.canonicalRows ?? datasetCanonicalRows(source);
  if (!canonical || canonical.length !== pool.rowCount) return undefined;
  const inPlay = new Uint8Array(pool.rowCount);
  for (let row = 0; row < pool.rowCount; row++) inPlay[row] = pool.rows[row]! && !preselected.has(row) ? 1 : 0;
  const duplicates = duplicatesInPlay(canonical, inPlay, preselected);
  for (const { row } of duplicates) pool.rows[row] = 0;
  if (duplicates.length > 0) pool.dropped.push({ reason: 'exact duplicate of an earlier sample (remove_exact_duplicates)', count: duplicates.length });
  return duplicates;
}

/** Duplicate ids over the dataset's raw embeddings (normalized when the source keeps no raw ones). */
function datasetCanonicalRows(source: SelectionSource): Int32Array | undefined {
  const matrix = source.rawEmbeddings?.() ?? source.embeddings();
  if (!matrix || matrix.rows !== source.rowCount || !holdsAllRows(matrix)) return undefined;
  return canonicalRows(matrix);
}

/** 1 for each unit whose image is in the pool and not preselected. */
function candidateUnits(units: Units, pool: RowPool, preselected: ReadonlySet<number>): Uint8Array {
  const candidates = new Uint8Array(units.count);
  for (let u = 0; u < units.count; u++) candidates[u] = pool.rows[units.imageOf(u)]!;
  for (const row of preselected) for (const u of units.unitsOf(row)) candidates[u] = 0;
  return candidates;
}

interface StrategyInputs {
  readonly config: SelectionConfig;
  readonly source: SelectionSource;
  readonly options: SelectionOptions;
  readonly units: Units;
  readonly kernels: Kernels;
  readonly columns: ReadonlyMap<number, EntryColumn>;
  readonly candidates: Uint8Array;
  readonly poolRows: Uint8Array;
}

/** The strategies the greedy combiner runs: every entry but the filters, in config order. */
function buildStrategies(inputs: StrategyInputs): SelectionStrategy[] {
  return inputs.config.strategies.flatMap((entry, index) => {
    const { build } = strategyDefinition(entry.strategy.type);
    return build ? [build(buildContext(inputs, entry, index))] : [];
  });
}

function buildContext(inputs: StrategyInputs, entry: StrategyEntry, index: number): BuildContext<StrategyEntry['strategy']> {
  const { config, source, options, units, kernels, columns } = inputs;
  const column = columns.get(index);
  const numeric = column && 'numeric' in column ? column.numeric : undefined;
  const classes = column && 'classes' in column ? column.classes : undefined;
  const fail = (what: string): never => {
    throw new Error(`strategies[${index}] (${entry.strategy.type}) reads no ${what}`);
  };
  const given = options.precomputed?.get(index);
  const heavy = () => (given && 'values' in given ? given.values : computeHeavyStatic(config, source, index, 0, units.count, kernels));
  return {
    index,
    strategy: entry.strategy,
    input: entry.input,
    strength: entry.strength,
    source,
    units,
    kernels,
    candidates: inputs.candidates,
    poolRows: inputs.poolRows,
    numeric: () => numeric ?? fail('numeric column'),
    classes: () => classes ?? fail('class counts'),
    embeddings: () => unitEmbeddings(entry.input, source, units),
    heavy,
    heavyPerUnit: () => (given && 'perUnit' in given ? given.perUnit : heavyStaticPerUnit(entry, heavy(), units.count)),
  };
}

export function prepareSelection(config: SelectionConfig, source: SelectionSource, options: SelectionOptions = {}): PreparedSelection {
  if ((config.selectedSequenceLength ?? 1) > 1) return prepareSequenceSelection(config, source, options);
  const issues = validateAgainstSource(config, source);
  if (issues.length > 0) throw new SelectionInputError(issues);
  const kernels = options.kernels ?? scalarKernels;
  const units = selectionUnits(config, source);

  const { pool, datapoolRows } = initialPool(options, source.rowCount);
  const columns = resolveColumns(config, source, units, pool);
  const poolSize = pool.size();
  applyFilters(config, columns, pool);
  removeCorrupt(pool);
  const preselected = new Set([...(toRows(options.preselectedRows, source.rowCount) ?? []), ...(datapoolRows ?? [])]);
  const duplicates = removeDuplicates(config, source, options, pool, preselected);
  const candidates = candidateUnits(units, pool, preselected);
  const strategies = buildStrategies({ config, source, options, units, kernels, columns, candidates, poolRows: pool.rows });

  const requested = config.nSamples ?? options.requestedFor?.(poolSize) ?? Math.max(1, Math.round(config.proportionSamples! * poolSize));
  // In a datapool run n counts new picks: the pool comes on top.
  const target = options.datapool ? requested + preselected.size : requested;
  return {
    units,
    strategies,
    candidates,
    preselectedRows: [...preselected],
    target,
    poolSize,
    dropped: pool.dropped,
    ...(options.datapool ? { requested, datapool: { poolSize: datapoolRows?.length ?? 0, processAll: options.datapool.newFrom === undefined } } : {}),
    ...(duplicates ? { duplicates } : {}),
  };
}
