/** The GraphQL API over real HTTP against the local runtime (bound to the suite's stand-ins). */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createApiServer, createContextFactory } from '../../functions/api/server.js';
import { DynamoApiKeyRepository } from '../../functions/store/apiKeys.js';
import { createAwsClients } from '../../functions/store/aws.js';
import { startGraphqlHttpServer, MAX_BODY_BYTES, type GraphqlHttpServer } from '../../infra/local/httpServer.js';
import type { LocalRuntime } from '../../infra/local/runtime.js';
import { startTestRuntime } from '../support/runtime.js';
import { graphql, uniqueName } from '../support/graphql.js';

const env = inject('winnowEnv');
let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await startTestRuntime();
});
afterAll(() => runtime.stop());

const CREATE = 'mutation ($name: String!) { createDataset(name: $name) { id name createdAt sampleCount embeddingDimension } }';
const GET = 'query ($id: ID!) { dataset(id: $id) { id name sampleCount } }';
const LIST = 'query ($first: Int, $after: String) { datasets(first: $first, after: $after) { items { id name } nextCursor } }';

async function allDatasetNames(): Promise<string[]> {
  const names: string[] = [];
  let after: string | null = null;
  do {
    const page: Awaited<ReturnType<typeof graphql<{ datasets: { items: { name: string }[]; nextCursor: string | null } }>>> =
      await graphql(runtime.url, LIST, { first: 100, after });
    names.push(...page.data!.datasets.items.map((d) => d.name));
    after = page.data!.datasets.nextCursor;
  } while (after);
  return names;
}

describe('datasets over GraphQL', () => {
  it('creates a dataset, reads it by id and lists it', async () => {
    const name = uniqueName('roads');
    const created = await graphql<{ createDataset: { id: string; name: string; sampleCount: number; embeddingDimension: number | null } }>(
      runtime.url,
      CREATE,
      { name },
    );
    expect(created.status).toBe(200);
    expect(created.errors).toBeUndefined();
    const dataset = created.data!.createDataset;
    expect(dataset).toMatchObject({ name, sampleCount: 0, embeddingDimension: null });

    const fetched = await graphql<{ dataset: { id: string; name: string } }>(runtime.url, GET, { id: dataset.id });
    expect(fetched.data!.dataset).toEqual({ id: dataset.id, name, sampleCount: 0 });
    expect(await allDatasetNames()).toContain(name);
  });

  it.each([
    ['empty', ''],
    ['blank', '   '],
    ['500 characters', 'x'.repeat(500)],
    ['a control character', 'bad\u0007name'],
  ])('refuses a name that is %s, writing nothing', async (_case, name) => {
    const result = await graphql(runtime.url, CREATE, { name });
    expect(result.data).toBeNull();
    expect(result.errors).toHaveLength(1);
    expect(result.errors![0]!.extensions).toEqual({ code: 'BAD_USER_INPUT', path: 'name' });
    expect(result.errors![0]!.message).toMatch(/^name must/);
    expect(await allDatasetNames()).not.toContain(name);
  });

  it('refuses a taken name with CONFLICT', async () => {
    const name = uniqueName('twice');
    await graphql(runtime.url, CREATE, { name });
    const again = await graphql(runtime.url, CREATE, { name });
    expect(again.errors![0]!.extensions).toEqual({ code: 'CONFLICT' });
    expect((await allDatasetNames()).filter((n) => n === name)).toHaveLength(1);
  });

  it('answers NOT_FOUND for an unknown dataset id', async () => {
    const result = await graphql(runtime.url, GET, { id: 'no-such-dataset' });
    expect(result.data).toBeNull();
    expect(result.errors![0]).toMatchObject({
      message: expect.stringMatching(/^dataset 'no-such-dataset' not found/),
      path: ['dataset'],
      extensions: { code: 'NOT_FOUND' },
    });
  });

  it('bounds page sizes and refuses foreign cursors', async () => {
    for (const first of [0, 101, -1]) {
      const result = await graphql(runtime.url, LIST, { first });
      expect(result.errors![0]!.extensions).toEqual({ code: 'BAD_USER_INPUT', path: 'first' });
    }
    const bad = await graphql(runtime.url, LIST, { first: 1, after: 'garbage' });
    expect(bad.errors![0]!.extensions).toEqual({ code: 'BAD_USER_INPUT', path: 'after' });
  });

  it('pages through datasets with cursors', async () => {
    for (let i = 0; i < 3; i++) await graphql(runtime.url, CREATE, { name: uniqueName('page') });
    const first = await graphql<{ datasets: { items: { id: string }[]; nextCursor: string | null } }>(runtime.url, LIST, { first: 2 });
    expect(first.data!.datasets.items).toHaveLength(2);
    expect(first.data!.datasets.nextCursor).toBeTruthy();
    const second = await graphql<{ datasets: { items: { id: string }[] } }>(runtime.url, LIST, {
      first: 2,
      after: first.data!.datasets.nextCursor,
    });
    const firstIds = first.data!.datasets.items.map((d) => d.id);
    for (const item of second.data!.datasets.items) expect(firstIds).not.toContain(item.id);
  });

  it('reports malformed queries with a code and no stack trace', async () => {
    const parse = await graphql(runtime.url, '{ datasets { items { id }');
    expect(parse.status).toBe(400);
    expect(parse.errors![0]!.extensions).toEqual({ code: 'GRAPHQL_PARSE_FAILED' });
    const validation = await graphql(runtime.url, '{ datasets { items { nope } } }');
    expect(validation.errors![0]!.extensions).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED' });
    const wrongType = await graphql(runtime.url, CREATE, { name: 42 });
    expect(wrongType.errors![0]!.extensions?.code).toBe('BAD_USER_INPUT');
    expect(JSON.stringify([parse, validation, wrongType])).not.toMatch(/stacktrace|at .*\.ts:\d+/);
  });

  it('serves only /graphql and refuses oversized bodies', async () => {
    const other = await fetch(runtime.url.replace('/graphql', '/'), { method: 'POST' });
    expect(other.status).toBe(404);
    const huge = await fetch(runtime.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ datasets { items { id } } } # ${'x'.repeat(MAX_BODY_BYTES)}` }),
    });
    expect(huge.status).toBe(413);
    expect(((await huge.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('PAYLOAD_TOO_LARGE');
  });
});

describe('unexpected errors', () => {
  let server: GraphqlHttpServer;
  const logged: Record<string, unknown>[] = [];
  const requests: Record<string, unknown>[] = [];
  let key: string;

  beforeAll(async () => {
    // A real fault: the bucket does not exist, so S3 answers NoSuchBucket when an upload starts.
    ({ key } = await new DynamoApiKeyRepository(createAwsClients(env).dynamo, env.tableName).create('tenant-faults', 'test'));
    const apollo = createApiServer({ logError: (entry) => logged.push(entry), logRequest: (entry) => requests.push(entry) });
    await apollo.start();
    server = await startGraphqlHttpServer({
      apollo,
      context: createContextFactory({ ...env, bucketName: 'no-such-bucket' }),
      port: 0,
    });
  });
  afterAll(() => server.close());

  it('are logged with an id and returned as INTERNAL_SERVER_ERROR without internals', async () => {
    const auth = { authorization: `Bearer ${key}` };
    const created = await graphql<{ createDataset: { id: string } }>(server.url, CREATE, { name: uniqueName('boom') }, auth);
    const result = await graphql(
      server.url,
      'mutation ($d: ID!) { createUpload(datasetId: $d, files: [{ path: "embeddings.csv", size: 100000000 }]) { id } }',
      { d: created.data!.createDataset.id },
      auth,
    );
    expect(result.errors).toHaveLength(1);
    const error = result.errors![0]!;
    expect(error.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    expect(error.message).toMatch(/^internal error \(id [0-9a-f-]{36}\)$/);
    expect(JSON.stringify(result)).not.toMatch(/no-such-bucket|NoSuchBucket|stack/i);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ level: 'error', errorId: error.extensions?.errorId, requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(JSON.stringify(logged[0])).toMatch(/NoSuchBucket/);
    expect(requests.at(-1)).toMatchObject({ level: 'info', msg: 'graphql request', errors: 1, durationMs: expect.any(Number) });
  });
});
