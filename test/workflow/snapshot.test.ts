/**
 * A run's column snapshot: written once by Plan, the only column data Shard, every Select hop and Finish
 * read, equal to the dataset's column shards at the pinned version, and kept or removed with the run's
 * other objects. The tasks run directly against the S3 and DynamoDB stand-ins; S3 requests go through a
 * store that counts them and forwards each to the real one.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createAwsClients } from '../../functions/store/aws.js';
import { BlobStore, type ListedObject, type StoredObject } from '../../functions/store/blobs.js';
import type { DatasetManifest } from '../../functions/store/columns.js';
import { createStores, type Stores } from '../../functions/store/stores.js';
import { runObjectPrefixes } from '../../functions/store/runs.js';
import { deleteDataset } from '../../functions/store/datasetDeletion.js';
import { sweepOrphans } from '../../functions/sweep/orphans.js';
import { forgetCachedEmbeddings, loadColumnSource, type ColumnNeeds } from '../../functions/workflow/columnSource.js';
import { runKeys } from '../../functions/workflow/results.js';
import { writeRunSnapshot, type RunSnapshot } from '../../functions/workflow/snapshot.js';
import { loadSnapshotSource } from '../../functions/workflow/snapshotSource.js';
import { finish, plan, select, shard, type WorkflowDeps } from '../../functions/workflow/tasks.js';
import type { LocalRuntime } from '../../infra/local/runtime.js';
import { createDataset, inlineUpload, lightlyUploadFiles, tagFileNames } from '../support/datasets.js';
import { uniqueName } from '../support/graphql.js';
import { startTestRuntime } from '../support/runtime.js';

const env = inject('winnowEnv');
const DIM = 6;

/** Counts what is read, listed and written, and forwards every call to the real store. */
class CountingBlobStore extends BlobStore {
  readonly reads: string[] = [];
  readonly listings: string[] = [];
  readonly writes: string[] = [];
  override get(key: string) {
    this.reads.push(key);
    return super.get(key);
  }
  override stream(key: string) {
    this.reads.push(key);
    return super.stream(key);
  }
  override getRange(key: string, start: number, end: number) {
    this.reads.push(key);
    return super.getRange(key, start, end);
  }
  override listPage(prefix: string, marker?: string, pageSize?: number): Promise<{ objects: ListedObject[]; nextMarker?: string }> {
    this.listings.push(prefix);
    return super.listPage(prefix, marker, pageSize);
  }
  override put(key: string, body: Uint8Array | string, contentType?: string): Promise<StoredObject> {
    this.writes.push(key);
    return super.put(key, body, contentType);
  }
  override completeMultipart(key: string, uploadId: string, parts: { partNumber: number; etag: string }[]) {
    this.writes.push(key);
    return super.completeMultipart(key, uploadId, parts);
  }
  reset() {
    this.reads.length = 0;
    this.listings.length = 0;
    this.writes.length = 0;
  }
}

let runtime: LocalRuntime;
let stores: Stores;
let blobs: CountingBlobStore;
let deps: WorkflowDeps;
let datasetId: string;
let tenantId: string;

const csv = (names: string[], seed: number) =>
  `filenames,${Array.from({ length: DIM }, (_, j) => `embedding_${j}`).join(',')},labels\n` +
  names.map((name, i) => `${name},${Array.from({ length: DIM }, (_, j) => Math.sin(seed * 31 + i * 7 + j * 3).toFixed(4)).join(',')},0`).join('\n') +
  '\n';

const CONFIG = {
  n_samples: 9,
  strategies: [
    { input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY' } },
    { input: { type: 'EMBEDDINGS' }, strategy: { type: 'TYPICALITY', num_nearest_neighbors: 4 } },
    { input: { type: 'METADATA', key: 'weather.description' }, strategy: { type: 'BALANCE', target: { sunny: 0.5, rainy: 0.5 } } },
    { input: { type: 'SCORES', task: 'my_object_detection_task', score: 'uncertainty_entropy' }, strategy: { type: 'WEIGHTS' } },
  ],
};

async function queuedRun(resultTagName: string, config: unknown = CONFIG): Promise<string> {
  const id = randomUUID();
  await stores.runs.create({ id, tenantId, datasetId, status: 'QUEUED', config, resultTagName, createdAt: new Date().toISOString() });
  return id;
}

/** Shard for every shard, then Select hops (a tiny budget: several hops) until done, then Finish. */
async function afterPlan(runId: string, shards: readonly number[], beforeTask: () => void = () => {}): Promise<number> {
  for (const index of shards) {
    beforeTask();
    await shard(deps, { runId, shard: index });
  }
  let hops = 0;
  for (let done = false; !done && hops < 50; hops++) {
    beforeTask();
    ({ done } = await select(deps, { runId }, { budgetMs: 1 }));
  }
  beforeTask();
  await finish(deps, { runId });
  return hops;
}

const isColumnShard = (key: string) => /^datasets\/[^/]+\/columns\//.test(key);
const snapshotPrefix = (runId: string) => `runs-work/${runId}/snapshot/`;

beforeAll(async () => {
  runtime = await startTestRuntime();
  stores = createStores(runtime.env);
  blobs = new CountingBlobStore(stores.blobs.client, stores.blobs.bucket);
  deps = { ...stores, blobs };
  datasetId = await createDataset(runtime.url, uniqueName('snapshot'));
  expect((await inlineUpload(runtime.url, datasetId, lightlyUploadFiles({ seed: 3, samples: 40, dim: DIM, layout: 'jsonl' }).files)).errors).toBeUndefined();
  // A second upload without metadata or predictions: a second shard, where those columns are missing.
  const names = Array.from({ length: 12 }, (_, i) => `appended/${i}.png`);
  expect((await inlineUpload(runtime.url, datasetId, [{ path: 'embeddings.csv', content: csv(names, 1) }])).errors).toBeUndefined();
  const { Item } = await createAwsClients(env).dynamo.send(new GetCommand({ TableName: env.tableName, Key: { pk: `DATASET#${datasetId}`, sk: 'META' } }));
  tenantId = Item!.tenantId as string;
});
afterAll(() => runtime.stop());

async function pinnedManifest(runId: string): Promise<DatasetManifest> {
  return (await stores.blobs.getJson<DatasetManifest>((await stores.runs.get(runId)).manifestKey!))!;
}

describe('the run snapshot', () => {
  it('is written once by Plan, and Shard, every Select hop and Finish read it, never a column shard', async () => {
    const runId = await queuedRun(uniqueName('snap'));
    blobs.reset();
    const planned = await plan(deps, { runId });
    expect(planned.shards.length).toBe(2);
    const snapshot = (await stores.blobs.getJson<RunSnapshot>(runKeys.snapshotManifest(runId)))!;
    const snapshotKeys = [...Object.values(snapshot.columns).map((c) => c.key), runKeys.snapshotManifest(runId)];
    expect(Object.keys(snapshot.columns).sort()).toEqual(
      ['embeddings.normalized', 'fileNames', 'metadata/weather.description', 'tasks/my_object_detection_task/score/uncertainty_entropy'].sort(),
    );
    const snapshotWrites = blobs.writes.filter((key) => key.startsWith(snapshotPrefix(runId)));
    expect(snapshotWrites.sort()).toEqual(snapshotKeys.sort());
    // Plan reads the shards (to pack them), each column object once.
    const planShardReads = blobs.reads.filter(isColumnShard);
    expect(planShardReads.length).toBe(new Set(planShardReads).size);
    const packed = ['fileNames', 'embeddings.normalized', 'metadata/weather.description', 'tasks/my_object_detection_task/score/uncertainty_entropy'];
    const pinned = await pinnedManifest(runId);
    expect(planShardReads.length).toBe(pinned.shards.reduce((n, s) => n + packed.filter((column) => s.columns[column]).length, 0));

    blobs.reset();
    let tasks = 0;
    const hops = await afterPlan(runId, planned.shards, () => {
      // Each task starts without the matrix an earlier task of this process kept, as a cold Lambda does.
      forgetCachedEmbeddings();
      tasks++;
    });
    expect(hops).toBeGreaterThan(2);
    expect(blobs.reads.filter(isColumnShard)).toEqual([]);
    expect(blobs.listings).toEqual([]);
    expect(blobs.writes.filter((key) => key.startsWith(snapshotPrefix(runId)))).toEqual([]);
    // Every task (2 shards, each hop, Finish) read the embeddings from the snapshot, with one request.
    const embeddingsKey = snapshot.columns['embeddings.normalized']!.key;
    expect(tasks).toBe(2 + hops + 1);
    expect(blobs.reads.filter((key) => key === embeddingsKey).length).toBe(tasks);
    // File names: Finish only (a selection without sequences picks without them).
    expect(blobs.reads.filter((key) => key === snapshot.columns.fileNames!.key).length).toBe(1);
    expect((await stores.runs.get(runId)).status).toBe('SUCCEEDED');
    expect(await tagFileNames(runtime.url, datasetId, (await stores.runs.get(runId)).resultTagName)).toHaveLength(9);
  });

  it('serves the same columns as the dataset’s shards, missing rows included', async () => {
    const dataset = await stores.datasets.get(tenantId, datasetId);
    const manifest = (await stores.blobs.getJson<DatasetManifest>(dataset.manifestKey!))!;
    const needs: ColumnNeeds = {
      embeddings: true,
      metadata: ['weather.description', 'lightly.sharpness', 'no-such-key'],
      scores: [{ task: 'my_object_detection_task', score: 'uncertainty_entropy' }],
      classCounts: ['lightly_pretagging'],
      categoryCount: ['my_object_detection_task'],
      objectEmbeddings: ['my_object_detections'],
    };
    const runId = randomUUID();
    const snapshot = await writeRunSnapshot(stores.blobs, runId, datasetId, manifest, needs, []);
    forgetCachedEmbeddings();
    const fromShards = await loadColumnSource(stores.blobs, datasetId, manifest, needs);
    forgetCachedEmbeddings();
    const fromSnapshot = await loadSnapshotSource(stores.blobs, manifest, snapshot, needs);
    expect(fromSnapshot.embeddings()).toEqual(fromShards.embeddings());
    expect(await fromSnapshot.fileNames()).toEqual(await fromShards.fileNames());
    for (const key of needs.metadata!) expect(fromSnapshot.metadata(key)).toEqual(fromShards.metadata(key));
    expect(fromSnapshot.metadata('weather.description')).toBeDefined();
    expect(fromSnapshot.score('my_object_detection_task', 'uncertainty_entropy')).toEqual(fromShards.score('my_object_detection_task', 'uncertainty_entropy'));
    // The appended shard has no predictions: its rows read as missing.
    expect(Number.isNaN(fromSnapshot.score('my_object_detection_task', 'uncertainty_entropy')![manifest.rowCount - 1])).toBe(true);
    expect(fromSnapshot.classCounts('lightly_pretagging')).toEqual(fromShards.classCounts('lightly_pretagging'));
    expect(fromSnapshot.categoryCount('my_object_detection_task')).toEqual(fromShards.categoryCount('my_object_detection_task'));
    expect(fromSnapshot.objectEmbeddings('my_object_detections')).toEqual(fromShards.objectEmbeddings('my_object_detections'));
    expect(fromSnapshot.objectEmbeddings('my_object_detections')!.rows).toBeGreaterThan(0);
    await stores.blobs.deletePrefix(`runs-work/${runId}/`);
  });

  it('keeps a running run on its pinned version when the dataset changes after Plan', async () => {
    const reference = await queuedRun(uniqueName('ref'));
    const referencePlan = await plan(deps, { runId: reference });
    await afterPlan(reference, referencePlan.shards);
    const referenceRows = await tagFileNames(runtime.url, datasetId, (await stores.runs.get(reference)).resultTagName);

    const runId = await queuedRun(uniqueName('pinned'));
    const planned = await plan(deps, { runId });
    const pinned = await pinnedManifest(runId);
    // Rows appended now, with embeddings far from the others (DIVERSITY would pick them if it saw them).
    const names = Array.from({ length: 5 }, (_, i) => `late/${i}.png`);
    const late = `filenames,${Array.from({ length: DIM }, (_, j) => `embedding_${j}`).join(',')},labels\n${names.map((n, i) => `${n},${Array.from({ length: DIM }, (_, j) => (j === i % DIM ? -50 : 0)).join(',')},0`).join('\n')}\n`;
    expect((await inlineUpload(runtime.url, datasetId, [{ path: 'embeddings.csv', content: late }])).errors).toBeUndefined();
    expect((await stores.datasets.get(tenantId, datasetId)).sampleCount).toBe(pinned.rowCount + 5);

    await afterPlan(runId, planned.shards);
    const rows = await tagFileNames(runtime.url, datasetId, (await stores.runs.get(runId)).resultTagName);
    expect(rows.some((name) => name.startsWith('late/'))).toBe(false);
    expect(rows).toEqual(referenceRows);
    const snapshot = (await stores.blobs.getJson<RunSnapshot>(runKeys.snapshotManifest(runId)))!;
    expect(snapshot).toMatchObject({ datasetVersion: pinned.version, rowCount: pinned.rowCount });
  });

  it('brings the raw rows that decide exact duplicates, so Select reads no raw shard either', async () => {
    const own = await createDataset(runtime.url, uniqueName('snapshot-twins'));
    const row = (values: number[]) => [...values, ...Array<number>(DIM - values.length).fill(0)].join(',');
    const upload = (lines: [string, number[]][]) =>
      inlineUpload(runtime.url, own, [{ path: 'embeddings.csv', content: `filenames,${Array.from({ length: DIM }, (_, j) => `embedding_${j}`).join(',')},labels\n${lines.map(([n, v]) => `${n},${row(v)},0`).join('\n')}\n` }]);
    // Shard 1: a, c and others; shard 2: b (a's raw twin) and d (normalizes as c does, raw differs).
    expect((await upload([['a.png', [1, 0, 0.5]], ['c.png', [1, 1]], ['e.png', [0, 0, 1]], ['f.png', [0, -1, 0, 1]]])).errors).toBeUndefined();
    expect((await upload([['b.png', [1, 0, 0.5]], ['d.png', [2, 2]], ['g.png', [0, 0, 0, 0, 1]]])).errors).toBeUndefined();
    const runId = randomUUID();
    await stores.runs.create({ id: runId, tenantId, datasetId: own, status: 'QUEUED', config: { n_samples: 7, strategies: [{ input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY' } }] }, resultTagName: 'twins', createdAt: new Date().toISOString() });
    const planned = await plan(deps, { runId });
    const snapshot = (await stores.blobs.getJson<RunSnapshot>(runKeys.snapshotManifest(runId)))!;
    // Candidates: rows whose normalized hash another row shares — a, b (identical) and c, d (identical normalized).
    expect(snapshot.columns['duplicates/rows']).toMatchObject({ units: 4, width: 1 });
    blobs.reset();
    await afterPlan(runId, planned.shards, forgetCachedEmbeddings);
    expect(blobs.reads.filter(isColumnShard)).toEqual([]);
    expect(blobs.reads).toContain(snapshot.columns['duplicates/raw']!.key);
    const done = await stores.runs.get(runId);
    expect(done.summary?.duplicates).toMatchObject({ count: 1, listed: [{ fileName: 'b.png', duplicateOfFileName: 'a.png' }] });
    expect((await tagFileNames(runtime.url, own, 'twins')).sort()).toEqual(['a.png', 'c.png', 'd.png', 'e.png', 'f.png', 'g.png']);
  });

  it('outlives the orphan sweep and goes when its dataset’s runs are deleted', async () => {
    const ownDataset = await createDataset(runtime.url, uniqueName('snapshot-gone'));
    expect((await inlineUpload(runtime.url, ownDataset, lightlyUploadFiles({ seed: 4, samples: 20, dim: DIM, layout: 'jsonl' }).files)).errors).toBeUndefined();
    const runId = randomUUID();
    await stores.runs.create({ id: runId, tenantId, datasetId: ownDataset, status: 'QUEUED', config: CONFIG, resultTagName: 'r', createdAt: new Date().toISOString() });
    await plan(deps, { runId });
    const snapshot = (await stores.blobs.getJson<RunSnapshot>(runKeys.snapshotManifest(runId)))!;
    const keys = [...Object.values(snapshot.columns).map((c) => c.key), runKeys.snapshotManifest(runId)];
    // Every snapshot object is under the run's intermediates, which expire by the bucket's lifecycle rule.
    for (const key of keys) expect(key.startsWith(runObjectPrefixes(runId)[1])).toBe(true);

    await sweepOrphans(stores, new Date(Date.now() + 365 * 24 * 3600_000));
    for (const key of keys) expect(await stores.blobs.size(key)).toBeGreaterThan(0);

    await stores.runs.update(runId, ['RUNNING'], { status: 'FAILED', finishedAt: new Date().toISOString() });
    await deleteDataset(stores, tenantId, ownDataset);
    for (const key of keys) expect(await stores.blobs.size(key)).toBeUndefined();
  });
});
