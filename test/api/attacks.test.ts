/**
 * Attacks over HTTP against the local runtime: each is refused, nothing is written, and the results are
 * counted in the test output.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoApiKeyRepository } from '../../functions/store/apiKeys.js';
import { createAwsClients } from '../../functions/store/aws.js';
import type { LocalRuntime } from '../../infra/local/runtime.js';
import { MAX_BODY_BYTES } from '../../infra/local/httpServer.js';
import { createDataset, createUpload, datasetState, inlineUpload, lightlyUploadFiles } from '../support/datasets.js';
import { graphql, uniqueName } from '../support/graphql.js';
import { startTestRuntime } from '../support/runtime.js';
import { startSelection, waitForRun } from '../support/runs.js';

const env = inject('winnowEnv');
const keys = new DynamoApiKeyRepository(createAwsClients(env).dynamo, env.tableName);
let runtime: LocalRuntime;
let url: string;
let datasetA: string;
let runA: string;
let keyB: string;
const refused: [string, string][] = [];

const asB = () => ({ authorization: `Bearer ${keyB}` });
const DIVERSITY = { n_samples: 3, strategies: [{ input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY' } }] };

beforeAll(async () => {
  runtime = await startTestRuntime();
  url = runtime.url;
  datasetA = await createDataset(url, uniqueName('tenant-a'));
  expect((await inlineUpload(url, datasetA, lightlyUploadFiles({ samples: 20, dim: 4, layout: 'jsonl' }).files)).errors).toBeUndefined();
  const started = await startSelection(url, { d: datasetA, c: DIVERSITY, t: 'a-picks' });
  runA = started.data!.startSelection.id;
  await waitForRun(url, runA);
  ({ key: keyB } = await keys.create(`tenant-b-${Date.now()}`, 'attacker'));
});
afterAll(() => {
  console.log(`attack suite: ${refused.length} attacks refused\n${refused.map(([attack, result]) => `  ✗ ${attack} → ${result}`).join('\n')}`);
  return runtime.stop();
});

async function expectStateOfAUnchanged(before: Awaited<ReturnType<typeof datasetState>>) {
  expect(await datasetState(url, datasetA)).toEqual(before);
}

describe('authentication', () => {
  it.each([
    ['no key', {}],
    ['a malformed key', { authorization: 'Bearer hello' }],
    ['an unknown key', { authorization: 'Bearer wn_0123456789abcdef0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAA' }],
    ['a key in the wrong scheme', { authorization: `Basic ${runtime?.apiKey ?? ''}` }],
  ])('refuses %s with 401, writing nothing', async (name, headers) => {
    const datasetName = uniqueName('sneaky');
    const result = await graphql(url, 'mutation ($n: String!) { createDataset(name: $n) { id } }', { n: datasetName }, { authorization: '', ...headers });
    expect(result.status).toBe(401);
    expect(result.errors![0]!.extensions).toEqual({ code: 'UNAUTHENTICATED' });
    const listed = await graphql<{ datasets: { items: { name: string }[] } }>(url, '{ datasets(first: 100) { items { name } } }');
    expect(listed.data!.datasets.items.map((d) => d.name)).not.toContain(datasetName);
    refused.push([name, '401 UNAUTHENTICATED']);
  });

  it('refuses a revoked key', async () => {
    const { key, record } = await keys.create('tenant-revoked', 'short-lived');
    const before = await graphql(url, '{ datasets { items { id } } }', undefined, { authorization: `Bearer ${key}` });
    expect(before.status).toBe(200);
    await keys.revoke(record.keyId);
    const after = await graphql(url, '{ datasets { items { id } } }', undefined, { authorization: `Bearer ${key}` });
    expect(after.status).toBe(401);
    refused.push(['a revoked key', '401 UNAUTHENTICATED']);
  });
});

describe("tenant B on tenant A's objects", () => {
  it.each([
    ['reads the dataset by id', `query { dataset(id: "DS") { id name } }`],
    ['lists its tags', `query { dataset(id: "DS") { tags { items { name } } } }`],
    ['tags its samples', `mutation { createTag(datasetId: "DS", name: "stolen", fileNames: ["video_0/frame_0000.jpg"]) { name } }`],
    ['combines its tags', `mutation { combineTags(name: "stolen", operation: UNION, left: { datasetId: "DS", tagName: "initial-tag" }, right: { datasetId: "DS", tagName: "a-picks" }) { name } }`],
    ['renames its tag', `mutation { renameTag(datasetId: "DS", name: "a-picks", newName: "mine") { name } }`],
    ['deletes its tag', `mutation { deleteTag(datasetId: "DS", name: "a-picks") }`],
    ['uploads into it', `mutation { createUpload(datasetId: "DS", files: [{ path: "embeddings.csv", size: 10 }]) { id } }`],
    ['starts a selection on it', `mutation { startSelection(datasetId: "DS", resultTagName: "stolen", config: { n_samples: 1, strategies: [{ input: { type: "RANDOM" }, strategy: { type: "WEIGHTS" } }] }) { id } }`],
    ['reads its run', `query { selectionRun(id: "RUN") { id picks { items { fileName } } } }`],
    ['cancels its run', `mutation { cancelSelection(id: "RUN") { id } }`],
  ])('%s: NOT_FOUND, nothing written', async (attack, query) => {
    const before = await datasetState(url, datasetA);
    const result = await graphql(url, query.replaceAll('DS', datasetA).replaceAll('RUN', runA), undefined, asB());
    expect(result.errors, JSON.stringify(result)).toHaveLength(1);
    expect(result.errors![0]!.extensions).toEqual({ code: 'NOT_FOUND' });
    expect(JSON.stringify(result)).not.toContain('video_0');
    await expectStateOfAUnchanged(before);
    refused.push([`tenant B ${attack}`, 'NOT_FOUND']);
  });

  it("uses A's dataset as a similarity query set: refused with the config path", async () => {
    const own = await graphql<{ createDataset: { id: string } }>(url, 'mutation ($n: String!) { createDataset(name: $n) { id } }', { n: uniqueName('b-own') }, asB());
    const bDataset = own.data!.createDataset.id;
    const result = await graphql(
      url,
      'mutation ($d: ID!, $c: JSON!) { startSelection(datasetId: $d, config: $c, resultTagName: "x") { id } }',
      { d: bDataset, c: { n_samples: 1, strategies: [{ input: { type: 'EMBEDDINGS', dataset_id: datasetA, tag_name: 'initial-tag' }, strategy: { type: 'SIMILARITY' } }] } },
      asB(),
    );
    expect(result.errors![0]!.extensions?.code).toBe('BAD_USER_INPUT');
    refused.push(["tenant B selects with A's dataset as query set", 'BAD_USER_INPUT (query set not found)']);
  });
});

describe('limits', () => {
  it('refuses a deep query', async () => {
    let selection = 'name';
    for (let i = 0; i < 12; i++) selection = `fields { type { ofType { ${selection} } } }`;
    const result = await graphql(url, `{ __schema { types { ${selection} } } }`);
    expect(result.errors![0]!.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(result.errors![0]!.message).toMatch(/levels deep; at most 10 are allowed/);
    refused.push(['a query 38 levels deep', 'GRAPHQL_VALIDATION_FAILED (depth)']);
  });

  it('refuses a huge query', async () => {
    const aliases = Array.from({ length: 600 }, (_, i) => `a${i}: datasets { nextCursor }`).join(' ');
    const result = await graphql(url, `{ ${aliases} }`);
    expect(result.errors![0]!.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(result.errors![0]!.message).toMatch(/selects 1200 fields; at most 500 are allowed/);
    refused.push(['a query of 1,200 fields', 'GRAPHQL_VALIDATION_FAILED (size)']);
  });

  it('refuses an oversized body before reading it', async () => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${runtime.apiKey}` },
      body: JSON.stringify({ query: '{ datasets { items { id } } }', padding: 'x'.repeat(MAX_BODY_BYTES) }),
    });
    expect(response.status).toBe(413);
    refused.push(['a 6 MiB body', '413 PAYLOAD_TOO_LARGE']);
  });

  it('refuses n_samples beyond the bound and page sizes beyond 100', async () => {
    const big = await startSelection(url, { d: datasetA, c: { ...DIVERSITY, n_samples: 20_000_000 }, t: uniqueName('big') });
    expect(big.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', path: 'config.n_samples' });
    const page = await graphql(url, '{ datasets(first: 1000) { items { id } } }');
    expect(page.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', path: 'first' });
    refused.push(['n_samples 20,000,000 / first: 1000', 'BAD_USER_INPUT']);
  });

  it("tenant B cannot commit tenant A's upload, into either dataset", async () => {
    const created = await createUpload(url, datasetA, [{ path: 'embeddings.csv', size: 5 }]);
    const uploadId = created.data!.createUpload.id;
    const before = await datasetState(url, datasetA);
    const own = await graphql<{ createDataset: { id: string } }>(url, 'mutation ($n: String!) { createDataset(name: $n) { id } }', { n: uniqueName('b-upload') }, asB());
    for (const target of [datasetA, own.data!.createDataset.id]) {
      const result = await graphql(url, 'mutation ($d: ID!, $u: ID!) { commitUpload(datasetId: $d, uploadId: $u) { id } }', { d: target, u: uploadId }, asB());
      expect(result.errors![0]!.extensions).toEqual({ code: 'NOT_FOUND' });
    }
    await expectStateOfAUnchanged(before);
    refused.push(["tenant B commits tenant A's upload", 'NOT_FOUND']);
  });

  it('presigned upload URLs are short-lived and name one object', async () => {
    const created = await createUpload(url, datasetA, [{ path: 'embeddings.csv', size: 5 }]);
    const target = new URL(created.data!.createUpload.files[0]!.url!);
    expect(target.searchParams.get('X-Amz-Expires')).toBe('3600');
    expect(target.pathname).toMatch(new RegExp(`/datasets/${datasetA}/uploads/${created.data!.createUpload.id}/embeddings\\.csv$`));
    expect(target.searchParams.get('X-Amz-SignedHeaders')).toBe('host');
  });
});
