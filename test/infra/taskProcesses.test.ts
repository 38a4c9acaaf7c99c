/**
 * With process isolation each workflow task runs in a fresh child process, as on a cold Lambda, so its
 * recorded peak memory is its own: this test process first grows well past what a small task needs
 * (a 768 MB buffer, touched), and every task's peak stays far below this process's — a task that ran
 * in a thread of this process would report at least this process's peak.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../infra/local/runtime.js';
import { createDataset, inlineUpload, lightlyUploadFiles } from '../support/datasets.js';
import { uniqueName } from '../support/graphql.js';
import { startSelection, waitForRun } from '../support/runs.js';
import { startTestRuntime } from '../support/runtime.js';
import { finishedTaskTimings } from '../support/taskTimings.js';

const BALLAST_BYTES = 768e6;
let runtime: LocalRuntime;
let ballast: Buffer | undefined;

beforeAll(async () => {
  runtime = await startTestRuntime({ taskIsolation: 'process', selectBudgetMs: 1 });
  ballast = Buffer.alloc(BALLAST_BYTES, 1);
});
afterAll(async () => {
  ballast = undefined;
  await runtime.stop();
});

describe('tasks in processes of their own', () => {
  it('a selection SUCCEEDS, and each task reports a peak of its own process', { timeout: 120_000 }, async () => {
    const datasetId = await createDataset(runtime.url, uniqueName('isolated'));
    expect((await inlineUpload(runtime.url, datasetId, lightlyUploadFiles({ samples: 40, dim: 6, layout: 'jsonl' }).files)).errors).toBeUndefined();
    const config = { n_samples: 2, strategies: [{ input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY' } }, { input: { type: 'EMBEDDINGS' }, strategy: { type: 'TYPICALITY', num_nearest_neighbors: 4 } }] };
    const started = await startSelection(runtime.url, { d: datasetId, c: config, t: uniqueName('picked') });
    expect(started.errors, JSON.stringify(started.errors)).toBeUndefined();
    const run = await waitForRun(runtime.url, started.data!.startSelection.id);
    expect(run.status, run.failureReason ?? '').toBe('SUCCEEDED');
    expect(ballast![BALLAST_BYTES - 1]).toBe(1);

    const timings = await finishedTaskTimings(runtime.url, run.id);
    expect(timings.map((t) => t.task)).toEqual(['plan', 'shard', 'select', 'select', 'finish']);
    const ownPeakMb = (process.resourceUsage().maxRSS * 1024) / 1e6;
    expect(ownPeakMb).toBeGreaterThan(BALLAST_BYTES / 1e6);
    for (const timing of timings) {
      expect(timing.milliseconds, timing.task).toBeGreaterThan(0);
      expect(timing.peakRssMb, timing.task).toBeGreaterThan(0);
      expect(timing.peakRssMb, `${timing.task} peak against this process's ${ownPeakMb.toFixed(0)} MB`).toBeLessThan(ownPeakMb - BALLAST_BYTES / 2e6);
    }
    console.log(timings.map((t) => `${t.task}${t.shard ?? t.hop ?? ''}: ${t.milliseconds} ms, ${t.peakRssMb} MB`).join('; '));
  });
});
