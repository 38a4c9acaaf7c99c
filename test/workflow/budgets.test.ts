/**
 * Plan compares a run's size with what the tasks have (memory from the stack's context), so a dataset
 * that cannot fit fails at once, with what to change, instead of as an out-of-memory Lambda later.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TASK_MEMORY_MB, requiredBytes, sizeRefusal, TASK_TIMEOUT_SECONDS, type TaskBudgets } from '../../functions/workflow/budgets.js';
import type { LocalRuntime } from '../../infra/local/runtime.js';
import { createDataset, inlineUpload, lightlyUploadFiles } from '../support/datasets.js';
import { uniqueName } from '../support/graphql.js';
import { startSelection, waitForRun } from '../support/runs.js';
import { startTestRuntime } from '../support/runtime.js';

const budgetsOf = (memoryMb: Partial<Record<'shard' | 'select' | 'finish', number>>): TaskBudgets =>
  Object.fromEntries(
    (['shard', 'select', 'finish'] as const).map((task) => [task, { memoryMb: memoryMb[task] ?? DEFAULT_TASK_MEMORY_MB[task], timeoutSeconds: TASK_TIMEOUT_SECONDS[task] }]),
  );

describe('sizeRefusal', () => {
  it('lets 1M × 128 through on the default memory, and refuses 10M × 768 naming the task and the context key', () => {
    expect(sizeRefusal(budgetsOf({}), 1_000_000, 128)).toBeUndefined();
    const refusal = sizeRefusal(budgetsOf({}), 10_000_000, 768);
    expect(refusal).toMatch(/^the dataset's 10,000,000 rows × 768 dimensions need about [\d,]+ MB in shard, which has 3,008 MB: deploy with more memory \(context shardMemoryMb/);
    // With the most memory Lambda has, 1M × 384 fits (the measured model: about 8,304 MiB in shard).
    expect(sizeRefusal(budgetsOf({ shard: 10_240, select: 10_240, finish: 10_240 }), 1_000_000, 384)).toBeUndefined();
  });

  it('sizes a Shard by the rows it holds: all rows by row range, its clusters’ rows by cluster', () => {
    const big = budgetsOf({ select: 10_240, finish: 10_240 });
    expect(sizeRefusal(big, 5_000_000, 128)).toMatch(/ in shard, which has 3,008 MB/);
    expect(sizeRefusal(big, 5_000_000, 128, { shard: 70_000 })).toBeUndefined();
    expect(sizeRefusal(big, 5_000_000, 128, {})).toBeUndefined();
    expect(sizeRefusal(budgetsOf({}), 10_000_000, 128, { shard: 70_000 })).toMatch(/ in select, which has 3,008 MB/);
    // Plan, where it clusters, holds every row once.
    const planBudget = { ...big, plan: { memoryMb: 1024, timeoutSeconds: 900 } };
    expect(sizeRefusal(planBudget, 5_000_000, 128, { plan: 5_000_000, shard: 70_000 })).toMatch(/ in plan, which has 1,024 MB: deploy with more memory \(context planMemoryMb/);
  });

  it('grows with rows and with the dimension', () => {
    expect(requiredBytes('select', 2_000, 128)).toBeGreaterThan(requiredBytes('select', 1_000, 128));
    expect(requiredBytes('select', 1_000, 256)).toBeGreaterThan(requiredBytes('select', 1_000, 128));
  });
});

describe('Plan with budgets', () => {
  let runtime: LocalRuntime;
  let shardCalls = 0;
  beforeAll(async () => {
    runtime = await startTestRuntime({
      // Select given less than the runtime's own share: no dataset fits.
      taskBudgets: budgetsOf({ select: 128 }),
      wrapTask: (state, handler) => (state === 'Shard' ? (input) => (shardCalls++, handler(input)) : handler),
    });
  });
  afterAll(() => runtime.stop());

  it('refuses a dataset too large for Select before any shard runs: FAILED, with the sizes and what to change', async () => {
    const datasetId = await createDataset(runtime.url, uniqueName('big'));
    expect((await inlineUpload(runtime.url, datasetId, lightlyUploadFiles({ samples: 40, dim: 8, layout: 'jsonl' }).files)).errors).toBeUndefined();
    const started = await startSelection(runtime.url, {
      d: datasetId,
      c: { n_samples: 5, strategies: [{ input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY' } }] },
      t: uniqueName('never'),
    });
    expect(started.errors).toBeUndefined();
    const done = await waitForRun(runtime.url, started.data!.startSelection.id);
    expect(done.status).toBe('FAILED');
    expect(done.failureReason).toMatch(/^the dataset's 40 rows × 8 dimensions need about 221 MB in select, which has 128 MB: deploy with more memory \(context selectMemoryMb, at most 10,240\)/);
    expect(shardCalls).toBe(0);
    expect(done.resultTag ?? null).toBeNull();
  });
});
