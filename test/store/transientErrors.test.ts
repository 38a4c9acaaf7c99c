/**
 * The store boundary's error classes over real connections: a service answering 5xx and an endpoint that
 * refuses connections both end, after the SDK's retries, in TransientError keeping the SDK's error as
 * its cause; a client error passes through unchanged.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createAwsClients, type WinnowEnv } from '../../functions/store/aws.js';
import { TransientError } from '../../functions/store/errors.js';
import { isTransientServiceError } from '../../functions/store/transientErrors.js';

const base = inject('winnowEnv');
let failing: Server;
let failingUrl: string;

beforeAll(async () => {
  failing = createServer((_request, response) => {
    response.writeHead(503, { 'content-type': 'application/x-amz-json-1.0' });
    response.end(JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'unavailable' }));
  });
  await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
  failingUrl = `http://127.0.0.1:${(failing.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => failing.close(() => resolve())));

const envWith = (endpoint: string): WinnowEnv => ({ ...base, endpoints: { ...base.endpoints, dynamodb: endpoint, s3: endpoint } });

describe('store boundary errors', () => {
  it('a 5xx after the SDK retries is a TransientError naming the call, with the SDK error as cause', async () => {
    const { dynamo } = createAwsClients(envWith(failingUrl));
    const error = await dynamo.send(new GetCommand({ TableName: 't', Key: { pk: 'a', sk: 'b' } })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).name).toBe('TransientError');
    expect((error as Error).message).toMatch(/^DynamoDB GetItem failed after retries/);
    expect(isTransientServiceError((error as Error).cause)).toBe(true);
  });

  it('a refused connection to S3 is a TransientError too', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const { s3 } = createAwsClients(envWith(`http://127.0.0.1:${port}`));
    const error = await s3.send(new HeadObjectCommand({ Bucket: 'b', Key: 'k' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toMatch(/^S3 HeadObject failed after retries/);
  });

  it('a client error (a missing table) passes through as itself', async () => {
    const { dynamo } = createAwsClients(base);
    const error = await dynamo.send(new GetCommand({ TableName: 'no-such-table', Key: { pk: 'a', sk: 'b' } })).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(TransientError);
    expect((error as Error).name).toBe('ResourceNotFoundException');
  });
});
