/**
 * A report that cannot be written never costs the selection: the run SUCCEEDS with its tag, its summary
 * notes that the report failed and why, and `selectionRun.report` stays null. S3 refusing a write cannot
 * be caused on the stand-in, so the workflow's tasks run here with a blob store that refuses the report's
 * page (everything else is real: stand-ins, repositories, the dataset uploaded over GraphQL).
 */
import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createAwsClients } from '../../functions/store/aws.js';
import { BlobStore, type StoredObject } from '../../functions/store/blobs.js';
import { DynamoDatasetRepository } from '../../functions/store/datasets.js';
import { DynamoRunRepository } from '../../functions/store/runs.js';
import { DynamoTagRepository } from '../../functions/store/tags.js';
import { reportKeys } from '../../functions/report/store.js';
import * as tasks from '../../functions/workflow/tasks.js';
import type { LocalRuntime } from '../../infra/local/runtime.js';
import { createDataset, inlineUpload, lightlyUploadFiles, tagFileNames } from '../support/datasets.js';
import { graphql, uniqueName } from '../support/graphql.js';
import { startTestRuntime } from '../support/runtime.js';

const env = inject('winnowEnv');
const clients = createAwsClients(env);

/** S3 that refuses the report's HTML page. */
class ReportRefusingBlobStore extends BlobStore {
  override async put(key: string, body: Uint8Array | string, contentType?: string): Promise<StoredObject> {
    if (key.endsWith('/report.html')) throw new Error('Access Denied');
    return super.put(key, body, contentType);
  }
}

let runtime: LocalRuntime;
beforeAll(async () => {
  runtime = await startTestRuntime();
});
afterAll(() => runtime.stop());

describe('a report failure', () => {
  it('leaves the run SUCCEEDED with its tag, a note in the summary, and no report', async () => {
    const datasetId = await createDataset(runtime.url, uniqueName('report-fails'));
    expect((await inlineUpload(runtime.url, datasetId, lightlyUploadFiles({ samples: 60, dim: 6, layout: 'jsonl' }).files)).errors).toBeUndefined();
    const blobs = new ReportRefusingBlobStore(clients.s3, env.bucketName);
    const deps: tasks.WorkflowDeps = {
      datasets: new DynamoDatasetRepository(clients.dynamo, env.tableName),
      tags: new DynamoTagRepository(clients.dynamo, env.tableName, blobs),
      runs: new DynamoRunRepository(clients.dynamo, env.tableName),
      blobs,
    };
    const { Item } = await clients.dynamo.send(new GetCommand({ TableName: env.tableName, Key: { pk: `DATASET#${datasetId}`, sk: 'META' } }));
    const { run } = await deps.runs.create({
      id: randomUUID(),
      tenantId: Item!.tenantId as string,
      datasetId,
      status: 'QUEUED',
      config: { n_samples: 5, strategies: [{ input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY' } }] },
      resultTagName: 'kept',
      createdAt: new Date().toISOString(),
    });

    const plan = await tasks.plan(deps, { runId: run.id });
    for (const shard of plan.shards) await tasks.shard(deps, { runId: run.id, shard });
    expect(await tasks.select(deps, { runId: run.id }, { budgetMs: 30_000 })).toEqual({ done: true });

    const finished = await deps.runs.get(run.id);
    expect(finished.status).toBe('SUCCEEDED');
    expect(finished.summary!.selected).toBe(5);
    expect(finished.summary!.notes).toContainEqual(expect.stringMatching(/^report: not generated \(storing the report failed: Access Denied\); the selection and its tag are complete$/));
    expect(await tagFileNames(runtime.url, datasetId, 'kept')).toHaveLength(5);
    // The figures were written before the page failed; without the page there is no report to serve.
    expect(await blobs.size(reportKeys.json(run.id))).toBeGreaterThan(0);
    expect(await blobs.size(reportKeys.html(run.id))).toBeUndefined();
    const read = await graphql<{ selectionRun: { status: string; report: unknown; summary: { notes: string[] } } }>(
      runtime.url,
      'query ($id: ID!) { selectionRun(id: $id) { status report { htmlUrl } summary { notes } } }',
      { id: run.id },
    );
    expect(read.data!.selectionRun).toMatchObject({ status: 'SUCCEEDED', report: null });
    expect(read.data!.selectionRun.summary.notes.some((n) => n.startsWith('report: not generated'))).toBe(true);
  });
});
