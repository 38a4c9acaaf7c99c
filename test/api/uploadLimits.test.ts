/**
 * The limits only AWS enforces, proved at their edge here: an upload of 10,000 files, its URLs signed
 * with a session token as a Lambda's role credentials are, answered in pages that each stay under
 * Lambda's 6 MB response limit, and recorded in items that each stay under DynamoDB's 400 KB.
 */
import { randomBytes } from 'node:crypto';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { WinnowApi } from '../../functions/cli/client/api.js';
import type { GraphqlTransport } from '../../functions/cli/client/transport.js';
import { MAX_FILES_PER_UPLOAD, PART_SIZE, startUpload } from '../../functions/ingest/startUpload.js';
import { MAX_TARGETS_PER_PAGE, presignTargets } from '../../functions/ingest/uploadTargets.js';
import { createAwsClients, type WinnowEnv } from '../../functions/store/aws.js';
import { createStores } from '../../functions/store/stores.js';
import { TABLE_KEYS } from '../../functions/store/table.js';
import type { LocalRuntime } from '../../infra/local/runtime.js';
import { createDataset, lightlyUploadFiles } from '../support/datasets.js';
import { graphql, uniqueName } from '../support/graphql.js';
import { startTestRuntime } from '../support/runtime.js';

/** Lambda's limit on a synchronous response (the API's answer), and DynamoDB's on one item. */
const LAMBDA_RESPONSE_BYTES = 6 * 1024 * 1024;
const DYNAMODB_ITEM_BYTES = 400 * 1024;

/** The most files an upload may hold: embeddings.csv, one file in 2,500 parts, and images. */
function requestedFiles(): { path: string; size: number }[] {
  const images = Array.from({ length: MAX_FILES_PER_UPLOAD - 2 }, (_, i) => ({ path: `images/video_${i % 40}/frame_${String(i).padStart(6, '0')}.jpg`, size: 180_000 }));
  return [{ path: 'embeddings.csv', size: 2_500 * PART_SIZE }, { path: '.lightly/metadata/metadata.jsonl', size: 4_000_000 }, ...images];
}

/** The answer as the API serializes it: what Lambda returns through the gateway. */
const responseBytes = (data: unknown) => Buffer.byteLength(JSON.stringify({ data }));

describe('createUpload at 10,000 files, with session-token URLs', () => {
  const base = inject('winnowEnv');
  // An STS session token as Lambda's role credentials carry it (about 1,100 characters).
  const env: WinnowEnv = {
    ...base,
    region: 'eu-central-1',
    credentials: { ...base.credentials!, sessionToken: randomBytes(820).toString('base64') } as WinnowEnv['credentials'],
  };
  const clients = createAwsClients(env);
  const stores = createStores(env, clients);
  const datasetId = `limits-${randomBytes(6).toString('hex')}`;

  it('answers every page under 6 MB and stores the file list in items under 400 KB', async () => {
    const upload = await startUpload(stores, datasetId, requestedFiles());
    const sample = upload.files[0]!.parts![0]!.url;
    expect(sample).toContain('X-Amz-Security-Token=');
    expect(sample.length).toBeGreaterThan(1_500);

    // The first answer: every file listed, the first page of targets filled in.
    const first = await presignTargets(stores.blobs, upload);
    const created = { createUpload: { id: upload.id, expiresAt: upload.expiresAt, files: upload.files, targets: first } };
    expect(responseBytes(created)).toBeLessThan(LAMBDA_RESPONSE_BYTES);

    // The rest, page by page: every file and every part exactly once, each page under the limit.
    const stored = await stores.uploads.get(datasetId, upload.id);
    expect(stored.files).toHaveLength(MAX_FILES_PER_UPLOAD);
    const urls = new Set<string>();
    const parts: number[] = [];
    let page = first;
    let pages = 1;
    for (;;) {
      expect(responseBytes({ dataset: { upload: { targets: page } } })).toBeLessThan(LAMBDA_RESPONSE_BYTES);
      for (const item of page.items) {
        if (item.url) urls.add(item.path);
        for (const part of item.parts ?? []) parts.push(part.partNumber);
      }
      expect(page.items.reduce((n, item) => n + (item.url ? 1 : item.parts!.length), 0)).toBeLessThanOrEqual(MAX_TARGETS_PER_PAGE);
      if (!page.nextCursor) break;
      page = await presignTargets(stores.blobs, stored, { after: page.nextCursor });
      pages++;
    }
    expect(urls.size).toBe(MAX_FILES_PER_UPLOAD - 1);
    expect(parts).toEqual(Array.from({ length: 2_500 }, (_, i) => i + 1));
    expect(pages).toBe(Math.ceil((MAX_FILES_PER_UPLOAD - 1 + 2_500) / MAX_TARGETS_PER_PAGE));

    // The records: the upload's item and its file-list items, each well under DynamoDB's item limit.
    const { Items } = await clients.dynamo.send(
      new QueryCommand({ TableName: env.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `DATASET#${datasetId}` } }),
    );
    expect(Items!.length).toBeGreaterThan(2);
    for (const item of Items!) {
      expect(Buffer.byteLength(JSON.stringify(item))).toBeLessThan(DYNAMODB_ITEM_BYTES / 2);
      // Pending: everything expires unless committed.
      expect(item[TABLE_KEYS.ttl]).toBeGreaterThan(Date.now() / 1000);
    }
  });
});

describe('paged targets over the API', () => {
  let runtime: LocalRuntime;
  const sizes: number[] = [];
  /** A transport that records the size of every answer. */
  const measuring = (url: string, key: string): GraphqlTransport => ({
    url,
    async request<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ query, variables }) });
      const text = await response.text();
      sizes.push(Buffer.byteLength(text));
      const body = JSON.parse(text) as { data: T; errors?: unknown };
      if (body.errors) throw new Error(JSON.stringify(body.errors));
      return body.data;
    },
  });
  beforeAll(async () => {
    runtime = await startTestRuntime();
  });
  afterAll(() => runtime.stop());

  it('the client collects all 10,000 targets page by page', async () => {
    const datasetId = await createDataset(runtime.url, uniqueName('paged'));
    const api = new WinnowApi(measuring(runtime.url, runtime.apiKey));
    const upload = await api.createUpload(datasetId, requestedFiles());
    expect(upload.files).toHaveLength(MAX_FILES_PER_UPLOAD);
    expect(upload.files.filter((f) => f.url)).toHaveLength(MAX_FILES_PER_UPLOAD - 1);
    expect(upload.files[0]!.parts!.map((p) => p.partNumber)).toEqual(Array.from({ length: 2_500 }, (_, i) => i + 1));
    expect(sizes.length).toBe(1 + Math.ceil((MAX_FILES_PER_UPLOAD - 1 + 2_500) / MAX_TARGETS_PER_PAGE) - 1);
    for (const size of sizes) expect(size).toBeLessThan(LAMBDA_RESPONSE_BYTES);
  });

  it('an upload of more files than one page of targets commits from its stored file list', { timeout: 120_000 }, async () => {
    const datasetId = await createDataset(runtime.url, uniqueName('many-files'));
    const { files } = lightlyUploadFiles({ samples: 160, dim: 4, layout: 'files' });
    expect(files.length).toBeGreaterThan(MAX_TARGETS_PER_PAGE);
    const api = new WinnowApi(measuring(runtime.url, runtime.apiKey));
    const upload = await api.createUpload(datasetId, files.map((f) => ({ path: f.path, size: Buffer.byteLength(f.content) })));
    const content = new Map(files.map((f) => [f.path, f.content]));
    const queue = [...upload.files];
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let file = queue.shift(); file; file = queue.shift()) {
          const response = await fetch(file.url!, { method: 'PUT', body: content.get(file.path)! });
          expect(response.status).toBe(200);
        }
      }),
    );
    const committed = await api.commitUpload(datasetId, upload.id, []);
    expect(committed).toMatchObject({ status: 'COMMITTED', samplesAdded: 160 });
    // Committed, the upload and its file list are kept: no item of it expires any more.
    const { Items } = await createAwsClients(runtime.env).dynamo.send(
      new QueryCommand({
        TableName: runtime.env.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :upload)',
        ExpressionAttributeValues: { ':pk': `DATASET#${datasetId}`, ':upload': 'UPLOAD' },
      }),
    );
    expect(Items!.length).toBeGreaterThan(1);
    for (const item of Items!) expect(item[TABLE_KEYS.ttl]).toBeUndefined();
    const after = await graphql<{ dataset: { upload: { files: unknown[]; targets: unknown } } }>(
      runtime.url,
      'query ($d: ID!, $u: ID!) { dataset(id: $d) { upload(id: $u) { files { path } targets { nextCursor } } } }',
      { d: datasetId, u: upload.id },
    );
    // The file list stays with the committed upload; targets are for PENDING uploads only.
    expect(after.errors![0]!.extensions).toMatchObject({ code: 'CONFLICT' });
    const listed = await graphql<{ dataset: { upload: { files: unknown[] } } }>(runtime.url, 'query ($d: ID!, $u: ID!) { dataset(id: $d) { upload(id: $u) { files { path } } } }', {
      d: datasetId,
      u: upload.id,
    });
    expect(listed.data!.dataset.upload.files).toHaveLength(files.length);
  });

  it('refuses a cursor of another listing and a page size out of range, naming the argument', async () => {
    const datasetId = await createDataset(runtime.url, uniqueName('cursor'));
    const created = await graphql<{ createUpload: { id: string } }>(runtime.url, 'mutation ($d: ID!) { createUpload(datasetId: $d, files: [{ path: "embeddings.csv", size: 10 }]) { id } }', { d: datasetId });
    const ask = (args: string) =>
      graphql(runtime.url, `query ($d: ID!, $u: ID!) { dataset(id: $d) { upload(id: $u) { targets(${args}) { nextCursor } } } }`, { d: datasetId, u: created.data!.createUpload.id });
    expect((await ask('after: "bm9wZQ"')).errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', path: 'after' });
    expect((await ask('first: 1001')).errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', path: 'first' });
  });
});
