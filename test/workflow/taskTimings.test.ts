/**
 * Every workflow task invocation reports its time and peak memory on the run: a selection over two
 * shards, checkpointing after every pick (three Select hops), returns over GraphQL one entry for Plan,
 * one per shard, one per Select hop (numbered as the state machine called them) and one for Finish.
 * The repository keeps one entry per task invocation: a retried task overwrites its own.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createAwsClients } from '../../functions/store/aws.js';
import { DynamoRunRepository } from '../../functions/store/runs.js';
import { SHARD_ROWS } from '../../functions/store/columns.js';
import type { LocalRuntime } from '../../infra/local/runtime.js';
import type { LocalTaskHandler } from '../../infra/local/stepFunctions.js';
import { commitUpload, createDataset, putUpload } from '../support/datasets.js';
import { uniqueName } from '../support/graphql.js';
import { startSelection, waitForRun } from '../support/runs.js';
import { startTestRuntime } from '../support/runtime.js';
import { clusteredEmbeddingsCsv, finishedTaskTimings } from '../support/taskTimings.js';

const env = inject('winnowEnv');
const runs = new DynamoRunRepository(createAwsClients(env).dynamo, env.tableName);
const ROWS = SHARD_ROWS + 1_000;
let runtime: LocalRuntime;
let datasetId: string;
const selectCalls = new Map<string, number>();

/** Counts the Select invocations per run, as the state machine makes them. */
const wrapTask = (state: string, handler: LocalTaskHandler): LocalTaskHandler =>
  state !== 'Select'
    ? handler
    : (input) => {
        const { runId } = input as { runId: string };
        selectCalls.set(runId, (selectCalls.get(runId) ?? 0) + 1);
        return handler(input);
      };

beforeAll(async () => {
  // A Select budget of 1 ms: every hop makes one pick and checkpoints.
  runtime = await startTestRuntime({ selectBudgetMs: 1, wrapTask });
  datasetId = await createDataset(runtime.url, uniqueName('timings'));
  const { upload, multipart } = await putUpload(runtime.url, datasetId, [{ path: 'embeddings.csv', content: clusteredEmbeddingsCsv(ROWS, 4) }]);
  const committed = await commitUpload(runtime.url, datasetId, upload.id, multipart.length ? multipart : undefined);
  expect(committed.errors, JSON.stringify(committed.errors)).toBeUndefined();
}, 120_000);
afterAll(() => runtime.stop());

describe('task timings', () => {
  it('one entry per plan, shard, Select hop and finish, each with its time and peak memory', { timeout: 120_000 }, async () => {
    const config = {
      n_samples: 3,
      strategies: [{ input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY' } }, { input: { type: 'EMBEDDINGS' }, strategy: { type: 'TYPICALITY', num_nearest_neighbors: 4 } }],
    };
    const started = await startSelection(runtime.url, { d: datasetId, c: config, t: uniqueName('picked') });
    expect(started.errors, JSON.stringify(started.errors)).toBeUndefined();
    const run = await waitForRun(runtime.url, started.data!.startSelection.id);
    expect(run.status, run.failureReason ?? '').toBe('SUCCEEDED');
    expect(run.shardsTotal).toBe(2);

    const timings = await finishedTaskTimings(runtime.url, run.id);
    const hops = selectCalls.get(run.id)!;
    expect(hops).toBeGreaterThanOrEqual(3);
    expect(timings.map((t) => [t.task, t.shard ?? t.hop])).toEqual([
      ['plan', null],
      ['shard', 0],
      ['shard', 1],
      ...Array.from({ length: hops }, (_, hop) => ['select', hop]),
      ['finish', null],
    ]);
    for (const timing of timings) {
      expect(timing.milliseconds, timing.task).toBeGreaterThan(0);
      expect(timing.peakRssMb, timing.task).toBeGreaterThan(0);
    }
  });

  it('keeps one entry per task invocation: a retry overwrites it, and a missing run gets none', async () => {
    const { run } = await runs.create({ id: randomUUID(), tenantId: 't', datasetId: 'd', status: 'QUEUED', config: {}, resultTagName: 'r', createdAt: new Date().toISOString() });
    // Two shards at once: whichever creates the map, both entries are kept.
    await Promise.all([
      runs.recordTaskTiming(run.id, { task: 'shard', shard: 0, milliseconds: 10, peakRssMb: 100 }),
      runs.recordTaskTiming(run.id, { task: 'shard', shard: 1, milliseconds: 11, peakRssMb: 101 }),
    ]);
    await runs.recordTaskTiming(run.id, { task: 'shard', shard: 0, milliseconds: 20, peakRssMb: 200 });
    await runs.recordTaskTiming(run.id, { task: 'select', hop: 0, milliseconds: 30, peakRssMb: 300 });
    expect((await runs.get(run.id)).taskTimings).toEqual({
      'shard#0': { task: 'shard', shard: 0, milliseconds: 20, peakRssMb: 200 },
      'shard#1': { task: 'shard', shard: 1, milliseconds: 11, peakRssMb: 101 },
      'select#0': { task: 'select', hop: 0, milliseconds: 30, peakRssMb: 300 },
    });

    const missing = randomUUID();
    await runs.recordTaskTiming(missing, { task: 'plan', milliseconds: 1, peakRssMb: 1 });
    await expect(runs.get(missing)).rejects.toThrow(/not found|selection run/i);
  });
});
