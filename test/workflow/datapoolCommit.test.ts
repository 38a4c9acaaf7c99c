/**
 * The datapool's commit and claim, over GraphQL on the local runtime with the real state machine:
 *
 * - a successful pool run writes its result tag record, its SUCCEEDED status and the pool in ONE
 *   TransactWriteItems; when that transaction fails (a fault injected at the SDK: DynamoDB refusing it
 *   cannot be caused otherwise), none of the three is written — the run FAILS, no tag, the pool as it
 *   was — and the pool is free again;
 * - a run cancelled right before the commit (between Finish reading it and its transaction) writes
 *   nothing either: the transaction's condition on the run's status refuses it;
 * - the claim is taken in the transaction that creates the run: of two concurrent pool runs the second
 *   gets CONFLICT; an idempotency key used again returns its run first (no CONFLICT, neither for the
 *   pool nor for the result tag's name); once the run ended, a new pool run is accepted.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { DynamoDBServiceException } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createAwsClients, type AwsClients } from '../../functions/store/aws.js';
import { BlobStore } from '../../functions/store/blobs.js';
import { tagBitsKey } from '../../functions/store/tags.js';
import type { LocalRuntime } from '../../infra/local/runtime.js';
import type { LocalTaskHandler } from '../../infra/local/stepFunctions.js';
import { embeddingsCsv } from '../../infra/local/lightlyFolder.js';
import { createDataset, inlineUpload, tagFileNames } from '../support/datasets.js';
import { graphql, uniqueName, type GraphqlResponse } from '../support/graphql.js';
import { RUN_FIELDS, waitForRun, type RunView } from '../support/runs.js';
import { startTestRuntime } from '../support/runtime.js';

const CONFIG = { n_samples: 3, strategies: [{ input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY' } }] };
const env = inject('winnowEnv');
const blobs = new BlobStore(createAwsClients(env).s3, env.bucketName);

const currentState = new AsyncLocalStorage<string>();
/** Plan waits for this while set: holds a run QUEUED/RUNNING for as long as a test needs. */
let planGate: Promise<void> | undefined;
const wrapTask = (state: string, handler: LocalTaskHandler): LocalTaskHandler => async (input) => {
  if (state === 'Plan' && planGate) await planGate;
  return currentState.run(state, () => handler(input));
};

/** What the next TransactWriteItems of Finish does before (or instead of) reaching DynamoDB. */
let onCommit: ((items: TransactionItemView[]) => Promise<void>) | undefined;
interface TransactionItemView {
  readonly op: string;
  readonly sk: string;
}
/** A key attribute as the command carries it: plain, or marshalled (`{ S: ... }`). */
const keyText = (value: unknown): string => (typeof value === 'string' ? value : ((value as { S?: string } | undefined)?.S ?? '?'));
function injectAtCommit(clients: AwsClients): void {
  clients.dynamo.middlewareStack.add(
    (next, context) => async (args) => {
      const hook = onCommit;
      if (hook && currentState.getStore() === 'Finish' && context.commandName === 'TransactWriteItemsCommand') {
        onCommit = undefined;
        const input = args.input as { TransactItems: Record<string, { Key?: { sk?: unknown }; Item?: { sk?: unknown } }>[] };
        await hook(
          input.TransactItems.map((item) => {
            const [op, body] = Object.entries(item)[0]!;
            return { op, sk: keyText(body.Key?.sk ?? body.Item?.sk) };
          }),
        );
      }
      return next(args);
    },
    { step: 'initialize', priority: 'low', name: 'testCommitHook' },
  );
}

let runtime: LocalRuntime;
beforeAll(async () => {
  runtime = await startTestRuntime({ wrapTask, instrumentTaskClients: injectAtCommit });
});
afterAll(() => runtime.stop());

/** Twelve new samples: a pool run's candidates are the samples added since the last one. */
async function addSamples(datasetId: string, prefix: string): Promise<void> {
  const names = Array.from({ length: 12 }, (_, i) => `${prefix}_${String(i).padStart(2, '0')}.png`);
  const rows = names.map((_, i) => [Math.cos(i + prefix.length), Math.sin(i + prefix.length), (i % 3) / 3]);
  const result = await inlineUpload(runtime.url, datasetId, [{ path: 'embeddings.csv', content: embeddingsCsv(names, Float32Array.from(rows.flat()), 3, []) }]);
  expect(result.errors).toBeUndefined();
}

async function poolDataset(prefix: string): Promise<string> {
  const datasetId = await createDataset(runtime.url, uniqueName(prefix));
  await addSamples(datasetId, 's');
  return datasetId;
}

function startPoolRun(datasetId: string, tag: string, idempotencyKey?: string): Promise<GraphqlResponse<{ startSelection: RunView }>> {
  return graphql<{ startSelection: RunView }>(
    runtime.url,
    `mutation ($d: ID!, $c: JSON, $t: String!, $k: String) {
      startSelection(datasetId: $d, config: $c, resultTagName: $t, useDatapool: true, idempotencyKey: $k) { ${RUN_FIELDS} } }`,
    { d: datasetId, c: CONFIG, t: tag, ...(idempotencyKey ? { k: idempotencyKey } : {}) },
  );
}

interface PoolView {
  count: number;
  activeRunId: string | null;
  history: { event: string; runId: string | null; count: number }[];
  fileNames: { items: string[] };
}
async function pool(datasetId: string): Promise<PoolView> {
  const result = await graphql<{ dataset: { datapool: PoolView } }>(
    runtime.url,
    'query ($d: ID!) { dataset(id: $d) { datapool { count activeRunId history { event runId count } fileNames(first: 100) { items } } } }',
    { d: datasetId },
  );
  if (!result.data) throw new Error(JSON.stringify(result.errors));
  return result.data.dataset.datapool;
}

async function tagExists(datasetId: string, name: string): Promise<boolean> {
  const result = await graphql<{ dataset: { tag: { name: string } } }>(runtime.url, 'query ($d: ID!, $n: String!) { dataset(id: $d) { tag(name: $n) { name } } }', {
    d: datasetId,
    n: name,
  });
  if (result.errors?.[0]?.extensions?.code === 'NOT_FOUND') return false;
  if (!result.data) throw new Error(JSON.stringify(result.errors));
  return result.data.dataset.tag.name === name;
}

/** One successful round, so the pool has something to lose. */
async function firstRound(datasetId: string): Promise<PoolView> {
  const started = await startPoolRun(datasetId, 'round-1');
  expect(started.errors).toBeUndefined();
  expect((await waitForRun(runtime.url, started.data!.startSelection.id)).status).toBe('SUCCEEDED');
  const before = await pool(datasetId);
  expect(before.count).toBe(3);
  return before;
}

describe('the commit of a pool run', () => {
  it('writes tag, SUCCEEDED and pool in one transaction; when it fails, none of them is written', async () => {
    const datasetId = await poolDataset('commit-fault');
    const before = await firstRound(datasetId);
    await addSamples(datasetId, 'new');

    let sent: TransactionItemView[] = [];
    onCommit = async (items) => {
      sent = items;
      // A permanent refusal (not retried), so the run's fate is this one transaction's.
      throw new DynamoDBServiceException({ name: 'ValidationException', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'injected: the transaction failed' });
    };
    const started = await startPoolRun(datasetId, 'round-2', undefined);
    const done = await waitForRun(runtime.url, started.data!.startSelection.id);

    // The three writes were one transaction: the tag record, the run, the pool.
    expect(sent.map((item) => `${item.op} ${item.sk}`).sort()).toEqual(['Put TAG#round-2', 'Update DATAPOOL', 'Update META']);
    expect(done.status).toBe('FAILED');
    expect(done.failureReason).toMatch(/injected: the transaction failed/);
    expect(done.resultTag).toBeNull();
    expect(await tagExists(datasetId, 'round-2')).toBe(false);
    const after = await pool(datasetId);
    expect(after).toEqual({ ...before, activeRunId: null });
    expect(after.history.map((h) => h.runId)).not.toContain(done.id);

    // The pool is free: the next pool run commits all three.
    const next = await startPoolRun(datasetId, 'round-2b');
    expect(next.errors).toBeUndefined();
    const succeeded = await waitForRun(runtime.url, next.data!.startSelection.id);
    expect(succeeded.status).toBe('SUCCEEDED');
    expect(succeeded.resultTag?.count).toBe(3);
    const grown = await pool(datasetId);
    expect(grown.count).toBe(6);
    expect(grown.history.at(-1)).toEqual({ event: 'RUN', runId: succeeded.id, count: 6 });
  });

  it('a run cancelled right before its commit writes nothing: the pool stays as it was', async () => {
    const datasetId = await poolDataset('commit-cancel');
    const before = await firstRound(datasetId);
    await addSamples(datasetId, 'new');

    let cancelledStatus: string | undefined;
    const started = await startPoolRun(datasetId, 'round-2');
    const runId = started.data!.startSelection.id;
    // Finish has read the run (RUNNING) and staged the bitsets; the cancellation lands before its transaction.
    onCommit = async () => {
      const cancelled = await graphql<{ cancelSelection: { status: string } }>(runtime.url, 'mutation ($id: ID!) { cancelSelection(id: $id) { status } }', { id: runId });
      cancelledStatus = cancelled.data?.cancelSelection.status;
    };
    const done = await waitForRun(runtime.url, runId);
    // Finish returns once its transaction was refused; give it the moment to discard what it staged.
    await expect.poll(async () => (await blobs.get(tagBitsKey(datasetId, runId))) === undefined, { timeout: 10_000 }).toBe(true);

    expect(cancelledStatus).toBe('CANCELLED');
    expect(done.status).toBe('CANCELLED');
    expect(done.summary).toBeNull();
    expect(await tagExists(datasetId, 'round-2')).toBe(false);
    expect(await pool(datasetId)).toEqual({ ...before, activeRunId: null });
    // The run stays cancelled: the refused commit did not turn it SUCCEEDED later.
    expect((await waitForRun(runtime.url, runId)).status).toBe('CANCELLED');
  });

  it('the condition on the run status alone refuses a commit after a cancel (a run without a pool)', async () => {
    const datasetId = await poolDataset('commit-cancel-plain');
    const started = await graphql<{ startSelection: RunView }>(
      runtime.url,
      `mutation ($d: ID!, $c: JSON) { startSelection(datasetId: $d, config: $c, resultTagName: "plain") { ${RUN_FIELDS} } }`,
      { d: datasetId, c: CONFIG },
    );
    const runId = started.data!.startSelection.id;
    let sent: TransactionItemView[] = [];
    onCommit = async (items) => {
      sent = items;
      await graphql(runtime.url, 'mutation ($id: ID!) { cancelSelection(id: $id) { status } }', { id: runId });
    };
    expect((await waitForRun(runtime.url, runId)).status).toBe('CANCELLED');
    await expect.poll(async () => (await blobs.get(tagBitsKey(datasetId, runId))) === undefined, { timeout: 10_000 }).toBe(true);
    expect(sent.map((item) => `${item.op} ${item.sk}`).sort()).toEqual(['Put TAG#plain', 'Update META']);
    expect(await tagExists(datasetId, 'plain')).toBe(false);
    expect((await waitForRun(runtime.url, runId)).status).toBe('CANCELLED');
  });
});

describe('one pool run per dataset at a time', () => {
  it('refuses a concurrent second pool run with CONFLICT, answers a repeated key with its run, and accepts a new run once the first ended', async () => {
    const datasetId = await poolDataset('claim');
    let openGate!: () => void;
    planGate = new Promise((resolve) => (openGate = resolve));
    try {
      // Two requests at the same moment: exactly one claims the pool.
      const [a, b] = await Promise.all([startPoolRun(datasetId, 'first', 'key-1'), startPoolRun(datasetId, 'second', 'key-2')]);
      const accepted = [a, b].filter((r) => r.data?.startSelection);
      const refused = [a, b].filter((r) => r.errors);
      expect(accepted).toHaveLength(1);
      expect(refused).toHaveLength(1);
      expect(refused[0]!.errors![0]!.extensions).toMatchObject({ code: 'CONFLICT' });
      expect(refused[0]!.errors![0]!.message).toMatch(/datapool of dataset .* is in use/);
      const first = accepted[0]!.data!.startSelection;
      const firstKey = first.resultTagName === 'first' ? 'key-1' : 'key-2';
      expect((await pool(datasetId)).activeRunId).toBe(first.id);

      // The refused run left nothing: the claim is the first run's, and a third request is refused too.
      const third = await startPoolRun(datasetId, 'third');
      expect(third.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT' });
      expect(third.errors?.[0]?.message).toContain(first.id);
      // The first run's key again: its run, not a CONFLICT.
      const repeated = await startPoolRun(datasetId, first.resultTagName, firstKey);
      expect(repeated.errors).toBeUndefined();
      expect(repeated.data?.startSelection.id).toBe(first.id);
      openGate();
      expect((await waitForRun(runtime.url, first.id)).status).toBe('SUCCEEDED');

      // Ended: its key still answers with it (the tag name it took is no CONFLICT), and the pool is free.
      const afterwards = await startPoolRun(datasetId, first.resultTagName, firstKey);
      expect(afterwards.errors).toBeUndefined();
      expect(afterwards.data?.startSelection).toMatchObject({ id: first.id, status: 'SUCCEEDED' });
      expect((await pool(datasetId)).activeRunId).toBeNull();
      await addSamples(datasetId, 'new');
      const next = await startPoolRun(datasetId, 'next');
      expect(next.errors).toBeUndefined();
      expect((await waitForRun(runtime.url, next.data!.startSelection.id)).status).toBe('SUCCEEDED');
      expect(await tagFileNames(runtime.url, datasetId, 'next')).toHaveLength(3);
    } finally {
      planGate = undefined;
      openGate();
    }
  });

  it('frees the pool when a pool run is cancelled or fails', async () => {
    const datasetId = await poolDataset('release');
    let openGate!: () => void;
    planGate = new Promise((resolve) => (openGate = resolve));
    try {
      const held = await startPoolRun(datasetId, 'held');
      const runId = held.data!.startSelection.id;
      expect((await startPoolRun(datasetId, 'waiting')).errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT' });
      await graphql(runtime.url, 'mutation ($id: ID!) { cancelSelection(id: $id) { status } }', { id: runId });
      expect((await pool(datasetId)).activeRunId).toBeNull();
    } finally {
      planGate = undefined;
      openGate();
    }
    // Fails in Plan (these names are no video frames): the pool is free afterwards.
    const failing = await graphql<{ startSelection: RunView }>(
      runtime.url,
      `mutation ($d: ID!, $c: JSON) { startSelection(datasetId: $d, config: $c, resultTagName: "clips", useDatapool: true) { ${RUN_FIELDS} } }`,
      { d: datasetId, c: { ...CONFIG, n_samples: 4, selected_sequence_length: 2 } },
    );
    expect((await waitForRun(runtime.url, failing.data!.startSelection.id)).status).toBe('FAILED');
    expect((await pool(datasetId)).activeRunId).toBeNull();
    const next = await startPoolRun(datasetId, 'after');
    expect(next.errors).toBeUndefined();
    expect((await waitForRun(runtime.url, next.data!.startSelection.id)).status).toBe('SUCCEEDED');
  });
});
