/**
 * The work of each workflow state. Handlers (handlers.ts, and the local runtime) only pass events in.
 *
 * - **Plan**: RUNNING; pin the dataset version (manifest) for the whole run; check the config against it;
 *   write the shard list (the distributed Map reads it from S3).
 * - **Shard**: for one column shard, the expensive static objectives — the typicality kNN distances of
 *   its units against all units, the nearest-query distances for SIMILARITY — to S3.
 * - **Select**: load what the strategies read and the shards' results, run the greedy combiner until done
 *   or near the time limit (then checkpoint and let the state machine call Select again), write the
 *   per-pick explanation, then the tag, then the report (report.ts; a report failure is only a note),
 *   then SUCCEEDED.
 * - **MarkFailed**: FAILED with a readable reason (a cancelled run stays CANCELLED).
 *
 * Every step can be repeated (the state machine retries): writes are whole objects or conditional.
 */
import type { BlobStore } from '../store/blobs.js';
import type { DatapoolRepository } from '../store/datapool.js';
import type { DatasetManifest } from '../store/columns.js';
import type { Dataset, DatasetRepository } from '../store/datasets.js';
import { AlreadyExistsError, ConcurrentUpdateError, NotFoundError } from '../store/errors.js';
import type { RunRepository, SelectionRun } from '../store/runs.js';
import { TagBitset } from '../store/tagBitset.js';
import { INITIAL_TAG, type TagRepository } from '../store/tags.js';
import {
  computeHeavyStatic,
  GreedyRun,
  heavyStaticEntries,
  heavyStaticWidth,
  prepareSelection,
  rowsOfPick,
  selectionConfig,
  summarize,
  type GreedyState,
  type SelectionConfig,
} from '../selection/index.js';
import { objectTask } from '../selection/inputs.js';
import { loadColumnSource, type ResolvedQuerySet } from './columnSource.js';
import { checkConfigAgainstDataset, columnNeeds } from './config.js';
import { ConfigRejectedError, failureReason, RunCancelledError, SelectionRunError } from './errors.js';
import { embeddingRowsOf, writeRunReport } from './report.js';
import { runKeys, type PickExplanation } from './results.js';
import { poolForRun, selectionFilters, settleDatapool, stagePool, SUMMARY_LIST_LIMIT } from './selectionExtras.js';

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

export async function plan(deps: WorkflowDeps, { runId }: RunEvent): Promise<{ shards: number[]; shardListKey: string }> {
  const started = Date.now();
  let run = await activeRun(deps, runId);
  run = await deps.runs.update(runId, ['QUEUED', 'RUNNING'], { status: 'RUNNING', phase: 'PLAN', startedAt: run.startedAt ?? now() });
  const dataset = await deps.datasets.get(run.tenantId, run.datasetId);
  if (!dataset.manifestKey) throw new SelectionRunError('the dataset has no samples');
  const manifest = await manifestOf(deps.blobs, dataset.manifestKey);
  const config = selectionConfig(run.config);
  try {
    await checkConfigAgainstDataset({ ...deps, manifest: (d) => manifestOf(deps.blobs, d.manifestKey!) }, run.tenantId, dataset, manifest, config, 'config');
  } catch (error) {
    if (error instanceof ConfigRejectedError) throw new SelectionRunError(error.message);
    throw error;
  }
  const shards = manifest.shards.map((_, i) => i);
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

async function querySets(deps: WorkflowDeps, run: SelectionRun, config: SelectionConfig): Promise<ResolvedQuerySet[]> {
  const out: ResolvedQuerySet[] = [];
  for (const { input } of config.strategies) {
    if (input.type !== 'EMBEDDINGS' || input.datasetId === undefined || input.tagName === undefined) continue;
    const dataset = await deps.datasets.get(run.tenantId, input.datasetId);
    const tag = await deps.tags.get(dataset.id, input.tagName);
    const bits = await deps.tags.bits(tag, dataset.sampleCount);
    out.push({ datasetId: dataset.id, tagName: input.tagName, manifest: await manifestOf(deps.blobs, dataset.manifestKey!), rows: [...bits.rows()] });
  }
  return out;
}

export async function shard(deps: WorkflowDeps, { runId, shard: index }: RunEvent & { shard: number }): Promise<null> {
  const run = await activeRun(deps, runId);
  const config = selectionConfig(run.config);
  // A sequence selection computes its static parts over sequences, in Select (sequences are few).
  const heavy = (config.selectedSequenceLength ?? 1) > 1 ? [] : heavyStaticEntries(config);
  if (heavy.length > 0) {
    const manifest = await manifestOf(deps.blobs, run.manifestKey!);
    const source = await loadColumnSource(deps.blobs, run.datasetId, manifest, columnNeeds(config), await querySets(deps, run, config));
    const { start, end } = unitRange(manifest, config, index);
    for (const entry of heavy) {
      const values = computeHeavyStatic(config, source, entry, start, end);
      await deps.blobs.put(runKeys.shardObjectives(runId, entry, index), new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    }
  }
  await deps.runs.markShardDone(runId, index);
  return null;
}

interface Checkpoint {
  readonly state: GreedyState;
  readonly selectStartedAt: number;
}

export interface SelectOptions {
  /** Milliseconds this invocation may spend picking before it checkpoints. */
  readonly budgetMs: number;
}

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
  const config = selectionConfig(run.config);
  const manifest = await manifestOf(deps.blobs, run.manifestKey!);
  const dataset = await deps.datasets.get(run.tenantId, run.datasetId);
  const source = await loadColumnSource(deps.blobs, run.datasetId, manifest, columnNeeds(config), await querySets(deps, run, config));

  // The shards' static parts, concatenated in shard order.
  const precomputed = new Map<number, Float32Array>();
  const sequenceRun = (config.selectedSequenceLength ?? 1) > 1;
  for (const entry of sequenceRun ? [] : heavyStaticEntries(config)) {
    const width = config.strategies[entry]!.strategy.type === 'TYPICALITY' ? heavyStaticWidth(config.strategies[entry]!) : 1;
    const parts: Float32Array[] = [];
    for (let i = 0; i < manifest.shards.length; i++) {
      const bytes = await deps.blobs.get(runKeys.shardObjectives(runId, entry, i));
      if (!bytes) throw new Error(`static objectives of shard ${i} are missing`);
      parts.push(new Float32Array(bytes.slice().buffer));
    }
    const all = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let offset = 0;
    for (const part of parts) {
      all.set(part, offset);
      offset += part.length;
    }
    if (all.length % width !== 0) throw new Error(`static objectives of entry ${entry} have a wrong size`);
    precomputed.set(entry, all);
  }

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
  // Sequences are cut by file name; everything else names rows only at the end.
  const names = await source.fileNames();
  const pool = run.datapool ? await poolForRun(deps, run, manifest.rowCount) : undefined;
  const prepared = prepareSelection(config, source, {
    ...(inputRows ? { inputRows } : {}),
    ...(preselectedRows ? { preselectedRows } : {}),
    precomputed,
    removeExactDuplicates: true,
    ...(await selectionFilters(deps.blobs, manifest, config, source)),
    ...(pool ? { datapool: pool.options } : {}),
  });
  const checkpoint = await deps.blobs.getJson<Checkpoint>(runKeys.checkpoint(runId));
  const selectStartedAt = checkpoint?.selectStartedAt ?? invocationStart;
  if (!checkpoint) await deps.runs.update(runId, ['RUNNING'], { phase: 'SELECT' });
  const greedy = new GreedyRun(prepared, checkpoint?.state);
  const result = greedy.run({ deadline: invocationStart + options.budgetMs });
  if (!result.done) {
    await deps.blobs.putJson(runKeys.checkpoint(runId), { state: result.state, selectStartedAt } satisfies Checkpoint);
    await deps.runs.update(runId, ['RUNNING'], { picksSoFar: result.state.picks.length });
    return { done: false };
  }

  // Done: the explanation, then the tag, then the run record. A sequence pick is named by its first frame.
  const picks: PickExplanation[] = result.state.picks.map((pick, rank) => ({
    rank,
    fileName: names[rowsOfPick(prepared, pick.row)[0]!]!,
    score: Number.isFinite(pick.score) ? pick.score : pick.score > 0 ? Number.MAX_VALUE : -Number.MAX_VALUE,
    objectives: pick.objectives.map((o) => ({ strategy: o.strategy, objective: o.objective })),
  }));
  await deps.blobs.putJson(runKeys.picks(runId), picks);
  const pickedRows = result.state.picks.flatMap((p) => rowsOfPick(prepared, p.row));
  const bits = TagBitset.fromRows(manifest.rowCount, pickedRows);
  // A pool run stages pool ∪ picks before its tag; the pool takes it when the run turns SUCCEEDED.
  if (pool) await stagePool(deps, run, pool, manifest.rowCount, pickedRows);
  try {
    await deps.tags.create({
      datasetId: dataset.id,
      name: run.resultTagName,
      bits,
      createdBy: `selection:${runId}`,
      parent: `selection from ${run.inputTagName ?? INITIAL_TAG}`,
    });
  } catch (error) {
    if (!(error instanceof AlreadyExistsError)) throw error;
    // A retried Select may find its own tag; anyone else's means the name was taken meanwhile.
    const existing = await deps.tags.get(dataset.id, run.resultTagName);
    if (existing.createdBy !== `selection:${runId}`) {
      throw new SelectionRunError(`tag '${run.resultTagName}' was created by someone else while the selection ran; nothing was written`);
    }
  }
  const finished = Date.now();
  const planMs = run.timings?.plan ?? 0;
  const runStart = run.startedAt ? Date.parse(run.startedAt) : selectStartedAt;
  const summary = summarize(prepared, result, { fileName: (row) => names[row]!, listLimit: SUMMARY_LIST_LIMIT });
  const timings = { plan: planMs, shards: Math.max(0, selectStartedAt - runStart - planMs), select: finished - selectStartedAt, total: finished - runStart };

  // The report: never fails the run (a failure becomes a note in the summary).
  const finishedAt = new Date(finished).toISOString();
  // The report's figures are drawn per sample; a sequence run's clips are listed in its summary instead.
  const report = sequenceRun
    ? { note: 'no HTML report for sequence selections yet: the picked sequences are listed in the summary (sequences.picked)' }
    : await writeRunReport(deps.blobs, {
    run: {
      id: runId,
      datasetId: dataset.id,
      datasetName: dataset.name,
      resultTagName: run.resultTagName,
      ...(run.inputTagName ? { inputTagName: run.inputTagName } : {}),
      ...(run.preselectedTagName ? { preselectedTagName: run.preselectedTagName } : {}),
      createdAt: run.createdAt,
      ...(run.startedAt ? { startedAt: run.startedAt } : {}),
      finishedAt,
    },
    rawConfig: run.config,
    config,
    summary,
    timings,
    source,
    prepared,
    picks: result.state.picks,
    fileName: (row) => names[rowsOfPick(prepared, row)[0]!]!,
    embeddingRows: embeddingRowsOf(source, deps.blobs, manifest),
  });
  try {
    await deps.runs.update(runId, ['RUNNING'], {
      status: 'SUCCEEDED',
      phase: 'DONE',
      picksSoFar: picks.length,
      finishedAt,
      summary: report.note ? { ...summary, notes: [...(summary.notes ?? []), report.note] } : summary,
      timings: { ...timings, report: Date.now() - finished },
    });
  } catch (error) {
    if (!(error instanceof ConcurrentUpdateError)) throw error;
    // Cancelled at the last moment: the run stays CANCELLED and its tag goes.
    await deps.tags.delete(dataset.id, run.resultTagName).catch(() => undefined);
  }
  // The run's status decided the pool's fate; folding it in now spares the next reader (best effort).
  if (pool) await settleDatapool(deps, dataset.id).catch(() => undefined);
  return { done: true };
}

export async function markFailed(deps: WorkflowDeps, event: RunEvent & { error?: { Error?: string; Cause?: unknown } }): Promise<null> {
  if (event.error?.Error === 'RunCancelledError') return null;
  try {
    await deps.runs.update(event.runId, ['QUEUED', 'RUNNING'], {
      status: 'FAILED',
      failureReason: failureReason(event.error),
      finishedAt: now(),
    });
  } catch (error) {
    // Already final (cancelled, or failed by an earlier attempt): nothing to change.
    if (!(error instanceof ConcurrentUpdateError)) throw error;
  }
  return null;
}

export type { Dataset };
