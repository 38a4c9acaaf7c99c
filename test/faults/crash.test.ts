/**
 * Crash suite: the local runtime is killed with SIGKILL right before each write (DynamoDB or S3) of a
 * commit, a tag rename, a tag delete, a dataset deletion and a selection's Finish, restarted, and the
 * stores are checked against the invariants (./invariants.ts) — plus, per operation, that it either
 * happened or did not, and can be completed.
 *
 * How a kill point is chosen: a hook, not a timer. The runtime runs with `WINNOW_CRASH_PLAN`
 * (infra/local/crashPoints.ts): armed right before the operation, it first only counts the operation's
 * writes; then, for each write n, a fresh runtime kills itself right before write n. Consecutive S3 puts
 * under one folder (the column objects of a shard, the files of a run's report) form one kill point: no
 * record points at any of them until a later write, so a kill between two of them is the same case as
 * a kill before the first.
 *
 * What is killed: the runtime's process — GraphQL API, state machine, task threads and commit worker —
 * started as a child (./runtimeChild.ts). The stores are DynamoDB Local and the S3 stand-in, persisted
 * under the suite's data directory and running in the suite's process, so they outlive the kill as
 * DynamoDB and S3 outlive a Lambda. (Killing the stand-ins too would test Amazon's jar, and s3rver can
 * leave a half-written file when killed mid-PUT, which real S3 never shows.) The restarted runtime is
 * the stores' only writer and so fails the runs and sweeps the commits its predecessor left in flight,
 * as `npm start` does. Each restart costs a child's start (imports; the synthesized workflow definition
 * is passed in as a file, since synthesizing the stack takes seconds), which keeps the suite within a few
 * minutes on 2 cores.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApiKey } from '../../functions/store/apiKeys.js';
import type { AwsClients } from '../../functions/store/aws.js';
import { provisionStandIns } from '../../infra/local/bootstrap.js';
import { CRASH_PLAN_VARIABLE, type CrashPlan } from '../../infra/local/crashPoints.js';
import { startDynamoStandIn, startS3StandIn, type RunningStandIn } from '../../infra/local/standins.js';
import { synthesizeWorkflowDefinition } from '../../infra/local/stateMachine.js';
import { commitUpload, createDataset, presignedUpload, putUpload } from '../support/datasets.js';
import { graphql, registerApiKey, uniqueName } from '../support/graphql.js';
import { startSelection, waitForRun } from '../support/runs.js';
import { checkInvariants, committing, snapshot } from './invariants.js';
import { CRASH_CHILD_VARIABLE, type CrashChildConfig } from './childConfig.js';

const ROWS = 40;
const TABLE = 'winnow';
const BUCKET = 'winnow';
const { key: apiKey, keyId } = newApiKey();

let dataDir: string;
let standIns: RunningStandIn[] = [];
let clients: AwsClients;
let childConfig: CrashChildConfig;
let planFile: string;
let current: RuntimeChild | undefined;

interface RuntimeChild {
  readonly process: ChildProcessByStdio<null, Readable, Readable>;
  readonly url: string;
  readonly exited: Promise<NodeJS.Signals | null>;
  output(): string;
}

async function startRuntime(): Promise<RuntimeChild> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'runtimeChild.ts')], {
    env: { ...process.env, [CRASH_PLAN_VARIABLE]: planFile, [CRASH_CHILD_VARIABLE]: JSON.stringify(childConfig) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  const deadline = Date.now() + 120_000;
  for (;;) {
    const ready = /READY (\S+)/.exec(output);
    if (ready) {
      registerApiKey(ready[1]!, apiKey);
      return { process: child, url: ready[1]!, exited, output: () => output };
    }
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) throw new Error(`the runtime did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function setPlan(plan: Partial<CrashPlan> & { armed: boolean }): Promise<void> {
  await writeFile(planFile, JSON.stringify({ log: `${planFile}.log`, killedLog: `${planFile}.killed`, ...plan }));
}

async function countedWrites(): Promise<string[]> {
  return (await readFile(`${planFile}.log`, 'utf8').catch(() => '')).split('\n').filter(Boolean);
}

/** Kill points: the first write of each run of consecutive S3 puts under one folder, and every other write. */
function killPoints(writes: readonly string[]): number[] {
  const group = (write: string) => (write.startsWith('PutObject ') ? `PutObject ${write.slice('PutObject '.length).replace(/\/[^/]*$/, '')}` : write);
  return writes.flatMap((write, i) => (i === 0 || group(write) !== group(writes[i - 1]!) ? [i + 1] : []));
}

function embeddingsCsv(seed: number): string {
  const lines = ['filenames,embedding_0,embedding_1,embedding_2,embedding_3,labels'];
  for (let i = 0; i < ROWS; i++) lines.push(`img_${i}.jpg,${[0, 1, 2, 3].map((d) => Math.sin(seed + i * 7 + d * 3).toFixed(4)).join(',')},0`);
  return lines.join('\n') + '\n';
}

async function datasetWithData(url: string): Promise<string> {
  const datasetId = await createDataset(url, uniqueName('crash'));
  const { commit } = await presignedUpload(url, datasetId, [{ path: 'embeddings.csv', content: embeddingsCsv(datasetId.length) }]);
  expect(commit.errors, JSON.stringify(commit.errors)).toBeUndefined();
  return datasetId;
}

async function createTag(url: string, datasetId: string, name: string): Promise<void> {
  const created = await graphql(url, 'mutation ($d: ID!, $n: String!, $f: [String!]!) { createTag(datasetId: $d, name: $n, fileNames: $f) { name } }', {
    d: datasetId,
    n: name,
    f: ['img_1.jpg', 'img_2.jpg', 'img_3.jpg'],
  });
  expect(created.errors, JSON.stringify(created.errors)).toBeUndefined();
}

async function tagCount(url: string, datasetId: string, name: string): Promise<number | undefined> {
  const answer = await graphql<{ dataset: { tag: { count: number } | null } }>(url, 'query ($d: ID!, $n: String!) { dataset(id: $d) { tag(name: $n) { count } } }', { d: datasetId, n: name });
  if (answer.errors?.some((e) => e.extensions?.code === 'NOT_FOUND')) return undefined;
  expect(answer.errors, JSON.stringify(answer.errors)).toBeUndefined();
  return answer.data!.dataset.tag?.count;
}

async function selection(url: string, datasetId: string, tag: string): Promise<string> {
  const started = await startSelection(url, { d: datasetId, c: { n_samples: 5, strategies: [{ input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY' } }] }, t: tag });
  expect(started.errors, JSON.stringify(started.errors)).toBeUndefined();
  return started.data!.startSelection.id;
}

/** A tested operation: what it needs, the operation itself, and what is left of it after the restart. */
interface Operation {
  readonly name: string;
  /** Counting starts at the first write containing this (default: the operation's first write). */
  readonly startAt?: string;
  prepare(url: string): Promise<Record<string, string>>;
  /** Sends the operation; resolves when it is done (a killed runtime ends it early, with an error). */
  run(url: string, state: Record<string, string>): Promise<void>;
  /** Checks the operation's own outcome after the restart (and completes it where a client would); returns it in words. */
  outcome(url: string, state: Record<string, string>): Promise<string>;
}

let sharedDataset: string | undefined;
const shared = async (url: string) => (sharedDataset ??= await datasetWithData(url));

const OPERATIONS: Operation[] = [
  {
    name: 'commit',
    async prepare(url) {
      const datasetId = await createDataset(url, uniqueName('commit'));
      const { upload } = await putUpload(url, datasetId, [{ path: 'embeddings.csv', content: embeddingsCsv(1) }]);
      return { datasetId, uploadId: upload.id };
    },
    async run(url, { datasetId, uploadId }) {
      await commitUpload(url, datasetId!, uploadId!);
    },
    async outcome(url, { datasetId, uploadId }) {
      const state = async () =>
        (await graphql<{ dataset: { sampleCount: number; uploads: { id: string; status: string }[] } }>(url, 'query ($d: ID!) { dataset(id: $d) { sampleCount uploads { id status } } }', { d: datasetId })).data!.dataset;
      const after = await state();
      const status = after.uploads.find((u) => u.id === uploadId)!.status;
      // Not yet COMMITTING when the process died: the client commits again.
      if (status === 'PENDING') await commitUpload(url, datasetId!, uploadId!);
      const final = await state();
      expect(final.uploads.find((u) => u.id === uploadId)!.status).toBe('COMMITTED');
      expect(final.sampleCount).toBe(ROWS);
      return status === 'PENDING' ? 'PENDING; committed again' : `${status} after the sweep`;
    },
  },
  {
    name: 'tag rename',
    async prepare(url) {
      const datasetId = await shared(url);
      const from = uniqueName('old');
      await createTag(url, datasetId, from);
      return { datasetId, from, to: uniqueName('new') };
    },
    async run(url, { datasetId, from, to }) {
      await graphql(url, 'mutation ($d: ID!, $n: String!, $m: String!) { renameTag(datasetId: $d, name: $n, newName: $m) { name } }', { d: datasetId, n: from, m: to });
    },
    async outcome(url, { datasetId, from, to }) {
      const counts = [await tagCount(url, datasetId!, from!), await tagCount(url, datasetId!, to!)];
      // Under exactly one of its names, with its members.
      expect(counts.filter((count) => count !== undefined)).toEqual([3]);
      return counts[1] === undefined ? 'old name' : 'new name';
    },
  },
  {
    name: 'tag delete',
    async prepare(url) {
      const datasetId = await shared(url);
      const name = uniqueName('doomed');
      await createTag(url, datasetId, name);
      return { datasetId, name };
    },
    async run(url, { datasetId, name }) {
      await graphql(url, 'mutation ($d: ID!, $n: String!) { deleteTag(datasetId: $d, name: $n) }', { d: datasetId, n: name });
    },
    async outcome(url, { datasetId, name }) {
      const count = await tagCount(url, datasetId!, name!);
      if (count !== undefined) expect(count).toBe(3);
      return count === undefined ? 'deleted' : 'kept, readable';
    },
  },
  {
    name: 'dataset deletion',
    async prepare(url) {
      const datasetId = await datasetWithData(url);
      await createTag(url, datasetId, 'some');
      const runId = await selection(url, datasetId, 'picked');
      expect((await waitForRun(url, runId)).status).toBe('SUCCEEDED');
      return { datasetId, runId };
    },
    async run(url, { datasetId }) {
      await graphql(url, 'mutation ($d: ID!) { deleteDataset(id: $d) }', { d: datasetId });
    },
    async outcome(url, { datasetId, runId }) {
      const before = await graphql<{ dataset: { sampleCount: number } }>(url, 'query ($d: ID!) { dataset(id: $d) { sampleCount } }', { d: datasetId });
      const visible = before.data?.dataset !== undefined && before.data.dataset !== null;
      if (visible) expect(before.data!.dataset.sampleCount).toBe(ROWS);
      // A retried delete finishes what the first began, and leaves nothing of the dataset.
      const again = await graphql(url, 'mutation ($d: ID!) { deleteDataset(id: $d) }', { d: datasetId });
      const gone = again.errors?.[0]?.extensions?.code === 'NOT_FOUND';
      if (!gone) expect(again.errors, JSON.stringify(again.errors)).toBeUndefined();
      const { items, objects } = await snapshot(clients, TABLE, BUCKET);
      expect(items.filter((i) => String(i.pk) === `DATASET#${datasetId}` || String(i.pk) === `RUN#${runId}`)).toEqual([]);
      expect([...objects].filter((key) => key.includes(datasetId!) || key.includes(runId!))).toEqual([]);
      return visible ? 'not begun; deleted on retry' : gone ? 'finished' : 'hidden; finished on retry';
    },
  },
  {
    name: 'selection (Finish)',
    // Finish's first write: the picks of the run.
    startAt: '/picks',
    async prepare(url) {
      return { datasetId: await shared(url), tag: uniqueName('picked') };
    },
    async run(url, { datasetId, tag }) {
      const runId = await selection(url, datasetId!, tag!);
      await waitForRun(url, runId);
    },
    async outcome(url, { datasetId, tag }) {
      const runs = await graphql<{ dataset: { selectionRuns: { items: { resultTagName: string; status: string }[] } } }>(
        url,
        'query ($d: ID!) { dataset(id: $d) { selectionRuns(first: 100) { items { resultTagName status } } } }',
        { d: datasetId },
      );
      const run = runs.data?.dataset.selectionRuns.items.find((r) => r.resultTagName === tag);
      const count = await tagCount(url, datasetId!, tag!);
      if (run?.status === 'SUCCEEDED') expect(count).toBe(5);
      else expect(count).toBeUndefined();
      return run?.status ?? 'no run';
    },
  },
];

interface Row {
  readonly operation: string;
  readonly point: string;
  readonly write: string;
  readonly outcome: string;
  readonly orphanedBitsets: number;
}
const table: Row[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'winnow-crash-'));
  planFile = join(dataDir, 'crash-plan.json');
  await setPlan({ armed: false });
  const dynamo = await startDynamoStandIn({ path: join(dataDir, 'dynamodb') });
  standIns.push(dynamo);
  const s3 = await startS3StandIn({ directory: join(dataDir, 's3') });
  standIns.push(s3);
  const endpoints = { dynamodb: dynamo.endpoint, s3: s3.endpoint };
  ({ clients } = await provisionStandIns(endpoints, { tableName: TABLE, bucketName: BUCKET }));
  const definitionFile = join(dataDir, 'workflow.json');
  await writeFile(definitionFile, JSON.stringify(synthesizeWorkflowDefinition(BUCKET)));
  childConfig = { standIns: endpoints, tableName: TABLE, bucketName: BUCKET, apiKey, tenantId: `tenant-${keyId}`, dataDir, definitionFile };
  current = await startRuntime();
}, 180_000);

afterAll(async () => {
  if (current && current.process.exitCode === null && current.process.signalCode === null) {
    current.process.kill('SIGTERM');
    await current.exited;
  }
  for (const standIn of standIns.reverse()) await standIn.close();
  standIns = [];
  if (table.length) console.log(formatTable(table));
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

function formatTable(rows: readonly Row[]): string {
  const header: Row = { operation: 'operation', point: 'kill', write: 'killed right before', outcome: 'after restart', orphanedBitsets: 0 };
  // Ids shortened to their first 8 characters, so that a row fits a terminal.
  const short = (text: string) => text.replace(/\b([0-9a-f]{8})-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g, '$1');
  const cells = (row: Row) => [row.operation, row.point, short(row.write), row.outcome, row === header ? 'orphaned bitsets (all so far)' : String(row.orphanedBitsets)];
  const all = [header, ...rows].map(cells);
  const widths = all[0]!.map((_, c) => Math.max(...all.map((r) => r[c]!.length)));
  return all.map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join(' | ')).join('\n');
}

/** After a restart: the sweep's commits done, then the invariants. */
async function settledInvariants(): Promise<{ violations: string[]; orphanedBitsets: number }> {
  const deadline = Date.now() + 60_000;
  let state = await snapshot(clients, TABLE, BUCKET);
  while (committing(state) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    state = await snapshot(clients, TABLE, BUCKET);
  }
  return checkInvariants(clients, BUCKET, state);
}

describe('SIGKILL at each write point, then restart', () => {
  for (const operation of OPERATIONS) {
    it(operation.name, { timeout: 600_000 }, async () => {
      // Count the operation's writes.
      const counted = await operation.prepare(current!.url);
      await rm(`${planFile}.log`, { force: true });
      await setPlan({ armed: true, ...(operation.startAt ? { startAt: operation.startAt } : {}) });
      await operation.run(current!.url, counted);
      await setPlan({ armed: false });
      const writes = await countedWrites();
      expect(writes.length, `no write of ${operation.name} was counted`).toBeGreaterThan(0);
      table.push({ operation: operation.name, point: '-', write: `(no crash: ${writes.length} writes)`, outcome: await operation.outcome(current!.url, counted), orphanedBitsets: 0 });

      for (const n of killPoints(writes)) {
        const state = await operation.prepare(current!.url);
        await rm(`${planFile}.log`, { force: true });
        await rm(`${planFile}.killed`, { force: true });
        await setPlan({ armed: true, killBefore: n, ...(operation.startAt ? { startAt: operation.startAt } : {}) });
        const killed = current!;
        // The request dies with the process (or, for a selection, outlives it): either way it ends.
        await operation.run(killed.url, state).catch(() => undefined);
        expect(await Promise.race([killed.exited, new Promise((resolve) => setTimeout(() => resolve('alive'), 60_000))]), `kill point ${n} of ${operation.name} not reached`).toBe('SIGKILL');
        const write = (await readFile(`${planFile}.killed`, 'utf8')).trim();
        await setPlan({ armed: false });
        current = await startRuntime();

        const { violations, orphanedBitsets } = await settledInvariants();
        const outcome = await operation.outcome(current.url, state);
        table.push({ operation: operation.name, point: `${n}/${writes.length}`, write, outcome, orphanedBitsets });
        expect(violations, `after a kill before write ${n} (${write}) of ${operation.name}`).toEqual([]);
      }
    });
  }
});
