/**
 * The figures of a run's report: what `report.json` holds and what `report.html` draws. Computed once,
 * at the end of a successful selection, from the columns the selection already holds in memory plus a
 * bounded sample of embeddings, so the Select Lambda's memory and time stay what the selection needed.
 *
 * The report speaks of two figures, each with its own word: the **pool** (`summary.poolSize`, before
 * thresholds, as the selection config defines it and the CLI prints it) and the **candidates**
 * (`summary.candidates`): what the greedy loop chose from — the input tag's rows (or all rows) minus
 * rows lacking a value a strategy needs and rows a THRESHOLD removed, preselected rows excluded. Every
 * distribution compares the candidates with the picks; in report.json its counts keep the field name
 * `pool` (format `winnow-selection-report/1`), the HTML labels them "candidates". Picks are candidates.
 *
 * Caps (documented in README and shown in the report):
 * - projection: a seeded sample of at most {@link REPORT_CAPS.projectionPool} pool rows that were not
 *   picked, plus the first {@link REPORT_CAPS.projectionPicks} picks in pick order;
 * - histograms: {@link REPORT_CAPS.histogramBins} equal-width bins over the values of pool and picks;
 * - categorical keys: the {@link REPORT_CAPS.categories} most frequent categories of the pool, the rest
 *   folded into "(other)";
 * - the table of picks: the first {@link REPORT_CAPS.tablePicks};
 * - the tables of picked sequences and of exact duplicates: the first {@link REPORT_CAPS.tableListed}
 *   (as many as the run's summary lists).
 *
 * A sequence selection's figures are drawn per sequence (its mean embedding, its mean values), as the
 * selection saw them; the caller passes the sequences' source and embeddings. Its counts are frames.
 */
import type { SelectionConfig } from '../selection/config.js';
import { describeInput, numericColumn } from '../selection/inputs.js';
import type { PreparedSelection, SelectionSummary } from '../selection/select.js';
import { strategyDefinition } from '../selection/strategies/registry.js';
import type { SelectionSource } from '../selection/types.js';
import { categoricalDistribution, numericHistogram, type CategoryCounts, type HistogramBin } from './distributions.js';
import { projectEmbeddings, type EmbeddingRows, type Projection } from './projection.js';

export const REPORT_CAPS = {
  projectionPool: 2_000,
  projectionPicks: 1_000,
  histogramBins: 20,
  categories: 24,
  tablePicks: 25,
  tableListed: 200,
} as const;

/** Sampling seed of the projection's pool sample: the same run always shows the same points. */
export const REPORT_SAMPLE_SEED = 20_240_601;

export interface ReportRunInfo {
  readonly id: string;
  readonly datasetId: string;
  readonly datasetName: string;
  readonly resultTagName: string;
  readonly inputTagName?: string;
  readonly preselectedTagName?: string;
  readonly createdAt: string;
  readonly startedAt?: string;
  readonly finishedAt: string;
}

export interface ReportPick {
  /** The picked image's row. */
  readonly row: number;
  readonly score: number;
  readonly objectives: readonly { readonly strategy: number; readonly objective: number }[];
}

/** What a report is computed from. */
export interface ReportInput {
  readonly run: ReportRunInfo;
  /** The config as the user sent it (shown as written). */
  readonly rawConfig: unknown;
  readonly config: SelectionConfig;
  readonly summary: SelectionSummary;
  readonly timings: Readonly<Record<string, number>>;
  /** The columns the selection read (in memory already). */
  readonly source: SelectionSource;
  readonly prepared: PreparedSelection;
  readonly picks: readonly ReportPick[];
  readonly fileName: (row: number) => string;
  /** Image embeddings of some rows: from memory when the selection loaded them, else read shard by shard. */
  readonly embeddingRows: EmbeddingRows;
}

export interface MetadataFigure {
  readonly key: string;
  /** Entries of the config that read the key. */
  readonly strategies: readonly number[];
  readonly kind: 'categorical' | 'numeric';
  /** Categorical keys: counts per category (pool and picks). */
  readonly categories?: readonly CategoryCounts[];
  /** Numeric keys: equal-width bins. */
  readonly bins?: readonly HistogramBin[];
  /** Rows of the pool / picks without a value. */
  readonly missing: { readonly pool: number; readonly picks: number };
}

export interface BalanceFigure {
  readonly strategy: number;
  readonly input: string;
  readonly distribution: string;
  /** Shares in [0, 1] per bucket: the pool's, the picks', the target's. */
  readonly classes: readonly { readonly name: string; readonly pool: number; readonly picks: number; readonly target: number }[];
}

export interface ScoreFigure {
  readonly strategy: number;
  readonly type: string;
  readonly input: string;
  readonly bins: readonly HistogramBin[];
  readonly missing: { readonly pool: number; readonly picks: number };
}

export interface ContributionFigure {
  readonly strategy: number;
  readonly type: string;
  readonly input: string;
  readonly strength: number;
  /** Mean objective of the picks when they were picked. */
  readonly meanObjective: number;
  /** Mean of strength × ln(objective) over the picks: this strategy's part of the combined score. */
  readonly meanContribution: number;
  /** |Σ contribution| of this strategy over Σ of all strategies' |Σ contribution|: 0–1. */
  readonly share: number;
}

export interface ReportFigures {
  readonly format: 'winnow-selection-report/1';
  readonly generatedAt: string;
  readonly run: ReportRunInfo;
  readonly config: unknown;
  readonly summary: {
    readonly poolSize: number;
    /** The pool the loop chose from (after thresholds, preselected excluded). */
    readonly candidates: number;
    readonly requested: number;
    readonly selected: number;
    readonly preselected: number;
    readonly dropped: readonly { readonly reason: string; readonly count: number }[];
    readonly stopReason: string;
    readonly notes: readonly string[];
  };
  readonly timings: readonly { readonly phase: string; readonly milliseconds: number }[];
  readonly caps: typeof REPORT_CAPS;
  readonly projection: Projection;
  readonly metadata: readonly MetadataFigure[];
  readonly balance: readonly BalanceFigure[];
  readonly scores: readonly ScoreFigure[];
  readonly contributions: readonly ContributionFigure[];
  readonly topPicks: readonly { readonly rank: number; readonly fileName: string; readonly score: number }[];
  /** A sequence selection: the clip length and the picked sequences (the first {@link REPORT_CAPS.tableListed}). */
  readonly sequences?: {
    readonly length: number;
    readonly total: number;
    readonly picked: readonly { readonly video: string; readonly firstFrame: number; readonly lastFrame: number; readonly frames: number }[];
  };
  /** Candidates removed as exact duplicates, each with the sample it duplicates (the first {@link REPORT_CAPS.tableListed}). */
  readonly duplicates?: { readonly count: number; readonly listed: readonly { readonly fileName: string; readonly duplicateOf: string }[] };
}

/** 1 for each row of the pool the loop chose from. */
export function poolRowsOf(prepared: PreparedSelection): Uint8Array {
  const rows = new Uint8Array(prepared.units.rowCount);
  for (let u = 0; u < prepared.units.count; u++) if (prepared.candidates[u]) rows[prepared.units.imageOf(u)] = 1;
  return rows;
}

function metadataFigures(input: ReportInput, pool: Uint8Array, picked: readonly number[]): MetadataFigure[] {
  const byKey = new Map<string, number[]>();
  input.config.strategies.forEach((entry, index) => {
    if (entry.input.type === 'METADATA') byKey.set(entry.input.key, [...(byKey.get(entry.input.key) ?? []), index]);
  });
  const figures: MetadataFigure[] = [];
  for (const [key, strategies] of byKey) {
    const column = input.source.metadata(key);
    if (!column) continue;
    if (column.kind === 'categorical') {
      const { categories, missing } = categoricalDistribution(column.codes, column.categories, pool, picked, REPORT_CAPS.categories);
      figures.push({ key, strategies, kind: 'categorical', categories, missing });
    } else {
      const { bins, missing } = numericHistogram(column.values, pool, picked, REPORT_CAPS.histogramBins);
      figures.push({ key, strategies, kind: 'numeric', bins, missing });
    }
  }
  return figures;
}

function scoreFigures(input: ReportInput, pool: Uint8Array, picked: readonly number[]): ScoreFigure[] {
  const figures: ScoreFigure[] = [];
  input.config.strategies.forEach((entry, index) => {
    // The strategy's own histogram (WEIGHTS), or any strategy reading active-learning scores.
    if (!strategyDefinition(entry.strategy.type).figure?.histogram && entry.input.type !== 'SCORES') return;
    const column = numericColumn(entry.input, input.source);
    if (!column) return;
    const { bins, missing } = numericHistogram(column, pool, picked, REPORT_CAPS.histogramBins);
    figures.push({ strategy: index, type: entry.strategy.type, input: describeInput(entry.input), bins, missing });
  });
  return figures;
}

function balanceFigures(input: ReportInput, pool: Uint8Array, picked: readonly number[]): BalanceFigure[] {
  const figures: BalanceFigure[] = [];
  for (const strategy of input.prepared.strategies) {
    const entry = input.config.strategies[strategy.entry]!;
    const shares = strategyDefinition(entry.strategy.type).figure?.shares?.(strategy, entry.strategy);
    if (!shares) continue;
    const { buckets, values } = shares;
    const b = buckets.length;
    const poolTotals = new Float64Array(b);
    const pickTotals = new Float64Array(b);
    const addRow = (totals: Float64Array, row: number) => {
      const offset = shares.offsetOf(row);
      for (let c = 0; c < b; c++) totals[c]! += values[offset + c]!;
    };
    for (let row = 0; row < pool.length; row++) if (pool[row]) addRow(poolTotals, row);
    for (const row of picked) addRow(pickTotals, row);
    const share = (totals: Float64Array, c: number) => {
      const sum = totals.reduce((a, v) => a + v, 0);
      return sum > 0 ? totals[c]! / sum : 0;
    };
    figures.push({
      strategy: strategy.entry,
      input: describeInput(entry.input),
      distribution: shares.distribution,
      classes: buckets.map((name, c) => ({ name, pool: share(poolTotals, c), picks: share(pickTotals, c), target: shares.target[c]! })),
    });
  }
  return figures;
}

function contributionFigures(input: ReportInput): ContributionFigure[] {
  const entries = input.config.strategies
    .map((entry, index) => ({ entry, index }))
    .filter(({ entry }) => strategyDefinition(entry.strategy.type).kind !== 'filter');
  const sums = new Map(entries.map(({ index }) => [index, { objective: 0, contribution: 0 }]));
  for (const pick of input.picks) {
    for (const { strategy, objective } of pick.objectives) {
      const sum = sums.get(strategy);
      if (!sum) continue;
      sum.objective += objective;
      sum.contribution += input.config.strategies[strategy]!.strength * Math.log(Math.max(objective, Number.MIN_VALUE));
    }
  }
  const n = Math.max(1, input.picks.length);
  const total = [...sums.values()].reduce((a, s) => a + Math.abs(s.contribution), 0);
  return entries.map(({ entry, index }) => {
    const sum = sums.get(index)!;
    return {
      strategy: index,
      type: entry.strategy.type,
      input: describeInput(entry.input),
      strength: entry.strength,
      meanObjective: sum.objective / n,
      meanContribution: sum.contribution / n,
      share: total > 0 ? Math.abs(sum.contribution) / total : entries.length > 0 ? 1 / entries.length : 0,
    };
  });
}

export async function computeReportFigures(input: ReportInput, now: () => Date = () => new Date()): Promise<ReportFigures> {
  const pool = poolRowsOf(input.prepared);
  let candidates = 0;
  for (let row = 0; row < pool.length; row++) candidates += pool[row]!;
  // Counts are in samples: a sequence counts its frames.
  candidates *= input.summary.sequences?.length ?? 1;
  const picked = input.picks.map((p) => p.row);
  const { summary } = input;
  return {
    format: 'winnow-selection-report/1',
    generatedAt: now().toISOString(),
    run: input.run,
    config: input.rawConfig,
    summary: {
      poolSize: summary.poolSize,
      candidates,
      requested: summary.requested,
      selected: summary.selected,
      preselected: summary.preselected,
      dropped: summary.dropped,
      stopReason: summary.stopReason,
      notes: summary.notes ?? [],
    },
    timings: Object.entries(input.timings).map(([phase, milliseconds]) => ({ phase, milliseconds })),
    caps: REPORT_CAPS,
    projection: await projectEmbeddings(input.embeddingRows, pool, picked, input.fileName, {
      poolCap: REPORT_CAPS.projectionPool,
      pickCap: REPORT_CAPS.projectionPicks,
      seed: REPORT_SAMPLE_SEED,
    }),
    metadata: metadataFigures(input, pool, picked),
    balance: balanceFigures(input, pool, picked),
    scores: scoreFigures(input, pool, picked),
    contributions: contributionFigures(input),
    topPicks: input.picks.slice(0, REPORT_CAPS.tablePicks).map((pick, rank) => ({ rank, fileName: input.fileName(pick.row), score: pick.score })),
    ...listFigures(summary),
  };
}

/** The lists of the summary the report shows as tables: picked sequences, exact duplicates. */
function listFigures(summary: SelectionSummary): Pick<ReportFigures, 'sequences' | 'duplicates'> {
  const { sequences, duplicates } = summary;
  return {
    ...(sequences
      ? {
          sequences: {
            length: sequences.length,
            total: summary.selected / sequences.length,
            picked: sequences.picked.slice(0, REPORT_CAPS.tableListed).map((p) => ({ video: p.video, firstFrame: p.firstFrame, lastFrame: p.lastFrame, frames: p.fileNames.length })),
          },
        }
      : {}),
    ...(duplicates
      ? {
          duplicates: {
            count: duplicates.count,
            listed: duplicates.listed
              .slice(0, REPORT_CAPS.tableListed)
              .map((d) => ({ fileName: d.fileName ?? `row ${d.row}`, duplicateOf: d.duplicateOfFileName ?? `row ${d.duplicateOf}` })),
          },
        }
      : {}),
  };
}
