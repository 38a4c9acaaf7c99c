/**
 * The workflow's Lambda handlers, called as Lambda calls them (event, context), in the order the state
 * machine does, on a dataset uploaded over GraphQL.
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createAwsClients } from '../../functions/store/aws.js';
import type * as HandlersModule from '../../functions/workflow/handlers.js';
import { DynamoRunRepository } from '../../functions/store/runs.js';
import type { LocalRuntime } from '../../infra/local/runtime.js';
import { createDataset, inlineUpload, lightlyUploadFiles, tagFileNames } from '../support/datasets.js';
import { uniqueName } from '../support/graphql.js';
import { startTestRuntime } from '../support/runtime.js';
import { useLambdaEnvironment } from '../support/lambdaEnv.js';

const env = inject('winnowEnv');
let runtime: LocalRuntime;
type Handlers = typeof HandlersModule;
let handlers: Handlers;
const runs = new DynamoRunRepository(createAwsClients(env).dynamo, env.tableName);
const context = (remainingMs: number) => ({ getRemainingTimeInMillis: () => remainingMs }) as unknown as Context;

beforeAll(async () => {
  runtime = await startTestRuntime();
  useLambdaEnvironment(env);
  // Imported only now: the handlers read their resources from the environment when loaded.
  handlers = await import('../../functions/workflow/handlers.js');
});
afterAll(() => runtime.stop());

async function queuedRun(datasetId: string, tenantId: string, resultTagName: string, config: unknown) {
  const { run } = await runs.create({ id: randomUUID(), tenantId, datasetId, status: 'QUEUED', config, resultTagName, createdAt: new Date().toISOString() });
  return run;
}

describe('workflow Lambda handlers', () => {
  it('Plan → Shard per shard → Select (checkpointing under a short budget) → Finish writes the tag', async () => {
    const datasetId = await createDataset(runtime.url, uniqueName('handlers'));
    expect((await inlineUpload(runtime.url, datasetId, lightlyUploadFiles({ samples: 40, dim: 6, layout: 'jsonl' }).files)).errors).toBeUndefined();
    const run = await queuedRun(datasetId, await tenantOf(datasetId), 'via-handlers', {
      n_samples: 6,
      strategies: [{ input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY' } }, { input: { type: 'EMBEDDINGS' }, strategy: { type: 'TYPICALITY', num_nearest_neighbors: 4 } }],
    });
    const plan = await handlers.plan({ runId: run.id });
    expect(plan.shards).toEqual([0]);
    for (const shard of plan.shards) expect(await handlers.shard({ runId: run.id, shard })).toBeNull();
    // 61 s left: one second of picking per call (the rest is the safety margin), so it loops.
    let calls = 0;
    let done = false;
    while (!done && calls < 20) {
      ({ done } = await handlers.select({ runId: run.id }, context(61_000)));
      calls++;
    }
    expect(done).toBe(true);
    expect(calls).toBeGreaterThanOrEqual(1);
    // The picks are checkpointed; the tag and the run's end are Finish's.
    expect((await runs.get(run.id)).status).toBe('RUNNING');
    expect(await handlers.finish({ runId: run.id })).toBeNull();
    expect((await runs.get(run.id)).status).toBe('SUCCEEDED');
    expect(await tagFileNames(runtime.url, datasetId, 'via-handlers')).toHaveLength(6);
  });

  it('MarkFailed records the reason from a Lambda error cause', async () => {
    const datasetId = await createDataset(runtime.url, uniqueName('handlers-failed'));
    const run = await queuedRun(datasetId, await tenantOf(datasetId), 'never', { n_samples: 1, strategies: [{ input: { type: 'RANDOM' }, strategy: { type: 'WEIGHTS' } }] });
    await handlers.markFailed({ runId: run.id, error: { Error: 'SelectionRunError', Cause: JSON.stringify({ errorType: 'SelectionRunError', errorMessage: 'the dataset has no samples' }) } });
    expect(await runs.get(run.id)).toMatchObject({ status: 'FAILED', failureReason: 'the dataset has no samples' });
  });
});

/** The tenant of the runtime's key owns the datasets it creates: read it back from the record. */
async function tenantOf(datasetId: string): Promise<string> {
  const { GetCommand } = await import('@aws-sdk/lib-dynamodb');
  const { Item } = await createAwsClients(env).dynamo.send(new GetCommand({ TableName: env.tableName, Key: { pk: `DATASET#${datasetId}`, sk: 'META' } }));
  return Item!.tenantId as string;
}
