/**
 * A selection from config to picks: resolve the inputs, build the candidate pool (input tag, rows lacking
 * a value a strategy needs, then every THRESHOLD), build the strategies, run the greedy combiner.
 *
 * {@link prepareSelection} (prepare.ts) and {@link GreedyRun} are the pieces the cloud workflow uses
 * separately (it computes the expensive static parts — kNN for TYPICALITY, nearest-query distances for
 * SIMILARITY — shard by shard with `computeHeavyStatic` (heavyStatic.ts) and hands them in);
 * {@link runSelection} does it all in one go.
 *
 * Choices where the reference is silent (docs/selection.md, "Choices the reference leaves open"):
 * - `proportion_samples`: n = round(p × pool size) images, at least 1, the pool counted after dropping
 *   rows without values and before thresholds;
 * - the typicality kNN runs over all rows of the embedding matrix, not only the pool (typicality
 *   describes the data's density); SIMILARITY's τ is the mean nearest-query distance over the pool's units;
 * - image embeddings in an object-level selection are read per object through its image (units.ts);
 * - rows lacking a value are dropped even when the strategy's strength is 0.
 */
import type { SelectionConfig } from './config.js';
import { GreedyRun, runGreedy, type GreedyResult, type GreedyRunOptions, type GreedyState, type PickExplanation, type StopReason } from './greedy.js';
import type { Kernels } from '../kernels/index.js';
import { prepareSelection } from './prepare.js';
import type { SelectionStrategy } from './strategies/strategy.js';
import { WeightsStrategy } from './strategies/weights.js';
import type { SelectionSource } from './types.js';
import type { Units } from './units.js';
import type { DuplicateRow } from './filters.js';
import type { PickedSequence, SequencePlan } from './sequences.js';

export { computeHeavyStatic, heavyStaticEntries, heavyStaticReduce, heavyStaticWidth, type HeavyStaticReduce } from './heavyStatic.js';
export { prepareSelection };

/** An entry's expensive static part handed in: all its values (`units × width`), or one value per unit. */
export type PrecomputedHeavy = { readonly values: Float32Array } | { readonly perUnit: Float64Array };

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
   * Expensive static parts computed elsewhere, by config entry index: all values (SIMILARITY → the
   * nearest-query distance per unit), or, for a strategy that reduces them (`heavy.reduce`), the values
   * reduced per unit (TYPICALITY → typicality per unit, from the kNN distances reduced shard by shard).
   */
  readonly precomputed?: ReadonlyMap<number, PrecomputedHeavy>;
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
