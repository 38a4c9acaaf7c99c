/** The API Lambda handler, invoked with real API Gateway HTTP API (payload v2) events. */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoApiKeyRepository } from '../../functions/store/apiKeys.js';
import { createAwsClients } from '../../functions/store/aws.js';
import { MAX_BODY_BYTES } from '../../functions/api/limits.js';
import { uniqueName } from '../support/graphql.js';
import { useLambdaEnvironment } from '../support/lambdaEnv.js';

const env = inject('winnowEnv');
type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;
let handler: Handler;
let key: string;

beforeAll(async () => {
  useLambdaEnvironment(env);
  ({ handler } = (await import('../../functions/api/handler.js')) as unknown as { handler: Handler });
  ({ key } = await new DynamoApiKeyRepository(createAwsClients(env).dynamo, env.tableName).create('tenant-lambda', 'test'));
});

function httpApiEvent(body: unknown, requestId: string, authorization = `Bearer ${key}`): APIGatewayProxyEventV2 {
  const text = JSON.stringify(body);
  return {
    version: '2.0',
    routeKey: 'POST /graphql',
    rawPath: '/graphql',
    rawQueryString: '',
    headers: { 'content-type': 'application/json', 'content-length': String(text.length), host: 'abc123.execute-api.us-east-1.amazonaws.com', authorization },
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: 'abc123.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'abc123',
      http: { method: 'POST', path: '/graphql', protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'test' },
      requestId,
      routeKey: 'POST /graphql',
      stage: '$default',
      time: '28/Nov/2026:22:00:00 +0000',
      timeEpoch: 1795903200000,
    },
    body: text,
    isBase64Encoded: false,
  };
}

const lambdaContext = { awsRequestId: 'req', functionName: 'api', getRemainingTimeInMillis: () => 29_000 } as unknown as Context;

describe('API Lambda handler', () => {
  it('serves a createDataset then dataset round-trip', async () => {
    const name = uniqueName('lambda');
    const created = await handler(
      httpApiEvent({ query: 'mutation ($n: String!) { createDataset(name: $n) { id name } }', variables: { n: name } }, 'r1'),
      lambdaContext,
    );
    expect(created.statusCode).toBe(200);
    const id = (JSON.parse(created.body!) as { data: { createDataset: { id: string; name: string } } }).data.createDataset.id;
    const fetched = await handler(httpApiEvent({ query: `{ dataset(id: "${id}") { id name } }` }, 'r2'), lambdaContext);
    expect(JSON.parse(fetched.body!)).toEqual({ data: { dataset: { id, name } } });
  });

  it('refuses a request without a valid key with 401', async () => {
    const result = await handler(httpApiEvent({ query: '{ datasets { items { id } } }' }, 'r4', 'Bearer wn_00000000000000000000000000000000_notarealkeynotarealkey'), lambdaContext);
    expect(result.statusCode).toBe(401);
    expect((JSON.parse(result.body!) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('UNAUTHENTICATED');
  });

  it('refuses a body over the shared limit with 413 PAYLOAD_TOO_LARGE as GraphQL JSON, as the local server does', async () => {
    const result = await handler(httpApiEvent({ query: '{ datasets { items { id } } }', padding: 'x'.repeat(MAX_BODY_BYTES) }, 'r5'), lambdaContext);
    expect(result.statusCode).toBe(413);
    const body = JSON.parse(result.body!) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors[0]!.extensions.code).toBe('PAYLOAD_TOO_LARGE');
    expect(body.errors[0]!.message).toBe(`request body exceeds ${MAX_BODY_BYTES} bytes`);
    // A body within the limit is served.
    const fits = await handler(httpApiEvent({ query: '{ datasets { items { id } } }' }, 'r6'), lambdaContext);
    expect(fits.statusCode).toBe(200);
  });

  it('returns coded errors', async () => {
    const result = await handler(httpApiEvent({ query: '{ dataset(id: "missing") { id } }' }, 'r3'), lambdaContext);
    const body = JSON.parse(result.body!) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0]!.extensions.code).toBe('NOT_FOUND');
  });
});
