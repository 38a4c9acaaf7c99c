/**
 * Faults of the AWS services under the workflow's tasks, injected at the SDK: a middleware on the tasks'
 * DynamoDB client answers one chosen call with the error the service would send (a throttling, or a
 * permanent validation error). The store boundary turns the throttling into TransientError, so the real
 * state machine definition, run by the local runtime, retries the task and the run SUCCEEDS; the
 * permanent error is not retried, and the run FAILS with its reason.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { DynamoDBServiceException } from '@aws-sdk/client-dynamodb';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsClients } from '../../functions/store/aws.js';
import type { LocalRuntime } from '../../infra/local/runtime.js';
import type { LocalTaskHandler } from '../../infra/local/stepFunctions.js';
import { createDataset, inlineUpload, lightlyUploadFiles, tagFileNames } from '../support/datasets.js';
import { uniqueName } from '../support/graphql.js';
import { startSelection, waitForRun, type RunView } from '../support/runs.js';
import { startTestRuntime } from '../support/runtime.js';

const CONFIG = { n_samples: 6, strategies: [{ input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY' } }] };

/** The state whose task is running, so the injector knows which task made a call. */
const currentState = new AsyncLocalStorage<string>();
const invocations = new Map<string, number>();
const wrapTask = (state: string, handler: LocalTaskHandler): LocalTaskHandler => (input) => {
  invocations.set(state, (invocations.get(state) ?? 0) + 1);
  return currentState.run(state, () => handler(input));
};

/** The next fault: the `call`-th DynamoDB `command` made in `state` fails with `error`, once. */
interface Fault {
  readonly state: string;
  readonly command: string;
  readonly error: () => Error;
  seen: number;
  fired: number;
}
let fault: Fault | undefined;

const throttling = () =>
  new DynamoDBServiceException({ name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'Rate of requests exceeds the allowed throughput.' });
const validation = () =>
  new DynamoDBServiceException({ name: 'ValidationException', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'Item size has exceeded the maximum allowed size' });

/** Inside the store boundary's mapping (priority low = nearer the wire), where the SDK's retries have given up. */
function injectFaults(clients: AwsClients): void {
  clients.dynamo.middlewareStack.add(
    (next, context) => async (args) => {
      const f = fault;
      if (f && f.fired === 0 && currentState.getStore() === f.state && context.commandName === f.command && ++f.seen === 1) {
        f.fired++;
        throw f.error();
      }
      return next(args);
    },
    { step: 'initialize', priority: 'low', name: 'testFaultInjection' },
  );
}

/** No waits between retries (the cloud waits seconds). */
const noRetryWaits = (definition: StateMachineDefinition): StateMachineDefinition =>
  JSON.parse(JSON.stringify(definition).replace(/"IntervalSeconds":\d+/g, '"IntervalSeconds":0')) as StateMachineDefinition;

let runtime: LocalRuntime;
let url: string;
let datasetId: string;

beforeAll(async () => {
  runtime = await startTestRuntime({ wrapTask, instrumentTaskClients: injectFaults, editDefinition: noRetryWaits });
  url = runtime.url;
  datasetId = await createDataset(url, uniqueName('transient'));
  expect((await inlineUpload(url, datasetId, lightlyUploadFiles({ samples: 40, dim: 4, layout: 'jsonl' }).files)).errors).toBeUndefined();
});
afterAll(() => runtime.stop());

async function runWith(next: Fault | undefined): Promise<RunView> {
  fault = next;
  invocations.clear();
  const started = await startSelection(url, { d: datasetId, c: CONFIG, t: uniqueName('picked') });
  expect(started.errors, JSON.stringify(started.errors)).toBeUndefined();
  const done = await waitForRun(url, started.data!.startSelection.id);
  fault = undefined;
  return done;
}

describe('AWS faults under the workflow tasks', () => {
  let clean: RunView;
  beforeAll(async () => {
    clean = await runWith(undefined);
    expect(clean.status).toBe('SUCCEEDED');
  });

  it.each([
    ['Shard', 'UpdateItemCommand'],
    ['Select', 'UpdateItemCommand'],
  ])('a throttled DynamoDB call in %s (%s) is retried by the state machine and the run succeeds', async (state, command) => {
    const injected: Fault = { state, command, error: throttling, seen: 0, fired: 0 };
    const done = await runWith(injected);
    expect(injected.fired).toBe(1);
    expect(done.status).toBe('SUCCEEDED');
    // The task ran again: the state machine's Retry, not the SDK, recovered from it.
    expect(invocations.get(state)).toBe(2);
    expect(await tagFileNames(url, datasetId, done.resultTagName)).toEqual(await tagFileNames(url, datasetId, clean.resultTagName));
  });

  it('a permanent DynamoDB error in Shard is not retried: the run FAILS with its reason, and no tag is written', async () => {
    const injected: Fault = { state: 'Shard', command: 'UpdateItemCommand', error: validation, seen: 0, fired: 0 };
    const done = await runWith(injected);
    expect(injected.fired).toBe(1);
    expect(done.status).toBe('FAILED');
    expect(done.failureReason).toMatch(/Item size has exceeded the maximum allowed size/);
    expect(invocations.get('Shard')).toBe(1);
    expect(done.resultTag ?? null).toBeNull();
  });
});
