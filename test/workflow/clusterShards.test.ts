/**
 * Shards by cluster (functions/workflow/clusterShards.ts): where TYPICALITY is approximate, Plan clusters
 * the rows once, each Shard reads only its own clusters' rows, and the run picks what the engine picks
 * over the whole matrix. The switch to approximate typicality is moved down to 1,000 rows here
 * (WINNOW_APPROXIMATE_TYPICALITY_ROWS), so that a few thousand rows exercise it. The tasks run directly
 * against the S3 and DynamoDB stand-ins; S3 requests go through a store that records them and forwards
 * each to the real one.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createAwsClients } from '../../functions/store/aws.js';
import { BlobStore } from '../../functions/store/blobs.js';
import type { DatasetManifest } from '../../functions/store/columns.js';
import { createStores, type Stores } from '../../functions/store/stores.js';
import { engineKernels } from '../../functions/kernels/engine.js';
import { APPROXIMATE_TYPICALITY_ROWS_ENV, approximateKnnDistances, clusterRowPieces, clusterRows } from '../../functions/selection/approximateKnn.js';
import { runSelection, selectionConfig } from '../../functions/selection/index.js';
import { forgetCachedEmbeddings } from '../../functions/workflow/columnSource.js';
import { clusterOrder, clusterShardRanges, groupClusters, readClusterPlan, scatterToRows } from '../../functions/workflow/clusterShards.js';
import { columnNeeds } from '../../functions/workflow/config.js';
import { loadPicks, readShardObjectives, runKeys } from '../../functions/workflow/results.js';
import type { RunSnapshot } from '../../functions/workflow/snapshot.js';
import { loadSnapshotSource } from '../../functions/workflow/snapshotSource.js';
import { finish, plan, select, shard, type WorkflowDeps } from '../../functions/workflow/tasks.js';
import type { LocalRuntime } from '../../infra/local/runtime.js';
import { createDataset, inlineUpload } from '../support/datasets.js';
import { uniqueName } from '../support/graphql.js';
import { startTestRuntime } from '../support/runtime.js';

const env = inject('winnowEnv');
const DIM = 8;
const SHARD_ROWS = [1300, 1100, 1250];
const ROWS = SHARD_ROWS.reduce((a, b) => a + b, 0);

/** Records every read (with its byte range) and forwards it to the real store. */
class RecordingBlobStore extends BlobStore {
  readonly reads: { key: string; range?: [number, number] }[] = [];
  override get(key: string) {
    this.reads.push({ key });
    return super.get(key);
  }
  override stream(key: string) {
    this.reads.push({ key });
    return super.stream(key);
  }
  override getRange(key: string, start: number, end: number) {
    this.reads.push({ key, range: [start, end] });
    return super.getRange(key, start, end);
  }
}

/** Rows around 7 centres with noise, so that the clusters mean something. */
const csv = (shard: number, rows: number) =>
  `filenames,${Array.from({ length: DIM }, (_, j) => `embedding_${j}`).join(',')},labels\n` +
  Array.from({ length: rows }, (_, i) => {
    const centre = (i * 5 + shard) % 7;
    const values = Array.from({ length: DIM }, (_, j) => (Math.cos(centre * 2.1 + j * 1.3) + 0.35 * Math.sin(shard * 977 + i * 31.7 + j * 7.3)).toFixed(5));
    return `s${shard}/${i}.png,${values.join(',')},0`;
  }).join('\n') +
  '\n';

const CONFIG = {
  n_samples: 25,
  strategies: [
    { input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY' } },
    { input: { type: 'EMBEDDINGS' }, strategy: { type: 'TYPICALITY', num_nearest_neighbors: 6 } },
    { input: { type: 'EMBEDDINGS' }, strategy: { type: 'TYPICALITY', num_nearest_neighbors: 3 }, strength: 0.5 },
  ],
};

let runtime: LocalRuntime;
let stores: Stores;
let blobs: RecordingBlobStore;
let deps: WorkflowDeps;
let datasetId: string;
let tenantId: string;
const previousSwitch = process.env[APPROXIMATE_TYPICALITY_ROWS_ENV];

beforeAll(async () => {
  process.env[APPROXIMATE_TYPICALITY_ROWS_ENV] = '1000';
  runtime = await startTestRuntime();
  stores = createStores(runtime.env);
  blobs = new RecordingBlobStore(stores.blobs.client, stores.blobs.bucket);
  deps = { ...stores, blobs };
  datasetId = await createDataset(runtime.url, uniqueName('clustered'));
  // One upload per column shard.
  for (const [i, rows] of SHARD_ROWS.entries()) expect((await inlineUpload(runtime.url, datasetId, [{ path: 'embeddings.csv', content: csv(i, rows) }])).errors).toBeUndefined();
  const { Item } = await createAwsClients(env).dynamo.send(new GetCommand({ TableName: env.tableName, Key: { pk: `DATASET#${datasetId}`, sk: 'META' } }));
  tenantId = Item!.tenantId as string;
});
afterAll(async () => {
  if (previousSwitch === undefined) delete process.env[APPROXIMATE_TYPICALITY_ROWS_ENV];
  else process.env[APPROXIMATE_TYPICALITY_ROWS_ENV] = previousSwitch;
  await runtime.stop();
});

describe('shards by cluster', () => {
  it('clusters once in Plan; each Shard reads only its clusters’ rows; the picks are the engine’s', async () => {
    const runId = randomUUID();
    const resultTagName = uniqueName('clustered');
    await stores.runs.create({ id: runId, tenantId, datasetId, status: 'QUEUED', config: CONFIG, resultTagName, createdAt: new Date().toISOString() });
    blobs.reads.length = 0;
    const planned = await plan(deps, { runId });
    const planReads = blobs.reads.map((r) => r.key);
    const clusterPlan = (await readClusterPlan(stores.blobs, runId))!;
    expect(clusterPlan).toBeDefined();
    expect(clusterPlan.rows).toBe(ROWS);
    expect(planned.shards).toEqual(clusterPlan.shards.map((_, i) => i));
    expect(planned.shards.length).toBeGreaterThan(1);
    // The groups cover every cluster once, in order.
    expect(clusterPlan.shards[0]!.clusterStart).toBe(0);
    expect(clusterPlan.shards.at(-1)!.clusterEnd).toBe(clusterPlan.clusters);
    for (let g = 1; g < clusterPlan.shards.length; g++) expect(clusterPlan.shards[g]!.clusterStart).toBe(clusterPlan.shards[g - 1]!.clusterEnd);

    const snapshot = (await stores.blobs.getJson<RunSnapshot>(runKeys.snapshotManifest(runId)))!;
    const manifest = (await stores.blobs.getJson<DatasetManifest>((await stores.runs.get(runId)).manifestKey!))!;
    // Plan clusters the embeddings as it packs them: it reads neither the snapshot back nor a column shard twice.
    expect(planReads.filter((key) => Object.values(snapshot.columns).some((c) => c.key === key))).toEqual([]);
    const columnShardReads = planReads.filter((key) => key.startsWith('datasets/') && key.includes('/columns/'));
    expect(columnShardReads.length).toBe(new Set(columnShardReads).size);
    expect(columnShardReads.length).toBeGreaterThanOrEqual(SHARD_ROWS.length);
    const rowBytes = DIM * 4;
    for (const index of planned.shards) {
      forgetCachedEmbeddings();
      blobs.reads.length = 0;
      await shard(deps, { runId, shard: index });
      const group = clusterPlan.shards[index]!;
      const from = clusterPlan.starts[group.clusterStart]!;
      const to = clusterPlan.starts[group.clusterEnd]!;
      // Its own rows, in one ranged read; not the run's whole embeddings, nor any column shard.
      const embeddingReads = blobs.reads.filter((r) => r.key === clusterPlan.embeddingsKey);
      expect(embeddingReads).toEqual([{ key: clusterPlan.embeddingsKey, range: [from * rowBytes, to * rowBytes] }]);
      expect(blobs.reads.filter((r) => Object.values(snapshot.columns).some((c) => c.key === r.key))).toEqual([]);
      expect(blobs.reads.filter((r) => r.key.startsWith('datasets/'))).toEqual([]);
    }

    // The shards' values, put back in row order, are the engine's approximate kNN over the whole matrix.
    forgetCachedEmbeddings();
    const source = await loadSnapshotSource(stores.blobs, manifest, snapshot, columnNeeds(selectionConfig(CONFIG)));
    const { data } = source.embeddings()!;
    const order = await clusterOrder(stores.blobs, clusterPlan);
    for (const [entry, k] of [
      [1, 6],
      [2, 3],
    ] as const) {
      // Read and put back as Select does (readHeavyStatic), without its reduction to one value per row.
      const inRowOrder = new Float32Array(ROWS * k);
      for (const [i, { start, end }] of clusterShardRanges(clusterPlan).entries()) {
        scatterToRows(inRowOrder, k, order, start, await readShardObjectives(stores.blobs, runKeys.shardObjectives(runId, entry, i), i, end - start, k));
      }
      const expected = approximateKnnDistances(engineKernels(), data, DIM, ROWS, 0, ROWS, k);
      expect(Array.from(inRowOrder)).toEqual(Array.from(expected));
      expect(expected.some((d) => Number.isFinite(d) && d > 0)).toBe(true);
    }

    for (let done = false, hops = 0; !done && hops < 50; hops++) ({ done } = await select(deps, { runId }, { budgetMs: 1 }));
    await finish(deps, { runId });
    expect((await stores.runs.get(runId)).status).toBe('SUCCEEDED');
    const engine = runSelection(selectionConfig(CONFIG), source, { kernels: engineKernels(), removeExactDuplicates: true });
    const names = await source.fileNames();
    expect((await loadPicks(stores.blobs, runId)).map((p) => p.fileName)).toEqual(engine.rows.map((row) => names[row]));
    expect(engine.rows).toHaveLength(25);
  });

  it('runs below the switch shard by row range, as before', async () => {
    process.env[APPROXIMATE_TYPICALITY_ROWS_ENV] = String(ROWS);
    try {
      const runId = randomUUID();
      await stores.runs.create({ id: runId, tenantId, datasetId, status: 'QUEUED', config: CONFIG, resultTagName: uniqueName('exact'), createdAt: new Date().toISOString() });
      const planned = await plan(deps, { runId });
      expect(await readClusterPlan(stores.blobs, runId)).toBeUndefined();
      expect(planned.shards).toEqual(SHARD_ROWS.map((_, i) => i));
    } finally {
      process.env[APPROXIMATE_TYPICALITY_ROWS_ENV] = '1000';
    }
  });
});

describe('the clustering of rows in pieces', () => {
  it('equals the clustering of the whole matrix, however the rows are cut', () => {
    const dim = 5;
    const rows = 4321;
    const data = Float32Array.from({ length: rows * dim }, (_, i) => Math.sin(i * 12.9898 + (i % dim) * 78.233) * 3 + ((Math.floor(i / dim) % 9) - 4));
    const options = { clusterSize: 300, seed: 11 };
    const whole = clusterRows(engineKernels(), data, dim, rows, options);
    for (const cuts of [[0, 1000, 2000, 4000], [0, 1, 4320], [0]]) {
      const pieces = cuts.map((start, i) => data.slice(start * dim, (cuts[i + 1] ?? rows) * dim));
      const streamed = clusterRowPieces(engineKernels(), { pieces, starts: cuts }, dim, options);
      expect(streamed.clusters).toBe(whole.clusters);
      expect(Array.from(streamed.starts)).toEqual(Array.from(whole.starts));
      expect(Array.from(streamed.order)).toEqual(Array.from(whole.order));
    }
    expect(whole.clusters).toBe(14);
  });

  it('groups whole clusters into shards of the target rows or one cluster more', () => {
    // Clusters of 5, 4, 11, 1 and 9 rows, target 10: 5 + 4 + 11, then 1 + 9.
    expect(groupClusters([0, 5, 9, 20, 21, 30], 5, 10)).toEqual([
      { clusterStart: 0, clusterEnd: 3 },
      { clusterStart: 3, clusterEnd: 5 },
    ]);
    expect(groupClusters([0, 3], 1, 100)).toEqual([{ clusterStart: 0, clusterEnd: 1 }]);
  });
});
