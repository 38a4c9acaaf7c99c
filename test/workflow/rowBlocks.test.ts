/**
 * A dataset whose embeddings span several blocks of the kernels' memory (as 10M × 128 does at 4 GiB a
 * block; here `WINNOW_KERNEL_BLOCK_BYTES` makes 64 rows span five): every Select hop reads the snapshot
 * straight into the blocks, DIVERSITY and the exact-duplicate check read them there — no copy of the
 * matrix, neither by the kernels nor into one array — and the run tags the rows a one-block run tags.
 * The tasks run against the local S3 and DynamoDB stand-ins, as in snapshot.test.ts.
 */
import { availableParallelism } from 'node:os';
import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { engineKernels, resetEngineKernels } from '../../functions/kernels/engine.js';
import type { FastKernels } from '../../functions/kernels/fast.js';
import { blockBytesFor, scratchPerThread } from '../../functions/kernels/ops/layout.js';
import { blockMatrixStats } from '../../functions/selection/matrix.js';
import { createAwsClients } from '../../functions/store/aws.js';
import { createStores, type Stores } from '../../functions/store/stores.js';
import { forgetCachedEmbeddings } from '../../functions/workflow/columnSource.js';
import { finish, plan, select, shard } from '../../functions/workflow/tasks.js';
import type { LocalRuntime } from '../../infra/local/runtime.js';
import { createDataset, inlineUpload, tagFileNames } from '../support/datasets.js';
import { uniqueName } from '../support/graphql.js';
import { startTestRuntime } from '../support/runtime.js';

const env = inject('winnowEnv');
const DIM = 6;
const ROWS = 64;
const PER_BLOCK = 14;

let runtime: LocalRuntime;
let stores: Stores;
let datasetId: string;
let tenantId: string;

/** The fewest block bytes that hold PER_BLOCK rows for the engine's kernels (int8 codes without the projection bound, every core). */
function blockBytes(): number {
  return blockBytesFor({ dim: DIM, kind: 'float32', threads: availableParallelism(), scratchPerThread: scratchPerThread(DIM), prune: false, codes: true }, PER_BLOCK);
}

beforeAll(async () => {
  runtime = await startTestRuntime();
  stores = createStores(runtime.env);
  datasetId = await createDataset(runtime.url, uniqueName('row-blocks'));
  const values = (i: number) => Array.from({ length: DIM }, (_, j) => Math.sin(i * 7 + j * 3 + 1).toFixed(4));
  // Exact duplicates of earlier rows, in other blocks than their first (and one in the same block).
  const twinOf = new Map([[20, 3], [45, 3], [50, 31], [9, 8]]);
  const lines = Array.from({ length: ROWS }, (_, i) => `img/${String(i).padStart(3, '0')}.png,${values(twinOf.get(i) ?? i).join(',')},0`);
  const csv = `filenames,${Array.from({ length: DIM }, (_, j) => `embedding_${j}`).join(',')},labels\n${lines.join('\n')}\n`;
  expect((await inlineUpload(runtime.url, datasetId, [{ path: 'embeddings.csv', content: csv }])).errors).toBeUndefined();
  const { Item } = await createAwsClients(env).dynamo.send(new GetCommand({ TableName: env.tableName, Key: { pk: `DATASET#${datasetId}`, sk: 'META' } }));
  tenantId = Item!.tenantId as string;
});
afterAll(async () => {
  delete process.env.WINNOW_KERNEL_BLOCK_BYTES;
  await resetEngineKernels();
  await runtime.stop();
});

/** A DIVERSITY run from Plan to Finish, each task without the matrix an earlier one kept; its tag and duplicates. */
async function diversityRun(): Promise<{ tagged: string[]; duplicates: unknown; hops: number }> {
  const runId = randomUUID();
  const resultTagName = uniqueName('blocks');
  const config = { n_samples: 12, strategies: [{ input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY' } }] };
  await stores.runs.create({ id: runId, tenantId, datasetId, status: 'QUEUED', config, resultTagName, createdAt: new Date().toISOString() });
  const planned = await plan(stores, { runId });
  for (const index of planned.shards) {
    forgetCachedEmbeddings();
    await shard(stores, { runId, shard: index });
  }
  let hops = 0;
  for (let done = false; !done && hops < 50; hops++) {
    forgetCachedEmbeddings();
    ({ done } = await select(stores, { runId }, { budgetMs: 1 }));
  }
  forgetCachedEmbeddings();
  await finish(stores, { runId });
  const run = await stores.runs.get(runId);
  expect(run.status).toBe('SUCCEEDED');
  return { tagged: await tagFileNames(runtime.url, datasetId, resultTagName), duplicates: run.summary?.duplicates, hops };
}

it('Select reads embeddings spanning several blocks in place and tags what a one-block run tags', async () => {
  delete process.env.WINNOW_KERNEL_BLOCK_BYTES;
  await resetEngineKernels();
  const oneBlock = await diversityRun();
  expect(oneBlock.tagged).toHaveLength(12);
  expect(oneBlock.duplicates).toMatchObject({ count: 4 });

  process.env.WINNOW_KERNEL_BLOCK_BYTES = String(blockBytes());
  await resetEngineKernels();
  const kernels = engineKernels() as FastKernels;
  expect(kernels.rowsPerBlock(DIM)).toBe(PER_BLOCK);
  const copiedBefore = kernels.stats.copiedMatrices;
  const allocatedBefore = kernels.stats.allocatedMatrices;
  const contiguousBefore = blockMatrixStats.contiguousCopies;
  const inBlocks = await diversityRun();
  expect(inBlocks.tagged).toEqual(oneBlock.tagged);
  expect(inBlocks.duplicates).toEqual(oneBlock.duplicates);
  // Every Select hop and Finish allocated the matrix in blocks; nothing copied it.
  expect(kernels.stats.allocatedMatrices - allocatedBefore).toBeGreaterThanOrEqual(inBlocks.hops);
  expect(kernels.stats.copiedMatrices).toBe(copiedBefore);
  expect(blockMatrixStats.contiguousCopies).toBe(contiguousBefore);
});
