/**
 * A {@link SelectionSource} over a run's column snapshot (snapshot.ts): the same columns, rows and missing
 * values as {@link loadColumnSource} reads from the dataset's column shards, read with one GET per column.
 */
import type { DatasetManifest } from '../store/columns.js';
import type { BlobStore } from '../store/blobs.js';
import type { ClassCounts, MetadataColumn, ObjectEmbeddings, QuerySet } from '../selection/types.js';
import { querySetOfRows } from '../selection/querySet.js';
import type { DatasetRepository } from '../store/datasets.js';
import type { SelectionRun } from '../store/runs.js';
import type { TagRepository } from '../store/tags.js';
import type { SelectionConfig } from '../selection/index.js';
import { cachedMatrix, engineAllocate, loadColumnSource, sourceOver, type ColumnNeeds, type NamedSource, type ResolvedQuerySet } from './columnSource.js';
import { columnNeeds } from './config.js';
import { EMBEDDINGS_COLUMN, type RunSnapshot } from './snapshot.js';
import { snapshotRawRows } from './snapshotDuplicates.js';
import type { RawEmbeddingRows } from './selectionExtras.js';
import { openRunSnapshot, SnapshotReader, type AllocateRows } from './snapshotReader.js';

export interface SnapshotSourceOptions {
  /** Where the embedding matrix is read into (default: the engine's kernels' memory, so it exists once). */
  readonly allocate?: AllocateRows;
}

/**
 * The source of a run's selection from its snapshot. `manifest` is the run's pinned dataset manifest
 * (keys, tasks and categories); the snapshot must have been written at its version.
 */
export async function loadSnapshotSource(
  blobs: BlobStore,
  manifest: DatasetManifest,
  snapshot: RunSnapshot,
  needs: ColumnNeeds,
  options: SnapshotSourceOptions = {},
): Promise<NamedSource & { rawEmbeddingRows: RawEmbeddingRows }> {
  if (snapshot.datasetVersion !== manifest.version || snapshot.rowCount !== manifest.rowCount) {
    throw new Error(`the run's snapshot is of version ${snapshot.datasetVersion} (${snapshot.rowCount} rows), the run pinned ${manifest.version} (${manifest.rowCount} rows)`);
  }
  const reader = new SnapshotReader(blobs, snapshot);
  const allocate = options.allocate ?? engineAllocate;
  const embeddings = reader.column(EMBEDDINGS_COLUMN)
    ? await cachedMatrix(snapshot.datasetId, snapshot.datasetVersion, () => reader.embeddingsInto(allocate))
    : undefined;

  const metadata = new Map<string, MetadataColumn>();
  for (const key of needs.metadata ?? []) {
    const info = manifest.metadata[key];
    if (!info || metadata.has(key)) continue;
    const name = `metadata/${key}`;
    metadata.set(key, info.categories ? { kind: 'categorical', codes: await reader.int32(name), categories: info.categories } : { kind: 'numeric', values: await reader.float64(name) });
  }
  const scores = new Map<string, Float64Array>();
  for (const { task, score } of needs.scores ?? []) {
    const name = `tasks/${task}/score/${score}`;
    if (reader.column(name) && !scores.has(`${task}/${score}`)) scores.set(`${task}/${score}`, await reader.float64(name));
  }
  const classCounts = new Map<string, ClassCounts>();
  for (const task of needs.classCounts ?? []) {
    const info = manifest.tasks[task];
    if (!info || classCounts.has(task)) continue;
    const counts = await reader.float64(`tasks/${task}/classCounts`);
    // Rows without a prediction record read NaN; the engine wants zeros there and `present` = 0.
    for (let i = 0; i < counts.length; i++) if (Number.isNaN(counts[i])) counts[i] = 0;
    classCounts.set(task, { classes: info.classes, counts, present: await reader.uint8(`tasks/${task}/present`) });
  }
  const categoryCounts = new Map<string, Float64Array>();
  for (const task of needs.categoryCount ?? []) {
    const name = `tasks/${task}/categoryCount`;
    if (reader.column(name) && !categoryCounts.has(task)) categoryCounts.set(task, await reader.float64(name));
  }
  const objects = new Map<string, ObjectEmbeddings>();
  for (const task of needs.objectEmbeddings ?? []) {
    const column = reader.column(`objects/${task}/embeddings`);
    if (!column || objects.has(task)) continue;
    const data = await reader.float32Into(`objects/${task}/embeddings`);
    const sampleRow = await reader.int32(`objects/${task}/sampleRow`);
    const objectIndex = await reader.int32(`objects/${task}/objectIndex`);
    objects.set(task, { rows: column.units, dim: column.width, data, sampleRow, objectIndex });
  }
  const queries = new Map<string, QuerySet>();
  for (const query of snapshot.querySets) {
    const rows = await reader.int32(query.rows);
    const key = `${query.datasetId}\u0000${query.tagName}`;
    if (query.embeddings === undefined) queries.set(key, querySetOfRows(embeddings!, rows, manifest.rowCount));
    else queries.set(key, { embeddings: { rows: rows.length, dim: reader.column(query.embeddings)!.width, data: await reader.float32Into(query.embeddings) } });
  }
  const source = sourceOver(manifest, { embeddings, metadata, scores, classCounts, categoryCounts, objects, queries }, () => reader.fileNames(), () => reader.fileNameList());
  return { ...source, rawEmbeddingRows: snapshotRawRows(reader) };
}

export interface RunSourceDeps {
  readonly datasets: DatasetRepository;
  readonly tags: TagRepository;
  readonly blobs: BlobStore;
}

/** The query sets of SIMILARITY entries: each tag's rows now, with its dataset's current manifest. */
export async function resolveQuerySets(deps: RunSourceDeps, run: SelectionRun, config: SelectionConfig): Promise<ResolvedQuerySet[]> {
  const out: ResolvedQuerySet[] = [];
  for (const { input } of config.strategies) {
    if (input.type !== 'EMBEDDINGS' || input.datasetId === undefined || input.tagName === undefined) continue;
    const dataset = await deps.datasets.get(run.tenantId, input.datasetId);
    const tag = await deps.tags.get(dataset.id, input.tagName);
    const bits = await deps.tags.bits(tag, dataset.sampleCount);
    const manifest = await deps.blobs.getJson<DatasetManifest>(dataset.manifestKey!);
    if (!manifest) throw new Error(`manifest ${dataset.manifestKey} is missing`);
    out.push({ datasetId: dataset.id, tagName: input.tagName, manifest, rows: [...bits.rows()] });
  }
  return out;
}

/**
 * The source a task of the run reads: its snapshot; a run planned before runs had snapshots (in flight
 * across a deployment) reads the dataset's column shards as it did then.
 */
export async function runSource(deps: RunSourceDeps, run: SelectionRun, manifest: DatasetManifest, config: SelectionConfig, options: SnapshotSourceOptions = {}) {
  const needs = columnNeeds(config);
  const snapshot = await openRunSnapshot(deps.blobs, run.id);
  if (!snapshot) return loadColumnSource(deps.blobs, run.datasetId, manifest, needs, await resolveQuerySets(deps, run, config));
  return loadSnapshotSource(deps.blobs, manifest, snapshot, needs, options);
}
