/**
 * Nothing stays stuck across a restart of the local runtime (its own DynamoDB Local and S3 stand-in,
 * persisted in a temporary data directory): a run left RUNNING by the stopped process is FAILED with a
 * reason; an upload left COMMITTING is committed again by the sweep at start — past its lease or within
 * it (its commit died with the process); one whose commit already died after the sweeps allowed is
 * REJECTED with a reason.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { beginCommit } from '../../functions/ingest/commitUpload.js';
import { newApiKey } from '../../functions/store/apiKeys.js';
import { createStores } from '../../functions/store/stores.js';
import { INTERRUPTED_RUN_REASON, MAX_COMMIT_SWEEPS, STALE_COMMIT_REASON } from '../../functions/sweep/sweep.js';
import { startLocalRuntime, type LocalRuntime } from '../../infra/local/runtime.js';
import { createDataset, lightlyUploadFiles, putUpload } from '../support/datasets.js';
import { registerApiKey } from '../support/graphql.js';

const { key, keyId } = newApiKey();
const tenantId = `tenant-${keyId}`;
let dataDir: string | undefined;
let runtime: LocalRuntime | undefined;

async function start(): Promise<LocalRuntime> {
  runtime = await startLocalRuntime({ dataDir, persist: true, port: 0, apiKey: key, tenantId, logRequests: false });
  registerApiKey(runtime.url, key);
  return runtime;
}

afterAll(async () => {
  await runtime?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('the local runtime restarted', () => {
  it('fails interrupted runs with a reason, retries a stale commit, rejects one that kept dying', { timeout: 120_000 }, async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'winnow-restart-'));
    const first = await start();
    const stores = createStores(first.env);
    const longAgo = new Date(Date.now() - 2 * 60 * 60_000);

    const retriedDataset = await createDataset(first.url, `retried-${randomUUID()}`);
    const { upload: retried } = await putUpload(first.url, retriedDataset, lightlyUploadFiles({ seed: 3, samples: 12, dim: 4, layout: 'jsonl' }).files);
    await beginCommit(stores, tenantId, retriedDataset, retried.id, longAgo);

    const rejectedDataset = await createDataset(first.url, `rejected-${randomUUID()}`);
    const { upload: rejected } = await putUpload(first.url, rejectedDataset, lightlyUploadFiles({ seed: 4, samples: 12, dim: 4, layout: 'jsonl' }).files);
    const stale = (await beginCommit(stores, tenantId, rejectedDataset, rejected.id, longAgo)).upload;
    // Sweeps before this one handed the commit back, and it died each time.
    for (let i = 0; i < MAX_COMMIT_SWEEPS; i++) await stores.uploads.countSweep(rejectedDataset, rejected.id, stale.commitStartedAt);

    // Begun just now: within its lease, but its process is gone.
    const freshDataset = await createDataset(first.url, `fresh-${randomUUID()}`);
    const { upload: fresh } = await putUpload(first.url, freshDataset, lightlyUploadFiles({ seed: 5, samples: 9, dim: 4, layout: 'jsonl' }).files);
    await beginCommit(stores, tenantId, freshDataset, fresh.id);

    const runId = randomUUID();
    await stores.runs.create({ id: runId, tenantId, datasetId: retriedDataset, status: 'RUNNING', config: {}, resultTagName: 'never', createdAt: longAgo.toISOString() });
    await first.stop();

    const second = await start();
    const after = createStores(second.env);
    const run = await after.runs.get(runId);
    expect(run).toMatchObject({ status: 'FAILED', failureReason: INTERRUPTED_RUN_REASON });
    expect(run.finishedAt).toBeDefined();

    expect(await after.uploads.get(rejectedDataset, rejected.id)).toMatchObject({ status: 'REJECTED', error: STALE_COMMIT_REASON });
    expect((await after.datasets.get(tenantId, rejectedDataset)).sampleCount).toBe(0);

    let status = '';
    for (let attempt = 0; attempt < 400 && status !== 'COMMITTED'; attempt++) {
      status = (await after.uploads.get(retriedDataset, retried.id)).status;
      if (status === 'COMMITTING') await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(status).toBe('COMMITTED');
    expect((await after.datasets.get(tenantId, retriedDataset)).sampleCount).toBe(12);

    status = '';
    for (let attempt = 0; attempt < 400 && status !== 'COMMITTED'; attempt++) {
      status = (await after.uploads.get(freshDataset, fresh.id)).status;
      if (status === 'COMMITTING') await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(status).toBe('COMMITTED');
    expect((await after.datasets.get(tenantId, freshDataset)).sampleCount).toBe(9);
  });
});
