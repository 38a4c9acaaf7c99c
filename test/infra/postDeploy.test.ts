/**
 * The post-deploy step (`npm run postdeploy`, run by npm after `npm run deploy` and `npm run
 * deploy:local`), against the local stand-ins with a hand-made outputs file shaped like
 * `cdk-outputs.json`: it creates a key in the table the outputs name — a key the API then accepts — and
 * prints the URL, the key and the test command. LocalStack and AWS themselves are not reachable here.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { LocalRuntime } from '../../infra/local/runtime.js';
import { S3RVER_CREDENTIALS } from '../../infra/local/standins.js';
import { postDeploy } from '../../infra/scripts/postDeploy.js';
import { graphql, uniqueName } from '../support/graphql.js';
import { startTestRuntime } from '../support/runtime.js';

const env = inject('winnowEnv');
const ROOT = new URL('../../', import.meta.url);
let runtime: LocalRuntime;
let dir: string;

beforeAll(async () => {
  runtime = await startTestRuntime();
  dir = await mkdtemp(join(tmpdir(), 'winnow-postdeploy-'));
});
afterAll(() => runtime.stop());

/** Outputs as `cdk deploy --outputs-file` writes them: stack name → output name → value. */
function outputsOf(overrides: Record<string, string> = {}) {
  return {
    ApiUrl: runtime.url,
    ConsoleUrl: 'https://d111111abcdef8.cloudfront.net/',
    TableName: env.tableName,
    BucketName: env.bucketName,
    StateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:winnow-test',
    Region: 'us-east-1',
    ...overrides,
  };
}

async function outputsFile(content: unknown): Promise<string> {
  const file = join(dir, `${uniqueName('cdk-outputs')}.json`);
  await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return file;
}

function runNpm(args: string[], extraEnv: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', args, { cwd: ROOT, env: { ...process.env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const noIo = { stdout: () => {}, stderr: () => {} };

describe('npm run postdeploy', () => {
  it('creates a key from the outputs that the API accepts, and prints URL, key and the test command', async () => {
    const file = await outputsFile({ 'CDKToolkit': {}, 'Winnow-dev': outputsOf() });
    const tenant = uniqueName('tenant-deployed');
    const { code, stdout, stderr } = await runNpm(['run', '--silent', 'postdeploy', '--', '--outputs', file, '--tenant', tenant], {
      // The deployment's endpoint and credentials, as a user's shell has them for LocalStack.
      AWS_ENDPOINT_URL: env.endpoints.dynamodb!,
      AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
      AWS_REGION: 'eu-west-3',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    });
    expect(code, stderr).toBe(0);
    const key = /API key: {2}(wn_\S+)/.exec(stdout)?.[1];
    expect(key, stdout).toBeDefined();
    expect(stdout).toContain(`API URL:  ${runtime.url}`);
    expect(stdout).toContain('Console:  https://d111111abcdef8.cloudfront.net/   (sign in with the key below)');
    expect(stdout).toContain(`WINNOW_API_URL=${runtime.url} WINNOW_API_KEY=${key} npm run test:e2e`);

    // The key works, for its own tenant: a new tenant sees no datasets.
    const listed = await graphql(runtime.url, '{ datasets { items { id } } }', {}, { authorization: `Bearer ${key}` });
    expect(listed).toEqual({ status: 200, data: { datasets: { items: [] } } });
  });
});

describe('postDeploy, what goes wrong', () => {
  const options = (outputs: string, stack?: string) => ({ outputsFile: outputs, tenant: 't', env: {}, ...(stack ? { stack } : {}) });

  it('names the missing outputs file and how it is made', async () => {
    await expect(postDeploy(options(join(dir, 'nope.json')), noIo)).rejects.toThrow(/cannot read .*nope\.json \(ENOENT\); deploy with "npm run deploy"/);
  });

  it('names an output the stack lacks', async () => {
    const { TableName: _dropped, ...outputs } = outputsOf();
    await expect(postDeploy(options(await outputsFile({ 'Winnow-dev': outputs })), noIo)).rejects.toThrow("stack 'Winnow-dev' in");
    await expect(postDeploy(options(await outputsFile({ 'Winnow-dev': outputs })), noIo)).rejects.toThrow('has no TableName output');
  });

  it('asks which stack when the file holds several, and takes the one named', async () => {
    const file = await outputsFile({ 'Winnow-dev': outputsOf(), 'Winnow-prod': outputsOf({ TableName: 'no-such-table' }) });
    await expect(postDeploy(options(file), noIo)).rejects.toThrow(/stacks with an ApiUrl: Winnow-dev, Winnow-prod\); choose one with --stack/);
    await expect(postDeploy(options(file, 'Winnow-test'), noIo)).rejects.toThrow(/no outputs of stack 'Winnow-test'/);
    // The stack named is the one used: prod's table does not exist on the stand-in.
    const standIn = { AWS_ENDPOINT_URL: env.endpoints.dynamodb! };
    await expect(postDeploy({ ...options(file, 'Winnow-prod'), env: standIn }, noIo)).rejects.toThrow(/creating an API key in table no-such-table \(us-east-1\) failed: \w+/);
  });

  it('refuses a file that is not JSON', async () => {
    await expect(postDeploy(options(await outputsFile('{ not json')), noIo)).rejects.toThrow(/is not JSON/);
  });
});
