/**
 * `deleteDataset` over GraphQL against the local runtime: everything the dataset owns is gone afterwards
 * (DynamoDB items and S3 objects, read back over the SDK), other tenants cannot delete it, a running
 * selection holds it, and a deletion that crashed half-way leaves nothing visible and is finished by a
 * retry.
 */
import { ListObjectsCommand } from '@aws-sdk/client-s3';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoApiKeyRepository } from '../../functions/store/apiKeys.js';
import { createAwsClients, type AwsClients } from '../../functions/store/aws.js';
import { BlobStore } from '../../functions/store/blobs.js';
import { deleteDataset } from '../../functions/store/datasetDeletion.js';
import { DynamoDatasetRepository } from '../../functions/store/datasets.js';
import { DynamoRunRepository } from '../../functions/store/runs.js';
import type { LocalRuntime } from '../../infra/local/runtime.js';
import { WORKFLOW_STATES } from '../../infra/workflow.js';
import { createDataset, lightlyUploadFiles, presignedUpload, inlineUpload } from '../support/datasets.js';
import { graphql, uniqueName } from '../support/graphql.js';
import { startSelection, waitForRun } from '../support/runs.js';
import { startTestRuntime } from '../support/runtime.js';

const DELETE = 'mutation ($id: ID!) { deleteDataset(id: $id) }';
const DIVERSE = { n_samples: 5, strategies: [{ input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY' } }] };
const tenantId = uniqueName('tenant-delete');

let runtime: LocalRuntime;
let url: string;
let clients: AwsClients;
/** While set, the workflow's Plan step waits for it: holds a selection QUEUED/RUNNING. */
let planGate: Promise<void> | undefined;

beforeAll(async () => {
  runtime = await startTestRuntime({
    tenantId,
    wrapTask: (state, handler) => (state === WORKFLOW_STATES.plan ? async (input) => (await planGate, handler(input)) : handler),
  });
  url = runtime.url;
  clients = createAwsClients(runtime.env);
});
afterAll(() => runtime.stop());

async function objectKeys(prefix: string): Promise<string[]> {
  const page = await clients.s3.send(new ListObjectsCommand({ Bucket: runtime.env.bucketName, Prefix: prefix }));
  return (page.Contents ?? []).map((object) => object.Key!);
}

async function datasetItems(id: string): Promise<string[]> {
  const page = await clients.dynamo.send(
    new QueryCommand({ TableName: runtime.env.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `DATASET#${id}` } }),
  );
  return (page.Items ?? []).map((item) => item.sk as string);
}

async function hasItem(pk: string, sk: string): Promise<boolean> {
  const { Item } = await clients.dynamo.send(new GetCommand({ TableName: runtime.env.tableName, Key: { pk, sk }, ConsistentRead: true }));
  return Item !== undefined;
}

async function listedNames(): Promise<string[]> {
  const listed = await graphql<{ datasets: { items: { name: string }[] } }>(url, '{ datasets(first: 100) { items { name } } }');
  return listed.data!.datasets.items.map((d) => d.name);
}

/** A dataset with what a real one accumulates: two uploads, a tag and its download, a finished selection. */
async function populatedDataset(name: string): Promise<{ id: string; runId: string }> {
  const id = await createDataset(url, name);
  const { files, dataset } = lightlyUploadFiles({ seed: 11, samples: 40, layout: 'jsonl' });
  expect((await presignedUpload(url, id, files)).commit.errors).toBeUndefined();
  const { files: more } = lightlyUploadFiles({ seed: 12, samples: 10, layout: 'jsonl' });
  const renamed = more.map((f) => ({ path: f.path, content: f.content.replaceAll('video_', 'extra_video_') }));
  expect((await inlineUpload(url, id, renamed)).errors).toBeUndefined();
  const tag = await graphql<{ createTag: { count: number } }>(url, 'mutation ($d: ID!, $f: [String!]!) { createTag(datasetId: $d, name: "picked-by-hand", fileNames: $f) { count } }', {
    d: id,
    f: dataset.truth.fileNames.slice(0, 1),
  });
  expect(tag.data?.createTag.count).toBe(1);
  const download = await graphql<{ dataset: { tag: { downloadUrl: string } } }>(url, 'query ($d: ID!) { dataset(id: $d) { tag(name: "picked-by-hand") { downloadUrl } } }', { d: id });
  expect(download.data?.dataset.tag.downloadUrl).toMatch(/^http/);
  const started = await startSelection(url, { d: id, c: DIVERSE, t: 'diverse', k: 'retry-key-1' });
  expect(started.errors).toBeUndefined();
  const run = await waitForRun(url, started.data!.startSelection.id);
  expect(run.status).toBe('SUCCEEDED');
  return { id, runId: run.id };
}

describe('deleteDataset', () => {
  it('removes the record, name claim, uploads, tags, runs, idempotency keys and every stored object', async () => {
    const name = uniqueName('doomed');
    const { id, runId } = await populatedDataset(name);
    const neighbour = await createDataset(url, uniqueName('neighbour'));
    expect((await inlineUpload(url, neighbour, lightlyUploadFiles({ seed: 13, samples: 8 }).files)).errors).toBeUndefined();
    const neighbourObjects = await objectKeys(`datasets/${neighbour}/`);

    // What there is before, so that the checks below could fail.
    const items = await datasetItems(id);
    for (const kind of ['META', 'TAG#picked-by-hand', 'TAG#diverse', 'RUNKEY#retry-key-1']) expect(items).toContain(kind);
    expect(items.filter((sk) => sk.startsWith('UPLOAD#'))).toHaveLength(2);
    const objects = await objectKeys(`datasets/${id}/`);
    for (const part of ['/uploads/', '/columns/', '/manifests/', '/tags/']) expect(objects.some((key) => key.includes(part))).toBe(true);
    expect(await objectKeys(`runs/${runId}/`)).not.toEqual([]);
    expect(await objectKeys(`runs-work/${runId}/`)).not.toEqual([]);

    const deleted = await graphql(url, DELETE, { id });
    expect(deleted).toEqual({ status: 200, data: { deleteDataset: true } });

    expect(await datasetItems(id)).toEqual([]);
    expect(await hasItem(`RUN#${runId}`, 'META')).toBe(false);
    expect(await hasItem(`TENANT#${tenantId}`, `DATASETNAME#${name}`)).toBe(false);
    expect(await objectKeys(`datasets/${id}/`)).toEqual([]);
    expect(await objectKeys(`runs/${runId}/`)).toEqual([]);
    expect(await objectKeys(`runs-work/${runId}/`)).toEqual([]);
    // Only that dataset: a neighbour's objects stay.
    expect(await objectKeys(`datasets/${neighbour}/`)).toEqual(neighbourObjects);

    const read = await graphql(url, 'query ($id: ID!) { dataset(id: $id) { id } }', { id });
    expect(read.errors![0]!.extensions).toEqual({ code: 'NOT_FOUND' });
    const runRead = await graphql(url, 'query ($id: ID!) { selectionRun(id: $id) { id } }', { id: runId });
    expect(runRead.errors![0]!.extensions).toEqual({ code: 'NOT_FOUND' });
    expect(await listedNames()).not.toContain(name);
    // The name is free again.
    expect(await createDataset(url, name)).not.toBe(id);
    // Deleting again: it is gone.
    expect((await graphql(url, DELETE, { id })).errors![0]!.extensions).toEqual({ code: 'NOT_FOUND' });
  });

  it("answers NOT_FOUND for another tenant's dataset and leaves it alone", async () => {
    const id = await createDataset(url, uniqueName('not-yours'));
    const { key } = await new DynamoApiKeyRepository(clients.dynamo, runtime.env.tableName).create(uniqueName('tenant-other'), 'test');
    const attempt = await graphql(url, DELETE, { id }, { authorization: `Bearer ${key}` });
    expect(attempt.errors![0]!.extensions).toEqual({ code: 'NOT_FOUND' });
    expect(attempt.errors![0]!.message).toContain(id);
    expect((await graphql(url, 'query ($id: ID!) { dataset(id: $id) { id } }', { id })).data).toEqual({ dataset: { id } });
  });

  it('is refused with CONFLICT while a selection on the dataset is queued or running, and works once it finished', async () => {
    const id = await createDataset(url, uniqueName('busy'));
    expect((await inlineUpload(url, id, lightlyUploadFiles({ seed: 14, samples: 12 }).files)).errors).toBeUndefined();
    let release!: () => void;
    planGate = new Promise((resolve) => (release = resolve));
    try {
      const started = await startSelection(url, { d: id, c: DIVERSE, t: 'held' });
      const runId = started.data!.startSelection.id;
      const refused = await graphql(url, DELETE, { id });
      expect(refused.errors![0]!.extensions).toEqual({ code: 'CONFLICT' });
      expect(refused.errors![0]!.message).toContain(runId);
      expect((await graphql(url, 'query ($id: ID!) { dataset(id: $id) { sampleCount } }', { id })).data).toEqual({ dataset: { sampleCount: 12 } });
      release();
      expect((await waitForRun(url, runId)).status).toBe('SUCCEEDED');
    } finally {
      release();
      planGate = undefined;
    }
    expect((await graphql(url, DELETE, { id })).data).toEqual({ deleteDataset: true });
  });

  it('is refused with CONFLICT while a selection on another dataset reads it as SIMILARITY queries, and works once it finished', async () => {
    const queryId = await createDataset(url, uniqueName('queries'));
    expect((await inlineUpload(url, queryId, lightlyUploadFiles({ seed: 15, samples: 8 }).files)).errors).toBeUndefined();
    const id = await createDataset(url, uniqueName('reader'));
    expect((await inlineUpload(url, id, lightlyUploadFiles({ seed: 16, samples: 12 }).files)).errors).toBeUndefined();
    const similar = { n_samples: 3, strategies: [{ input: { type: 'EMBEDDINGS', dataset_id: queryId, tag_name: 'initial-tag' }, strategy: { type: 'SIMILARITY' } }] };
    let release!: () => void;
    planGate = new Promise((resolve) => (release = resolve));
    try {
      const started = await startSelection(url, { d: id, c: similar, t: 'similar' });
      expect(started.errors).toBeUndefined();
      const runId = started.data!.startSelection.id;
      const refused = await graphql(url, DELETE, { id: queryId });
      expect(refused.errors![0]!.extensions).toEqual({ code: 'CONFLICT' });
      expect(refused.errors![0]!.message).toContain(runId);
      expect(refused.errors![0]!.message).toContain('SIMILARITY query dataset');
      expect((await graphql(url, 'query ($id: ID!) { dataset(id: $id) { sampleCount } }', { id: queryId })).data).toEqual({ dataset: { sampleCount: 8 } });
      release();
      expect((await waitForRun(url, runId)).status).toBe('SUCCEEDED');
    } finally {
      release();
      planGate = undefined;
    }
    // Finished, the run no longer holds its query dataset, and the dataset it ran on is untouched.
    expect((await graphql(url, DELETE, { id: queryId })).data).toEqual({ deleteDataset: true });
    expect(await datasetItems(queryId)).toEqual([]);
    expect((await graphql(url, 'query ($id: ID!) { dataset(id: $id) { sampleCount } }', { id })).data).toEqual({ dataset: { sampleCount: 12 } });
  });

  it('hides the dataset at once when a deletion crashes half-way, and a retry finishes it', async () => {
    const name = uniqueName('crash');
    const { id, runId } = await populatedDataset(name);
    // A fault that cannot be caused otherwise: the process dies while the dataset's objects are deleted.
    class CrashingBlobStore extends BlobStore {
      override async deletePrefix(prefix: string, pageSize?: number): Promise<number> {
        if (prefix.startsWith('datasets/')) throw new Error('crashed');
        return super.deletePrefix(prefix, pageSize);
      }
    }
    const deps = {
      datasets: new DynamoDatasetRepository(clients.dynamo, runtime.env.tableName),
      runs: new DynamoRunRepository(clients.dynamo, runtime.env.tableName),
      blobs: new CrashingBlobStore(clients.s3, runtime.env.bucketName),
    };
    await expect(deleteDataset(deps, tenantId, id)).rejects.toThrow('crashed');

    // Half deleted: objects and items remain, but nothing visible leads to them.
    expect(await objectKeys(`datasets/${id}/`)).not.toEqual([]);
    expect(await datasetItems(id)).toContain('META');
    const read = await graphql(url, 'query ($id: ID!) { dataset(id: $id) { id } }', { id });
    expect(read.errors![0]!.extensions).toEqual({ code: 'NOT_FOUND' });
    const upload = await graphql(url, 'mutation ($d: ID!) { uploadInline(datasetId: $d, files: [{ path: "embeddings.csv", content: "filenames,embedding_0,labels\\nz.png,1,0\\n" }]) { id } }', { d: id });
    expect(upload.errors![0]!.extensions).toEqual({ code: 'NOT_FOUND' });
    expect((await graphql(url, 'query ($id: ID!) { selectionRun(id: $id) { id } }', { id: runId })).errors![0]!.extensions).toEqual({ code: 'NOT_FOUND' });
    expect(await listedNames()).not.toContain(name);
    const reused = await createDataset(url, name);

    expect((await graphql(url, DELETE, { id })).data).toEqual({ deleteDataset: true });
    expect(await datasetItems(id)).toEqual([]);
    expect(await objectKeys(`datasets/${id}/`)).toEqual([]);
    expect(await objectKeys(`runs/${runId}/`)).toEqual([]);
    // The retry left the new dataset of the same name alone.
    expect(await hasItem(`TENANT#${tenantId}`, `DATASETNAME#${name}`)).toBe(true);
    expect((await graphql(url, 'query ($id: ID!) { dataset(id: $id) { name } }', { id: reused })).data).toEqual({ dataset: { name } });
  });
});
