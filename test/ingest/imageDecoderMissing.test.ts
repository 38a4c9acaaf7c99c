/**
 * A bundle whose sharp binary is missing (built for another platform): the fault is caused for real, in a
 * child process whose module loader refuses `sharp` as Node refuses a package it cannot load. The API
 * Lambda handler still loads and serves requests; only decoding an image fails, with an error naming
 * the image library, not the image.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, inject, it } from 'vitest';
import { DynamoApiKeyRepository } from '../../functions/store/apiKeys.js';
import { createAwsClients } from '../../functions/store/aws.js';
import { uniqueName } from '../support/graphql.js';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const env = inject('winnowEnv');
let dir = '';

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('the API handler loads and answers without sharp; decoding an image then fails naming the missing library', async () => {
  dir = await mkdtemp(join(tmpdir(), 'winnow-nosharp-'));
  const hooks = join(dir, 'hooks.mjs');
  await writeFile(
    hooks,
    [
      'export async function resolve(specifier, context, next) {',
      "  if (specifier === 'sharp' || specifier.startsWith('sharp/') || specifier.startsWith('@img/')) {",
      "    throw new Error('Could not load the \"sharp\" module using the linux-arm64 runtime');",
      '  }',
      '  return next(specifier, context);',
      '}',
    ].join('\n'),
  );
  await writeFile(join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(new URL(`file://${hooks}`).href)});\n`);
  const { key } = await new DynamoApiKeyRepository(createAwsClients(env).dynamo, env.tableName).create('tenant-nosharp', 'test');
  const name = uniqueName('nosharp');
  const script = join(dir, 'main.mjs');
  await writeFile(
    script,
    [
      `const { handler } = await import(${JSON.stringify(`${root}/functions/api/handler.ts`)});`,
      `const body = JSON.stringify({ query: 'mutation ($n: String!) { createDataset(name: $n) { name } }', variables: { n: ${JSON.stringify(name)} } });`,
      'const event = {',
      "  version: '2.0', routeKey: 'POST /graphql', rawPath: '/graphql', rawQueryString: '', isBase64Encoded: false, body,",
      `  headers: { 'content-type': 'application/json', authorization: 'Bearer ${key}' },`,
      "  requestContext: { requestId: 'r1', routeKey: 'POST /graphql', stage: '$default', http: { method: 'POST', path: '/graphql', protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'test' } },",
      '};',
      "const answer = await handler(event, { awsRequestId: 'r1', getRemainingTimeInMillis: () => 29000 }, () => {});",
      `const { computeImageMetadata } = await import(${JSON.stringify(`${root}/functions/ingest/imageMetadata.ts`)});`,
      'let decode;',
      "try { await computeImageMetadata(new Uint8Array([0x89, 0x50, 0x4e, 0x47]), 'images/a.png'); } catch (error) { decode = { name: error.name, message: error.message }; }",
      'console.log(JSON.stringify({ status: answer.statusCode, body: JSON.parse(answer.body), decode }));',
    ].join('\n'),
  );
  const childEnv = {
    ...process.env,
    WINNOW_TABLE_NAME: env.tableName,
    WINNOW_BUCKET_NAME: env.bucketName,
    AWS_ENDPOINT_URL_DYNAMODB: env.endpoints.dynamodb,
    AWS_ENDPOINT_URL_S3: env.endpoints.s3,
    AWS_ACCESS_KEY_ID: env.credentials!.accessKeyId,
    AWS_SECRET_ACCESS_KEY: env.credentials!.secretAccessKey,
    AWS_REGION: env.region,
  };
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '--import', join(dir, 'register.mjs'), script], { cwd: root, env: childEnv, timeout: 60_000 });
  const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as { status: number; body: unknown; decode?: { name: string; message: string } };
  expect(result.status).toBe(200);
  expect(result.body).toEqual({ data: { createDataset: { name } } });
  expect(result.decode?.name).toBe('ImageDecoderUnavailableError');
  expect(result.decode?.message).toMatch(/^images cannot be decoded on this server: the image library \(sharp\) failed to load: .*Could not load the "sharp" module/);
});
