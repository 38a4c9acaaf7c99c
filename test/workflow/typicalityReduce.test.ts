/**
 * Select reduces TYPICALITY's kNN distances shard by shard (functions/workflow/tasks.ts `readHeavyStatic`):
 * the shards' summaries (exact sums of their distances) are merged into τ, then each shard's distances are
 * read once, one shard at a time, and reduced to its units' typicality; the strategy gets one value per
 * unit, never units × K. Its typicality, and so its picks and their objectives, are the engine's bit for
 * bit, with shards by row range and with shards by cluster (approximate typicality, switched on at 1,000
 * rows here with WINNOW_APPROXIMATE_TYPICALITY_ROWS). The tasks run directly against the S3 and DynamoDB
 * stand-ins; S3 reads go through a store that records them and forwards each to the real one.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createAwsClients } from '../../functions/store/aws.js';
import { BlobStore } from '../../functions/store/blobs.js';
import type { DatasetManifest } from '../../functions/store/columns.js';
import { createStores, type Stores } from '../../functions/store/stores.js';
import { engineKernels } from '../../functions/kernels/engine.js';
import { APPROXIMATE_TYPICALITY_ROWS_ENV } from '../../functions/selection/approximateKnn.js';
import { prepareSelection, runSelection, selectionConfig } from '../../functions/selection/index.js';
import { TypicalityStrategy } from '../../functions/selection/strategies/typicality.js';
import { forgetCachedEmbeddings } from '../../functions/workflow/columnSource.js';
import { readClusterPlan } from '../../functions/workflow/clusterShards.js';
import { columnNeeds } from '../../functions/workflow/config.js';
import { loadPicks, runKeys } from '../../functions/workflow/results.js';
import type { RunSnapshot } from '../../functions/workflow/snapshot.js';
import { loadSnapshotSource } from '../../functions/workflow/snapshotSource.js';
import { finish, plan, readHeavyStatic, select, shard, type WorkflowDeps } from '../../functions/workflow/tasks.js';
import type { LocalRuntime } from '../../infra/local/runtime.js';
import { createDataset, inlineUpload } from '../support/datasets.js';
import { uniqueName } from '../support/graphql.js';
import { startTestRuntime } from '../support/runtime.js';

const env = inject('winnowEnv');
const DIM = 8;
const SHARD_ROWS = [1300, 1100, 1250];
const ROWS = SHARD_ROWS.reduce((a, b) => a + b, 0);

/** Records every read of an object, and the most reads of the shards' static objectives in flight at once. */
class RecordingBlobStore extends BlobStore {
  readonly reads: string[] = [];
  private staticInFlight = 0;
  mostStaticInFlight = 0;
  override async get(key: string) {
    this.reads.push(key);
    const isStatic = key.endsWith('.f32');
    if (isStatic) this.mostStaticInFlight = Math.max(this.mostStaticInFlight, ++this.staticInFlight);
    try {
      return await super.get(key);
    } finally {
      if (isStatic) this.staticInFlight--;
    }
  }
  reset(): void {
    this.reads.length = 0;
    this.mostStaticInFlight = 0;
  }
}

/** Rows around 7 centres with noise, and a few exact duplicates across shards. */
const csv = (shard: number, rows: number) =>
  `filenames,${Array.from({ length: DIM }, (_, j) => `embedding_${j}`).join(',')},labels\n` +
  Array.from({ length: rows }, (_, i) => {
    const centre = (i * 3 + shard) % 7;
    const noise = i % 211 === 0 ? 0 : 0.4 * Math.sin(shard * 613 + i * 29.3);
    const values = Array.from({ length: DIM }, (_, j) => (Math.cos(centre * 1.7 + j * 1.1) + noise * Math.cos(j * 5.1 + i)).toFixed(5));
    return `s${shard}/${i}.png,${values.join(',')},0`;
  }).join('\n') +
  '\n';

const CONFIG = {
  n_samples: 30,
  strategies: [
    { input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY' } },
    { input: { type: 'EMBEDDINGS' }, strategy: { type: 'TYPICALITY', num_nearest_neighbors: 7 } },
    { input: { type: 'EMBEDDINGS' }, strategy: { type: 'TYPICALITY', num_nearest_neighbors: 4 }, strength: 0.5 },
  ],
};
const TYPICALITY_ENTRIES = [1, 2];

let runtime: LocalRuntime;
let stores: Stores;
let blobs: RecordingBlobStore;
let deps: WorkflowDeps;
let datasetId: string;
let tenantId: string;
const previousSwitch = process.env[APPROXIMATE_TYPICALITY_ROWS_ENV];

beforeAll(async () => {
  runtime = await startTestRuntime();
  stores = createStores(runtime.env);
  blobs = new RecordingBlobStore(stores.blobs.client, stores.blobs.bucket);
  deps = { ...stores, blobs };
  datasetId = await createDataset(runtime.url, uniqueName('typicality-reduce'));
  for (const [i, rows] of SHARD_ROWS.entries()) expect((await inlineUpload(runtime.url, datasetId, [{ path: 'embeddings.csv', content: csv(i, rows) }])).errors).toBeUndefined();
  const { Item } = await createAwsClients(env).dynamo.send(new GetCommand({ TableName: env.tableName, Key: { pk: `DATASET#${datasetId}`, sk: 'META' } }));
  tenantId = Item!.tenantId as string;
});
afterAll(async () => {
  if (previousSwitch === undefined) delete process.env[APPROXIMATE_TYPICALITY_ROWS_ENV];
  else process.env[APPROXIMATE_TYPICALITY_ROWS_ENV] = previousSwitch;
  await runtime.stop();
});

const bytesOf = (values: Float64Array) => Buffer.from(values.buffer, values.byteOffset, values.byteLength);

describe.each([
  { shards: 'by row range', approximateFrom: String(ROWS) },
  { shards: 'by cluster', approximateFrom: '1000' },
])('Select with shards $shards', ({ shards, approximateFrom }) => {
  it('reads each shard’s kNN once, one shard at a time, holds one typicality per unit, and picks what the engine picks, bit for bit', async () => {
    process.env[APPROXIMATE_TYPICALITY_ROWS_ENV] = approximateFrom;
    const config = selectionConfig(CONFIG);
    const runId = randomUUID();
    await stores.runs.create({ id: runId, tenantId, datasetId, status: 'QUEUED', config: CONFIG, resultTagName: uniqueName('typicality-reduce'), createdAt: new Date().toISOString() });
    const planned = await plan(deps, { runId });
    const clusterPlan = await readClusterPlan(stores.blobs, runId);
    expect(clusterPlan !== undefined).toBe(shards === 'by cluster');
    expect(planned.shards.length).toBeGreaterThan(1);
    for (const index of planned.shards) await shard(deps, { runId, shard: index });
    // Each shard left the exact sum and count of its distances beside them.
    for (const entry of TYPICALITY_ENTRIES) {
      for (const index of planned.shards) expect(await stores.blobs.getJson(runKeys.shardSummary(runId, entry, index))).toMatchObject({ count: expect.any(Number) as number });
    }

    // The engine over the whole matrix, in one process.
    forgetCachedEmbeddings();
    const manifest = (await stores.blobs.getJson<DatasetManifest>((await stores.runs.get(runId)).manifestKey!))!;
    const snapshot = (await stores.blobs.getJson<RunSnapshot>(runKeys.snapshotManifest(runId)))!;
    const source = await loadSnapshotSource(stores.blobs, manifest, snapshot, columnNeeds(config));
    const names = await source.fileNames();
    const engineOptions = { kernels: engineKernels(), removeExactDuplicates: true };
    const enginePrepared = prepareSelection(config, source, engineOptions);
    const engineTypicality = (entry: number) => {
      const strategy = enginePrepared.strategies.find((s) => s.entry === entry);
      expect(strategy).toBeInstanceOf(TypicalityStrategy);
      return (strategy as TypicalityStrategy).staticObjective;
    };

    // What the strategy is handed: one typicality per unit, the engine's, bit for bit.
    blobs.reset();
    const precomputed = await readHeavyStatic(blobs, runId, config, manifest);
    for (const entry of TYPICALITY_ENTRIES) {
      const given = precomputed.get(entry)!;
      expect('values' in given).toBe(false);
      const perUnit = 'perUnit' in given ? given.perUnit : new Float64Array();
      expect(perUnit).toHaveLength(ROWS);
      expect(bytesOf(perUnit).equals(bytesOf(engineTypicality(entry)))).toBe(true);
    }
    expect(new Set(engineTypicality(1)).size).toBeGreaterThan(ROWS / 2);

    // Select: every summary, then each shard's kNN once, one at a time.
    blobs.reset();
    const first = await select(deps, { runId }, { budgetMs: 1 });
    for (const entry of TYPICALITY_ENTRIES) {
      const knnKeys = planned.shards.map((i) => runKeys.shardObjectives(runId, entry, i));
      expect(blobs.reads.filter((key) => key.startsWith(`runs-work/${runId}/static/${entry}/`) && key.endsWith('.f32'))).toEqual(knnKeys);
      const summaryReads = planned.shards.map((i) => blobs.reads.indexOf(runKeys.shardSummary(runId, entry, i)));
      expect(Math.max(...summaryReads)).toBeLessThan(blobs.reads.indexOf(knnKeys[0]!));
      expect(Math.min(...summaryReads)).toBeGreaterThanOrEqual(0);
    }
    expect(blobs.mostStaticInFlight).toBe(1);

    for (let done = first.done, hops = 0; !done && hops < 60; hops++) ({ done } = await select(deps, { runId }, { budgetMs: 1 }));
    await finish(deps, { runId });
    expect((await stores.runs.get(runId)).status).toBe('SUCCEEDED');
    const engine = runSelection(config, source, engineOptions);
    const picks = await loadPicks(stores.blobs, runId);
    expect(engine.rows).toHaveLength(30);
    expect(picks.map((p) => p.fileName)).toEqual(engine.rows.map((row) => names[row]));
    // The objectives at each pick, typicality's included, through JSON (which keeps every bit of a float64).
    expect(picks.map((p) => p.objectives)).toEqual(engine.picks.map((p) => p.objectives));
    expect(picks.flatMap((p) => p.objectives.filter((o) => TYPICALITY_ENTRIES.includes(o.strategy)).map((o) => o.objective)).every((o) => o > 0 && o <= 1)).toBe(true);
  });
});
