/**
 * The deploy preflight: the check of the stack's sizes against an account's limits, and its reading of
 * the account through the real Lambda SDK client, whose HTTP answers (AWS itself is not reachable here)
 * are injected as Lambda sends them.
 */
import { Readable } from 'node:stream';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { CONTEXT_DEFAULTS, settingsFromContext } from '../../infra/settings.js';
import {
  checkAccount,
  contextFromArgs,
  MEMORY_PROBE_FUNCTION,
  readAccountLimits,
  stackNeeds,
  type AccountLimits,
} from '../../infra/scripts/preflight.js';

const defaults = stackNeeds({ ...CONTEXT_DEFAULTS });
const roomy: AccountLimits = { concurrentExecutions: 1000, unreservedConcurrentExecutions: 1000, reservedByStack: 0 };
const needsFor = (context: Record<string, unknown>) => stackNeeds(settingsFromContext({ node: { tryGetContext: (key) => context[key] } }));

describe('checkAccount', () => {
  it('passes the defaults on an account of 1,000 executions, and on a redeploy that counts its own reservation back', () => {
    expect(checkAccount(defaults, roomy)).toEqual([]);
    // The API's 20 must leave Lambda's 100: exactly 120 unreserved is enough, 119 is not.
    expect(checkAccount(defaults, { concurrentExecutions: 120, unreservedConcurrentExecutions: 120, reservedByStack: 0 })).toEqual([]);
    expect(checkAccount(defaults, { concurrentExecutions: 120, unreservedConcurrentExecutions: 100, reservedByStack: 20 })).toEqual([]);
    expect(checkAccount(defaults, { concurrentExecutions: 119, unreservedConcurrentExecutions: 119, reservedByStack: 0 })[0]).toMatch(/^Lambda concurrency too low: the API reserves 20/);
    // Without a reservation, 40 shards and 2 tasks beside them: 42 is enough, 41 is not.
    const unreservedApi = needsFor({ apiReservedConcurrency: '0' });
    expect(checkAccount(unreservedApi, { concurrentExecutions: 42, unreservedConcurrentExecutions: 42, reservedByStack: 0 })).toEqual([]);
    const tight = checkAccount(unreservedApi, { concurrentExecutions: 41, unreservedConcurrentExecutions: 41, reservedByStack: 0 });
    expect(tight).toHaveLength(1);
    expect(tight[0]).toMatch(/^Lambda concurrency too low: a selection runs 40 shards at once .* only 41 executions are left unreserved; raise .*L-B99A9384.*-c shardConcurrency=39$/);
  });

  it('stops a new account of 10 executions at the API reservation, naming the quota and the context key', () => {
    const problems = checkAccount(defaults, { concurrentExecutions: 10, unreservedConcurrentExecutions: 10, reservedByStack: 0 });
    expect(problems).toEqual([
      'Lambda concurrency too low: the API reserves 20 and Lambda keeps 100 unreserved, but only 10 are unreserved; ' +
        'raise the account\'s "Concurrent executions" quota (10; Service Quotas, Lambda, L-B99A9384), or deploy with -c apiReservedConcurrency=0',
    ]);
    // Without the reservation, the shards are what does not fit.
    const unreserved = checkAccount(needsFor({ apiReservedConcurrency: '0' }), { concurrentExecutions: 10, unreservedConcurrentExecutions: 10, reservedByStack: 0 });
    expect(unreserved[0]).toMatch(/-c shardConcurrency=8$/);
  });

  it('stops memory over the cap, naming every key over it; passes at the cap and when the cap is unknown', () => {
    const big = needsFor({ selectMemoryMb: '10240', shardMemoryMb: '4096' });
    expect(checkAccount(big, { ...roomy, memoryLimitMb: 3008 })).toEqual([
      "Lambda memory too low: shardMemoryMb=4096, selectMemoryMb=10240 over this account's cap of 3008 MB; " +
        'ask AWS Support to lift the memory cap, or deploy with -c shardMemoryMb=3008 -c selectMemoryMb=3008',
    ]);
    expect(checkAccount(big, { ...roomy, memoryLimitMb: 10240 })).toEqual([]);
    expect(checkAccount(defaults, { ...roomy, memoryLimitMb: 3008 })).toEqual([]);
    expect(checkAccount(big, roomy)).toEqual([]);
  });

  it('reads context as cdk does: cdk.json first, then -c / --context arguments, the last one winning', () => {
    const context = contextFromArgs({ shardConcurrency: 10, '@aws-cdk/x': true }, ['--require-approval', 'never', '-c', 'shardConcurrency=20', '--context', 'stage=prod', '--context=selectMemoryMb=6144']);
    expect(context).toEqual({ shardConcurrency: '20', '@aws-cdk/x': true, stage: 'prod', selectMemoryMb: '6144' });
    expect(needsFor(context)).toMatchObject({ shardConcurrency: 20, memoryMb: { selectMemoryMb: 6144 } });
    expect(() => contextFromArgs({}, ['-c', 'novalue'])).toThrow(/'novalue' should be name=value/);
  });
});

/** One answer of the Lambda API as it comes over HTTP (REST-JSON: the error type in a header). */
interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly errorType?: string;
}

/** A request body as text (the SDK hands over a string or bytes). */
const bodyText = (body: unknown) =>
  body instanceof Uint8Array ? new TextDecoder().decode(new Uint8Array(body.buffer, body.byteOffset, body.byteLength)) : typeof body === 'string' ? body : '';

/** A real Lambda client whose HTTP layer answers from `answers` by operation, recording each request. */
function lambdaAnswering(answers: Record<string, Answer>) {
  const requests: { method: string; path: string; body: string }[] = [];
  const operation = (method: string, path: string) =>
    path === '/2016-08-19/account-settings' ? 'GetAccountSettings' : path.endsWith('/concurrency') ? 'GetFunctionConcurrency' : method === 'PUT' && path.endsWith('/configuration') ? 'UpdateFunctionConfiguration' : `${method} ${path}`;
  const client = new LambdaClient({
    region: 'eu-central-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    maxAttempts: 1,
    requestHandler: {
      handle: async (request: { method: string; path: string; body?: unknown }) => {
        requests.push({ method: request.method, path: request.path, body: bodyText(request.body) });
        const answer = answers[operation(request.method, request.path)];
        if (!answer) throw new Error(`no answer for ${request.method} ${request.path}`);
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (answer.errorType) headers['x-amzn-errortype'] = answer.errorType;
        return { response: { statusCode: answer.status, reason: '', headers, body: Readable.from([Buffer.from(JSON.stringify(answer.body))]) } };
      },
    } as never,
  });
  return { client, requests };
}

const accountSettings = (concurrent: number, unreserved: number): Answer => ({
  status: 200,
  body: { AccountLimit: { ConcurrentExecutions: concurrent, UnreservedConcurrentExecutions: unreserved, TotalCodeSize: 80530636800, CodeSizeUnzipped: 262144000, CodeSizeZipped: 52428800 }, AccountUsage: { FunctionCount: 3, TotalCodeSize: 1000 } },
});

describe('readAccountLimits', () => {
  it('reads the concurrency limits and, for the defaults (≤ 3,008 MB), never probes memory', async () => {
    const { client, requests } = lambdaAnswering({ GetAccountSettings: accountSettings(10, 10) });
    const { limits, warnings } = await readAccountLimits(client, defaults);
    expect(limits).toEqual({ concurrentExecutions: 10, unreservedConcurrentExecutions: 10, reservedByStack: 0 });
    expect(warnings).toEqual([]);
    expect(requests.map((r) => r.path)).toEqual(['/2016-08-19/account-settings']);
  });

  it('learns a memory cap from the validation error Lambda answers the probe with, and counts a redeployed API back', async () => {
    const { client, requests } = lambdaAnswering({
      GetAccountSettings: accountSettings(1000, 980),
      GetFunctionConcurrency: { status: 200, body: { ReservedConcurrentExecutions: 20 } },
      UpdateFunctionConfiguration: {
        status: 400,
        errorType: 'ValidationException',
        body: { message: "1 validation error detected: Value '10240' at 'memorySize' failed to satisfy constraint: 'MemorySize' value failed to satisfy constraint: Member must have value less than or equal to 3008" },
      },
    });
    const big = needsFor({ selectMemoryMb: '10240' });
    const { limits } = await readAccountLimits(client, big, 'Winnow-dev-ApiFunction');
    expect(limits).toEqual({ concurrentExecutions: 1000, unreservedConcurrentExecutions: 980, reservedByStack: 20, memoryLimitMb: 3008 });
    const probe = requests.find((r) => r.method === 'PUT')!;
    expect(probe.path).toBe(`/2015-03-31/functions/${MEMORY_PROBE_FUNCTION}/configuration`);
    expect(JSON.parse(probe.body)).toEqual({ MemorySize: 10240 });
    expect(checkAccount(big, limits)).toEqual([expect.stringMatching(/^Lambda memory too low: selectMemoryMb=10240 over this account's cap of 3008 MB/)]);
  });

  it('takes "not found" for the probe as the size accepted, and any other answer as a warning', async () => {
    const big = needsFor({ selectMemoryMb: '10240' });
    const accepted = lambdaAnswering({
      GetAccountSettings: accountSettings(1000, 1000),
      UpdateFunctionConfiguration: { status: 404, errorType: 'ResourceNotFoundException', body: { Type: 'User', message: `Function not found: ${MEMORY_PROBE_FUNCTION}` } },
    });
    const read = await readAccountLimits(accepted.client, big);
    expect(read.limits.memoryLimitMb).toBe(10240);
    expect(checkAccount(big, read.limits)).toEqual([]);

    const denied = lambdaAnswering({
      GetAccountSettings: accountSettings(1000, 1000),
      UpdateFunctionConfiguration: { status: 403, errorType: 'AccessDeniedException', body: { message: 'not authorized to perform: lambda:UpdateFunctionConfiguration' } },
    });
    const unknown = await readAccountLimits(denied.client, big);
    expect(unknown.limits.memoryLimitMb).toBeUndefined();
    expect(unknown.warnings).toEqual([expect.stringMatching(/^could not learn the account's Lambda memory cap \(AccessDeniedException: not authorized.*up to 10240 MB/)]);
  });
});
