/**
 * The work of each workflow state. Handlers (handlers.ts, and the local runtime) only pass events in.
 *
 * - **Plan**: RUNNING; pin the dataset version (manifest) for the whole run; check the config against it;
 *   write the run's column snapshot (snapshot.ts: what every later task reads, one object per column) and
 *   the shard list (the distributed Map reads it from S3). Where TYPICALITY is approximate, it also clusters
 *   the rows once and the shards are groups of clusters (clusterShards.ts).
 * - **Shard**: for one column shard, the expensive static objectives — the typicality kNN distances of
 *   its units against all units, with their exact sum beside them; the nearest-query distances for
 *   SIMILARITY — to S3; or, shards by cluster, for one group of clusters, the kNN distances of its rows
 *   within their clusters, reading only those rows.
 * - **Select**: load what the strategies read and the shards' results (TYPICALITY's kNN distances reduced
 *   shard by shard to one typicality per unit, {@link readHeavyStatic}), run the greedy combiner until done
 *   or near the time limit, and checkpoint the picks (the state machine calls Select again until done).
 * - **Finish**: from the final checkpoint, write the per-pick explanation and the report (report.ts; a
 *   report failure is only a note), then commit: the result tag, SUCCEEDED and a pool run's pool in one
 *   transaction (commit.ts).
 * - **MarkFailed**: FAILED with a readable reason (a cancelled run stays CANCELLED); a pool run frees its
 *   pool, unchanged.
 *
 * Every step can be repeated (the state machine retries): writes are whole objects or conditional.
 */
import type { BlobStore } from '../store/blobs.js';
import type { DatapoolRepository } from '../store/datapool.js';
import type { DatasetManifest } from '../store/columns.js';
import type { Dataset, DatasetRepository } from '../store/datasets.js';
import { ConcurrentUpdateError, NotFoundError } from '../store/errors.js';
import type { RunRepository, SelectionRun } from '../store/runs.js';
import { mapLimit } from '../store/mapLimit.js';
import { TagBitset } from '../store/tagBitset.js';
import type { TagRepository } from '../store/tags.js';
import {
  computeHeavyStatic,
  GreedyRun,
  heavyStaticEntries,
  heavyStaticReduce,
  heavyStaticWidth,
  prepareSelection,
  rowsOfPick,
  selectionConfig,
  summarize,
  type GreedyResult,
  type PrecomputedHeavy,
  type SelectionConfig,
} from '../selection/index.js';
import { objectTask } from '../selection/inputs.js';
import { engineKernels } from '../kernels/engine.js';
import { checkConfigAgainstDataset, columnNeeds } from './config.js';
import { sizeRefusal, type TaskBudgets } from './budgets.js';
import { ConfigRejectedError, failureReason, RunCancelledError, SelectionRunError, type FailedTask } from './errors.js';
import { embeddingRowsOf, sequenceEmbeddingRows, writeRunReport } from './report.js';
import { readShardObjectives, runKeys, type PickExplanation } from './results.js';
import { commitRun } from './commit.js';
import { readCheckpoint, writeCheckpoint } from './checkpoint.js';
import { writeRunSnapshot } from './snapshot.js';
import { clusterOrder, clusterShardKnn, clusterShardRanges, largestShardRows, readClusterPlan, scatterToRows, shardsByCluster, writeClusterPlan } from './clusterShards.js';
import { resolveQuerySets, runSource } from './snapshotSource.js';
import { poolForRun, releasePoolOfEndedRun, selectionFilters, SUMMARY_LIST_LIMIT, writePoolBits } from './selectionExtras.js';

export interface WorkflowDeps {
  readonly datasets: DatasetRepository;
  readonly tags: TagRepository;
  readonly runs: RunRepository;
  readonly blobs: BlobStore;
  /** The datapools; needed by pool runs only. */
  readonly datapools?: DatapoolRepository;
}

export interface RunEvent {
  readonly runId: string;
}

const now = () => new Date().toISOString();

async function manifestOf(blobs: BlobStore, key: string): Promise<DatasetManifest> {
  const manifest = await blobs.getJson<DatasetManifest>(key);
  if (!manifest) throw new Error(`manifest ${key} is missing`);
  return manifest;
}

/** The run, if it may still progress; a cancelled run stops the task. */
async function activeRun(deps: WorkflowDeps, runId: string): Promise<SelectionRun> {
  const run = await deps.runs.get(runId);
  if (run.status === 'CANCELLED') throw new RunCancelledError(runId);
  return run;
}

export interface PlanOptions {
  /** What the tasks have (in AWS from the environment); a run that cannot fit is refused at once. */
  readonly budgets?: TaskBudgets | undefined;
}

export async function plan(deps: WorkflowDeps, { runId }: RunEvent, options: PlanOptions = {}): Promise<{ shards: number[]; shardListKey: string }> {
  const started = Date.now();
  let run = await activeRun(deps, runId);
  run = await deps.runs.update(runId, ['QUEUED', 'RUNNING'], { status: 'RUNNING', phase: 'PLAN', startedAt: run.startedAt ?? now() });
  const dataset = await deps.datasets.get(run.tenantId, run.datasetId);
  if (!dataset.manifestKey) throw new SelectionRunError('the dataset has no samples');
  const manifest = await manifestOf(deps.blobs, dataset.manifestKey);
  // Before any shard starts: a dataset that cannot fit fails now, with what to change, not as an
  // out-of-memory Lambda an hour later.
  const config = selectionConfig(run.config);
  const byCluster = shardsByCluster(config, manifest);
  // Shards by cluster hold their clusters' rows, known once the rows are clustered (checked below).
  const refusal = options.budgets && sizeRefusal(options.budgets, manifest.rowCount, manifest.embeddingDimension, byCluster ? { plan: manifest.rowCount } : { shard: manifest.rowCount });
  if (refusal) throw new SelectionRunError(refusal);
  try {
    await checkConfigAgainstDataset({ ...deps, manifest: (d) => manifestOf(deps.blobs, d.manifestKey!) }, run.tenantId, dataset, manifest, config, 'config');
  } catch (error) {
    if (error instanceof ConfigRejectedError) throw new SelectionRunError(error.message);
    throw error;
  }
  // Every later task reads the run's columns from this snapshot, one object per column (snapshot.ts).
  // Approximate typicality: the rows are clustered once here, from the embeddings as the snapshot packs
  // them, and the shards are groups of clusters (clusterShards.ts).
  const embeddingPieces: Float32Array[] = [];
  await writeRunSnapshot(deps.blobs, runId, run.datasetId, manifest, columnNeeds(config), await resolveQuerySets(deps, run, config), {
    duplicates: config.removeExactDuplicates !== false,
    ...(byCluster ? { onEmbeddings: (values: Float32Array) => embeddingPieces.push(values) } : {}),
  });
  const clusterPlan = byCluster
    ? await writeClusterPlan(deps.blobs, engineKernels(), runId, manifest, { pieces: embeddingPieces, starts: manifest.shards.map((s) => s.rowStart) })
    : undefined;
  const shardRefusal = clusterPlan && options.budgets && sizeRefusal(options.budgets, manifest.rowCount, manifest.embeddingDimension, { shard: largestShardRows(clusterPlan) });
  if (shardRefusal) throw new SelectionRunError(shardRefusal);
  const shards = (clusterPlan?.shards ?? manifest.shards).map((_, i) => i);
  const shardListKey = runKeys.shardList(runId);
  await deps.blobs.putJson(shardListKey, shards);
  await deps.runs.update(runId, ['RUNNING'], {
    phase: 'SHARDS',
    shardsTotal: shards.length,
    manifestKey: dataset.manifestKey,
    timings: { plan: Date.now() - started },
  });
  return { shards, shardListKey };
}

/** Unit range of a shard: rows, or the shard's objects for object-level selections. */
function unitRange(manifest: DatasetManifest, config: SelectionConfig, shard: number): { start: number; end: number } {
  const task = objectTask(config);
  if (task === undefined) {
    const s = manifest.shards[shard]!;
    return { start: s.rowStart, end: s.rowStart + s.rowCount };
  }
  let start = 0;
  for (let i = 0; i < shard; i++) start += manifest.shards[i]!.objectCount?.[task] ?? 0;
  return { start, end: start + (manifest.shards[shard]!.objectCount?.[task] ?? 0) };
}

/** A shard's static objectives of one entry and, for a strategy that reduces them per unit, their summary. */
async function writeShardStatic(blobs: BlobStore, runId: string, config: SelectionConfig, entry: number, shard: number, values: Float32Array): Promise<void> {
  await blobs.put(runKeys.shardObjectives(runId, entry, shard), new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  const reduce = heavyStaticReduce(config.strategies[entry]!);
  if (reduce) await blobs.putJson(runKeys.shardSummary(runId, entry, shard), reduce.summary(values));
}

export async function shard(deps: WorkflowDeps, { runId, shard: index }: RunEvent & { shard: number }): Promise<null> {
  const run = await activeRun(deps, runId);
  const config = selectionConfig(run.config);
  // A sequence selection computes its static parts over sequences, in Select (sequences are few).
  const heavy = (config.selectedSequenceLength ?? 1) > 1 ? [] : heavyStaticEntries(config);
  const clusterPlan = heavy.length > 0 ? await readClusterPlan(deps.blobs, runId) : undefined;
  if (clusterPlan) {
    // Only this shard's clusters' rows are read (clusterShards.ts).
    const ks = heavy.map((entry) => heavyStaticWidth(config.strategies[entry]!));
    const values = await clusterShardKnn(deps.blobs, engineKernels(), clusterPlan, index, ks);
    for (const [i, entry] of heavy.entries()) await writeShardStatic(deps.blobs, runId, config, entry, index, values[i]!);
  } else if (heavy.length > 0) {
    const manifest = await manifestOf(deps.blobs, run.manifestKey!);
    const source = await runSource(deps, run, manifest, config);
    const { start, end } = unitRange(manifest, config, index);
    for (const entry of heavy) {
      await writeShardStatic(deps.blobs, runId, config, entry, index, computeHeavyStatic(config, source, entry, start, end, engineKernels()));
    }
  }
  await deps.runs.markShardDone(runId, index);
  return null;
}

export interface SelectOptions {
  /** Milliseconds this invocation may spend picking before it checkpoints. */
  readonly budgetMs: number;
}

/** Shard summaries read at once by Select (each a few KB; 147 shards at 10M rows). */
const SUMMARIES_IN_FLIGHT = 16;

/**
 * The shards' static parts, by entry, for `prepareSelection`. A strategy that reduces its values per unit
 * (`heavy.reduce`: TYPICALITY's kNN distances) gets one value per unit: the shards' summaries are merged
 * first, then each shard's values are read, reduced to its units' values and dropped before the next —
 * never units × K values at once. Other strategies get all their values. Either way each shard's part goes
 * to its units' place as it is read: a range of units, or, for shards by cluster, back through the
 * cluster order.
 */
export async function readHeavyStatic(blobs: BlobStore, runId: string, config: SelectionConfig, manifest: DatasetManifest): Promise<Map<number, PrecomputedHeavy>> {
  const precomputed = new Map<number, PrecomputedHeavy>();
  // A sequence selection computes its static parts over sequences, in Select.
  const heavy = (config.selectedSequenceLength ?? 1) > 1 ? [] : heavyStaticEntries(config);
  const clusterPlan = heavy.length > 0 ? await readClusterPlan(blobs, runId) : undefined;
  const order = clusterPlan ? await clusterOrder(blobs, clusterPlan) : undefined;
  // Units [start, end) of each shard's values: a range of units, or, by cluster, of cluster-ordered rows.
  const ranges = clusterPlan ? clusterShardRanges(clusterPlan) : manifest.shards.map((_, i) => unitRange(manifest, config, i));
  const units = ranges.at(-1)?.end ?? 0;
  for (const entry of heavy) {
    const width = heavyStaticWidth(config.strategies[entry]!);
    const reduce = heavyStaticReduce(config.strategies[entry]!);
    const readShard = (i: number) => readShardObjectives(blobs, runKeys.shardObjectives(runId, entry, i), i, ranges[i]!.end - ranges[i]!.start, width);
    // The summaries are small: read side by side. Shards written before summaries existed have none:
    // summarised from their values.
    const summaryOf = async (i: number) => (await blobs.getJson(runKeys.shardSummary(runId, entry, i))) ?? reduce!.summary(await readShard(i));
    const merged = reduce ? reduce.merge(await mapLimit([...ranges.keys()], SUMMARIES_IN_FLIGHT, (i) => summaryOf(i))) : undefined;
    const outWidth = reduce ? 1 : width;
    const out = reduce ? new Float64Array(units) : new Float32Array(units * width);
    for (const [i, { start, end }] of ranges.entries()) {
      const values = await readShard(i);
      const part = reduce ? reduce.perUnit(values, end - start, merged) : values;
      if (order) scatterToRows(out, outWidth, order, start, part);
      else out.set(part, start * outWidth);
    }
    precomputed.set(entry, out instanceof Float64Array ? { perUnit: out } : { values: out });
  }
  return precomputed;
}

/** What Select and Finish both rebuild from the run: the columns, the shards' static parts, the pool. */
async function loadSelection(deps: WorkflowDeps, run: SelectionRun) {
  const runId = run.id;
  const config = selectionConfig(run.config);
  const manifest = await manifestOf(deps.blobs, run.manifestKey!);
  const dataset = await deps.datasets.get(run.tenantId, run.datasetId);
  const source = await runSource(deps, run, manifest, config);

  const sequenceRun = (config.selectedSequenceLength ?? 1) > 1;
  const precomputed = await readHeavyStatic(deps.blobs, runId, config, manifest);

  const rowsOfTag = async (name: string | undefined) => {
    if (name === undefined) return undefined;
    try {
      const tag = await deps.tags.get(dataset.id, name);
      // Rows beyond the pinned version are not part of this run.
      return [...(await deps.tags.bits(tag, manifest.rowCount)).rows()].filter((row) => row < manifest.rowCount);
    } catch (error) {
      if (error instanceof NotFoundError) throw new SelectionRunError(`tag '${name}' no longer exists`);
      throw error;
    }
  };
  const inputRows = await rowsOfTag(run.inputTagName);
  const preselectedRows = await rowsOfTag(run.preselectedTagName);
  // Sequences are cut by file name, so their names are loaded before the selection is prepared; other
  // selections pick without them (Finish reads them for the picks' explanation): at 10M rows they are
  // about 800 MB and seconds of every Select hop.
  if (sequenceRun) await source.fileNames();
  const pool = run.datapool ? await poolForRun(deps, run, manifest.rowCount) : undefined;
  const prepared = prepareSelection(config, source, {
    kernels: engineKernels(),
    ...(inputRows ? { inputRows } : {}),
    ...(preselectedRows ? { preselectedRows } : {}),
    precomputed,
    removeExactDuplicates: true,
    ...(await selectionFilters(deps.blobs, manifest, config, source)),
    ...(pool ? { datapool: pool.options } : {}),
  });
  return { config, manifest, dataset, source, prepared, pool };
}

/**
 * Picks until done or near the time limit; either way the picks go to the checkpoint first, so the work
 * after the last pick (file names, explanation, tag, report) runs in Finish, with a time limit of its
 * own, and never races this invocation's.
 */
export async function select(deps: WorkflowDeps, { runId }: RunEvent, options: SelectOptions): Promise<{ done: boolean }> {
  const invocationStart = Date.now();
  let run: SelectionRun;
  try {
    run = await activeRun(deps, runId);
  } catch (error) {
    if (error instanceof RunCancelledError) return { done: true };
    throw error;
  }
  if (run.status === 'SUCCEEDED') return { done: true };
  const checkpoint = await readCheckpoint(deps.blobs, runId);
  if (checkpoint?.finished) return { done: true };
  const { prepared } = await loadSelection(deps, run);
  const selectStartedAt = checkpoint?.selectStartedAt ?? invocationStart;
  if (!checkpoint) await deps.runs.update(runId, ['RUNNING'], { phase: 'SELECT' });
  const greedy = new GreedyRun(prepared, checkpoint?.state);
  const result = greedy.run({ deadline: invocationStart + options.budgetMs });
  await writeCheckpoint(deps.blobs, runId, {
    state: result.state,
    selectStartedAt,
    ...(result.done ? { finished: { stopReason: result.stopReason } } : {}),
  });
  await deps.runs.update(runId, ['RUNNING'], { picksSoFar: result.state.picks.length });
  return { done: result.done };
}

/**
 * After the last pick: the explanation and the report, then the commit — the result tag, SUCCEEDED and
 * (for a pool run) the pool, in one transaction (commit.ts).
 */
export async function finish(deps: WorkflowDeps, { runId }: RunEvent): Promise<null> {
  let run: SelectionRun;
  try {
    run = await activeRun(deps, runId);
  } catch (error) {
    if (error instanceof RunCancelledError) return null;
    throw error;
  }
  if (run.status === 'SUCCEEDED') return null;
  const checkpoint = await readCheckpoint(deps.blobs, runId);
  if (!checkpoint?.finished) throw new Error('Finish ran before Select completed the picks');
  const { config, manifest, dataset, source, prepared, pool } = await loadSelection(deps, run);
  // Restoring the checkpoint brings every strategy to its state after the last pick (for the summary).
  new GreedyRun(prepared, checkpoint.state);
  const result: GreedyResult = { done: true, stopReason: checkpoint.finished.stopReason, state: checkpoint.state };
  const { selectStartedAt } = checkpoint;

  // Packed (a sequence run has them as strings already): Finish reads a few thousand of them.
  const names = await source.fileNameList();
  const nameOf = (row: number) => names.at(row)!;
  // A sequence pick is named by its first frame.
  const picks: PickExplanation[] = result.state.picks.map((pick, rank) => ({
    rank,
    fileName: nameOf(rowsOfPick(prepared, pick.row)[0]!),
    score: Number.isFinite(pick.score) ? pick.score : pick.score > 0 ? Number.MAX_VALUE : -Number.MAX_VALUE,
    objectives: pick.objectives.map((o) => ({ strategy: o.strategy, objective: o.objective })),
  }));
  await deps.blobs.putJson(runKeys.picks(runId), picks);
  const pickedRows = result.state.picks.flatMap((p) => rowsOfPick(prepared, p.row));
  const finished = Date.now();
  const planMs = run.timings?.plan ?? 0;
  const runStart = run.startedAt ? Date.parse(run.startedAt) : selectStartedAt;
  const summary = summarize(prepared, result, { fileName: nameOf, listLimit: SUMMARY_LIST_LIMIT });
  const timings = { plan: planMs, shards: Math.max(0, selectStartedAt - runStart - planMs), select: finished - selectStartedAt, total: finished - runStart };

  // The report: never fails the run (a failure becomes a note in the summary).
  const finishedAt = new Date(finished).toISOString();
  const frameEmbeddingRows = embeddingRowsOf(source, deps.blobs, manifest);
  const report = await writeRunReport(deps.blobs, {
    run: reportRunInfo(run, dataset, finishedAt),
    rawConfig: run.config,
    config,
    summary,
    timings,
    // A sequence run's figures are per sequence, as the selection saw them.
    source: prepared.sequences?.source ?? source,
    prepared,
    picks: result.state.picks,
    fileName: (row) => nameOf(rowsOfPick(prepared, row)[0]!),
    embeddingRows: prepared.sequences ? sequenceEmbeddingRows(frameEmbeddingRows, prepared.sequences) : frameEmbeddingRows,
  });
  await commitRun(deps, {
    run,
    bits: TagBitset.fromRows(manifest.rowCount, pickedRows),
    ...(pool ? { pool: await writePoolBits(deps, run, pool, manifest.rowCount, pickedRows) } : {}),
    fields: {
      picksSoFar: picks.length,
      finishedAt,
      summary: report.note ? { ...summary, notes: [...(summary.notes ?? []), report.note] } : summary,
      timings: { ...timings, report: Date.now() - finished },
    },
  });
  return null;
}

function reportRunInfo(run: SelectionRun, dataset: Dataset, finishedAt: string) {
  return {
    id: run.id,
    datasetId: dataset.id,
    datasetName: dataset.name,
    resultTagName: run.resultTagName,
    ...(run.inputTagName ? { inputTagName: run.inputTagName } : {}),
    ...(run.preselectedTagName ? { preselectedTagName: run.preselectedTagName } : {}),
    createdAt: run.createdAt,
    ...(run.startedAt ? { startedAt: run.startedAt } : {}),
    finishedAt,
  };
}

/** What MarkFailed gets: the error a Catch recorded and, where the state machine names it, the failed task. */
export interface FailedEvent extends RunEvent {
  readonly error?: { Error?: string; Cause?: unknown };
  readonly failedTask?: FailedTask;
}

export async function markFailed(deps: WorkflowDeps, event: FailedEvent): Promise<null> {
  if (event.error?.Error !== 'RunCancelledError') {
    try {
      await deps.runs.update(event.runId, ['QUEUED', 'RUNNING'], {
        status: 'FAILED',
        failureReason: failureReason(event.error, event.failedTask),
        finishedAt: now(),
      });
    } catch (error) {
      // Already final (cancelled, or failed by an earlier attempt): nothing to change.
      if (!(error instanceof ConcurrentUpdateError)) throw error;
    }
  }
  // A pool run that ended without its commit frees the pool, which it left unchanged.
  await releasePoolOfEndedRun(deps, event.runId);
  return null;
}

export type { Dataset };
