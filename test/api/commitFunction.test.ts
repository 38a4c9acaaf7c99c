/**
 * Where commits run as deployed: the API Lambda's handler with the environment the stack gives it
 * (commits in the request only up to LAMBDA_SYNC_COMMIT_BYTES and without images; the commit function's
 * name), behind an HTTP stand-in for API Gateway, and the commit Lambda's handler behind a stand-in for
 * Lambda's Invoke API, which the API calls with the AWS SDK (an `Event` invocation) as it would on AWS.
 * An upload with images, or over the size, is answered COMMITTING and finished by the commit function.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LAMBDA_SYNC_COMMIT_BYTES } from '../../functions/ingest/commitJobs.js';
import { DynamoApiKeyRepository } from '../../functions/store/apiKeys.js';
import { createAwsClients } from '../../functions/store/aws.js';
import { embeddingsCsv } from '../../infra/local/lightlyFolder.js';
import { createDataset, datasetState, presignedUpload } from '../support/datasets.js';
import { registerApiKey, uniqueName } from '../support/graphql.js';
import { useLambdaEnvironment } from '../support/lambdaEnv.js';

const env = inject('winnowEnv');
const COMMIT_FUNCTION = 'winnow-test-commit';

type ApiHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;
type CommitHandler = (event: unknown) => Promise<{ uploadId: string; status: string | undefined }>;

interface Invocation {
  readonly functionName: string;
  readonly invocationType: string | undefined;
  readonly job: { uploadId: string };
  /** What the commit handler returned (or threw) for it. */
  readonly done: Promise<{ uploadId: string; status: string | undefined }>;
}
const invocations: Invocation[] = [];
const servers: Server[] = [];
let apiUrl = '';

const readBody = async (request: IncomingMessage) => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

const listen = async (server: Server) => {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

beforeAll(async () => {
  // The commit Lambda reads its environment on its first event, the API Lambda when it is loaded (below).
  const commitHandler = ((await import('../../functions/ingest/handler.js')) as { handler: CommitHandler }).handler;
  // Lambda's Invoke API: an Event invocation is accepted (202) and runs after the answer.
  const lambdaUrl = await listen(
    createServer((request, response) => {
      void readBody(request).then((body) => {
        const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(request.url ?? '');
        if (request.method !== 'POST' || !match) {
          response.writeHead(404).end();
          return;
        }
        const job = JSON.parse(body) as { uploadId: string };
        const done = new Promise<void>((resolve) => setImmediate(resolve)).then(() => commitHandler(job));
        done.catch(() => undefined);
        invocations.push({ functionName: decodeURIComponent(match[1]!), invocationType: request.headers['x-amz-invocation-type'] as string | undefined, job, done });
        response.writeHead(202).end();
      });
    }),
  );

  useLambdaEnvironment(env);
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_LAMBDA: lambdaUrl,
    // As infra/stack.ts configures the API function.
    WINNOW_COMMIT_FUNCTION: COMMIT_FUNCTION,
    WINNOW_SYNC_COMMIT_BYTES: String(LAMBDA_SYNC_COMMIT_BYTES),
    WINNOW_SYNC_COMMIT_IMAGES: 'false',
  });
  const { handler } = (await import('../../functions/api/handler.js')) as unknown as { handler: ApiHandler };

  // API Gateway's HTTP API: each request becomes a payload v2 event for the API handler.
  let requests = 0;
  apiUrl = `${await listen(
    createServer((request, response) => {
      void readBody(request).then(async (body) => {
        const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, String(value)]));
        const requestId = `req-${++requests}`;
        const event = {
          version: '2.0',
          routeKey: 'ANY /graphql',
          rawPath: '/graphql',
          rawQueryString: '',
          headers,
          requestContext: { requestId, http: { method: request.method!, path: '/graphql', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' }, routeKey: 'ANY /graphql', stage: '$default' },
          body,
          isBase64Encoded: false,
        } as unknown as APIGatewayProxyEventV2;
        const context = { awsRequestId: requestId, functionName: 'api', getRemainingTimeInMillis: () => 29_000 } as unknown as Context;
        const result = await handler(event, context);
        response.writeHead(result.statusCode ?? 200, result.headers as Record<string, string>).end(result.body);
      });
    }),
  )}/graphql`;
  const { key } = await new DynamoApiKeyRepository(createAwsClients(env).dynamo, env.tableName).create('tenant-commit-function', 'test');
  registerApiKey(apiUrl, key);
});

afterAll(async () => {
  await Promise.allSettled(invocations.map((i) => i.done));
  for (const server of servers) await new Promise((resolve) => server.close(resolve));
});

/** The invocation for this upload, once the commit handler has finished it. */
async function finishedInvocation(uploadId: string) {
  const invocation = invocations.find((i) => i.job.uploadId === uploadId);
  expect(invocation, `no invocation for upload ${uploadId}`).toBeDefined();
  expect(invocation!.functionName).toBe(COMMIT_FUNCTION);
  expect(invocation!.invocationType).toBe('Event');
  return { invocation: invocation!, result: await invocation!.done };
}

describe('commits as deployed', () => {
  it('an image upload is answered COMMITTING and committed by the commit function; a small one without images in the request', { timeout: 120_000 }, async () => {
    const image = await sharp({ create: { width: 16, height: 12, channels: 3, background: '#406080' } }).png().toBuffer();
    const datasetId = await createDataset(apiUrl, uniqueName('deployed-images'));
    const withImages = await presignedUpload(apiUrl, datasetId, [
      { path: 'embeddings.csv', content: embeddingsCsv(['a.png', 'b.png'], Float32Array.from([1, 0, 0, 1]), 2, [0, 0]) },
      { path: 'images/a.png', content: image },
      { path: 'images/b.png', content: image },
    ]);
    expect(withImages.commit.errors).toBeUndefined();
    expect(withImages.commit.data!.commitUpload.status).toBe('COMMITTING');
    const { result } = await finishedInvocation(withImages.upload.id);
    expect(result).toEqual({ uploadId: withImages.upload.id, status: 'COMMITTED' });
    const state = await datasetState(apiUrl, datasetId);
    expect(state.uploads.find((u) => u.id === withImages.upload.id)).toMatchObject({ status: 'COMMITTED', samplesAdded: 2 });
    expect(state.sampleCount).toBe(2);
    expect(state.computedMetadataAvailable).toBe(true);

    const before = invocations.length;
    const plain = await presignedUpload(apiUrl, datasetId, [{ path: 'embeddings.csv', content: embeddingsCsv(['c.png'], Float32Array.from([1, 1]), 2, [0]) }]);
    expect(plain.commit.data!.commitUpload).toMatchObject({ status: 'COMMITTED', samplesAdded: 1 });
    expect(invocations).toHaveLength(before);
  });

  it('an upload over the size committed in the request goes to the commit function too', { timeout: 120_000 }, async () => {
    const dim = 64;
    const rows = Math.ceil(LAMBDA_SYNC_COMMIT_BYTES / (dim * 9)) + 100;
    const names = Array.from({ length: rows }, (_, i) => `img_${i}.png`);
    const values = Float32Array.from({ length: rows * dim }, (_, i) => ((i * 7919) % 1000) / 997 - 0.5);
    const csv = embeddingsCsv(names, values, dim, new Array<number>(rows).fill(0));
    expect(Buffer.byteLength(csv)).toBeGreaterThan(LAMBDA_SYNC_COMMIT_BYTES);
    const datasetId = await createDataset(apiUrl, uniqueName('deployed-large'));
    const large = await presignedUpload(apiUrl, datasetId, [{ path: 'embeddings.csv', content: csv }]);
    expect(large.commit.data!.commitUpload.status).toBe('COMMITTING');
    expect((await finishedInvocation(large.upload.id)).result).toEqual({ uploadId: large.upload.id, status: 'COMMITTED' });
    expect((await datasetState(apiUrl, datasetId)).sampleCount).toBe(rows);
  });
});
