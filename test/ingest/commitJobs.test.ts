/**
 * Commits in the background (functions/ingest/commitJobs.ts), end to end over GraphQL against a local
 * runtime that commits every upload of more than 0 bytes that way, as the commit Lambda does for large
 * uploads in AWS: `commitUpload` answers COMMITTING at once, the upload then ends COMMITTED with the
 * dataset extended, or REJECTED with the file and line and the dataset as it was. A job delivered again
 * after it finished does nothing, and the Lambda refuses a malformed event. A commit that died (its
 * process killed) blocks the upload only as long as a commit can run; after that a new commit takes it
 * over, and the dead one, were it still running, could neither add its rows nor end the upload.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCommitJob } from '../../functions/ingest/commitJobs.js';
import { beginCommit, finishCommit } from '../../functions/ingest/commitUpload.js';
import { ConcurrentUpdateError } from '../../functions/store/errors.js';
import { CommitEventError, handler } from '../../functions/ingest/handler.js';
import { createStores } from '../../functions/store/stores.js';
import type { LocalRuntime } from '../../infra/local/runtime.js';
import { createDataset, datasetState, lightlyUploadFiles, presignedUpload, putUpload, tagFileNames } from '../support/datasets.js';
import { graphql, uniqueName } from '../support/graphql.js';
import { startTestRuntime } from '../support/runtime.js';

const env = inject('winnowEnv');
const tenantId = uniqueName('tenant-async');
let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await startTestRuntime({ syncCommitBytes: 0, tenantId });
});
afterAll(() => runtime.stop());

interface UploadState {
  id: string;
  status: string;
  samplesAdded: number | null;
  error: string | null;
}

/** Follows the upload until it leaves COMMITTING, as a client does. */
async function settled(datasetId: string, uploadId: string): Promise<UploadState> {
  for (let attempt = 0; attempt < 600; attempt++) {
    const result = await graphql<{ dataset: { upload: UploadState } }>(runtime.url, 'query ($id: ID!, $u: ID!) { dataset(id: $id) { upload(id: $u) { id status samplesAdded error } } }', {
      id: datasetId,
      u: uploadId,
    });
    const upload = result.data!.dataset.upload;
    if (upload.status !== 'COMMITTING') return upload;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`upload ${uploadId} still COMMITTING`);
}

describe('an upload committed in the background', () => {
  it('answers COMMITTING at once, then ends COMMITTED with the rows and initial-tag in place', async () => {
    const datasetId = await createDataset(runtime.url, uniqueName('async'));
    const { files, dataset } = lightlyUploadFiles({ samples: 40, dim: 6, layout: 'jsonl' });
    const { upload, commit } = await presignedUpload(runtime.url, datasetId, files);
    expect(commit.errors).toBeUndefined();
    expect(commit.data!.commitUpload).toMatchObject({ id: upload.id, status: 'COMMITTING', samplesAdded: null });
    expect(await settled(datasetId, upload.id)).toMatchObject({ status: 'COMMITTED', samplesAdded: 40, error: null });
    const state = await datasetState(runtime.url, datasetId);
    expect(state.sampleCount).toBe(40);
    expect(state.embeddingDimension).toBe(6);
    expect(await tagFileNames(runtime.url, datasetId, 'initial-tag')).toEqual(dataset.truth.fileNames);
  });

  it('ends REJECTED with the file and line of the fault, and the dataset exactly as it was', async () => {
    const datasetId = await createDataset(runtime.url, uniqueName('async-bad'));
    const before = await datasetState(runtime.url, datasetId);
    const bad = lightlyUploadFiles({ samples: 10, dim: 4, layout: 'jsonl' });
    const csv = bad.files.find((f) => f.path === 'embeddings.csv')!;
    const lines = csv.content.split('\n');
    lines[3] = lines[3]!.replace(/,[^,]+,/, ',NaN,');
    csv.content = lines.join('\n');
    const { upload, commit } = await presignedUpload(runtime.url, datasetId, bad.files);
    expect(commit.data!.commitUpload.status).toBe('COMMITTING');
    const rejected = await settled(datasetId, upload.id);
    expect(rejected.status).toBe('REJECTED');
    // file:line, then what is wrong and where in the line.
    expect(rejected.error).toMatch(/^embeddings\.csv:4: column 2 \(embedding_0\)/);
    const after = await datasetState(runtime.url, datasetId);
    expect({ ...after, uploads: [] }).toEqual({ ...before, uploads: [] });
    expect(after.sampleCount).toBe(0);
    expect(after.uploads).toEqual([expect.objectContaining({ id: upload.id, status: 'REJECTED' })]);
  });

  it('one upload by id; an unknown id is NOT_FOUND', async () => {
    const datasetId = await createDataset(runtime.url, uniqueName('async-missing'));
    const missing = await graphql(runtime.url, 'query ($id: ID!) { dataset(id: $id) { upload(id: "no-such-upload") { id } } }', { id: datasetId });
    expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('a job delivered again after it finished does nothing', async () => {
    const datasetId = await createDataset(runtime.url, uniqueName('async-again'));
    const { files } = lightlyUploadFiles({ samples: 8, dim: 4, layout: 'jsonl' });
    const { upload } = await presignedUpload(runtime.url, datasetId, files);
    expect(await settled(datasetId, upload.id)).toMatchObject({ status: 'COMMITTED' });
    const deps = createStores(env);
    expect(await runCommitJob(deps, { tenantId, datasetId, uploadId: upload.id, multipart: [] })).toBeUndefined();
    expect((await datasetState(runtime.url, datasetId)).sampleCount).toBe(8);
  });

  it('the commit Lambda refuses an event that is not a commit job, naming what it needs', async () => {
    await expect(handler({ datasetId: 'd' })).rejects.toThrow(CommitEventError);
    await expect(handler(null)).rejects.toThrow(/tenantId, datasetId, uploadId/);
  });
});

describe('a commit that died', () => {
  const deps = createStores(env);
  /** What a killed process leaves: the upload COMMITTING, its commit begun `minutesAgo` minutes ago. */
  async function dead(datasetId: string, uploadId: string, minutesAgo: number): Promise<void> {
    const startedAt = new Date(Date.now() - minutesAgo * 60_000).toISOString();
    await deps.uploads.transition(datasetId, uploadId, 'PENDING', 'COMMITTING', { commitStartedAt: startedAt });
  }
  const commitMutation = 'mutation ($d: ID!, $u: ID!) { commitUpload(datasetId: $d, uploadId: $u) { id status samplesAdded commitStartedAt } }';

  it('blocks a new commit while it could still be running, saying until when; then the upload can be committed again', async () => {
    const datasetId = await createDataset(runtime.url, uniqueName('async-dead'));
    const { files } = lightlyUploadFiles({ samples: 12, dim: 4, layout: 'jsonl' });
    const { upload } = await putUpload(runtime.url, datasetId, files);

    // Died 5 minutes ago: it might still be running (a commit may take 15), so a new commit is refused.
    await dead(datasetId, upload.id, 5);
    const refused = await graphql(runtime.url, commitMutation, { d: datasetId, u: upload.id });
    expect(refused.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect(refused.errors?.[0]?.message).toMatch(/is COMMITTING since .*can be committed again/);
    expect((await datasetState(runtime.url, datasetId)).sampleCount).toBe(0);

    // 20 minutes ago: no commit runs that long, so this one takes it over and finishes it.
    await deps.uploads.retakeCommit(datasetId, upload.id, (await deps.uploads.get(datasetId, upload.id)).commitStartedAt, new Date(Date.now() - 20 * 60_000).toISOString());
    const retaken = await graphql<{ commitUpload: { status: string; commitStartedAt: string } }>(runtime.url, commitMutation, { d: datasetId, u: upload.id });
    expect(retaken.errors).toBeUndefined();
    expect(Date.now() - Date.parse(retaken.data!.commitUpload.commitStartedAt)).toBeLessThan(60_000);
    expect(await settled(datasetId, upload.id)).toMatchObject({ status: 'COMMITTED', samplesAdded: 12 });
    expect((await datasetState(runtime.url, datasetId)).sampleCount).toBe(12);
  });

  it('a commit that was taken over cannot add its rows nor end the upload; the one that took over can', async () => {
    const datasetId = await createDataset(runtime.url, uniqueName('async-overtaken'));
    const { files } = lightlyUploadFiles({ samples: 9, dim: 4, layout: 'jsonl' });
    const { upload } = await putUpload(runtime.url, datasetId, files);

    const first = await beginCommit(deps, tenantId, datasetId, upload.id);
    // Seventeen minutes later, as far as the lease can tell, a second commit takes over.
    const second = await beginCommit(deps, tenantId, datasetId, upload.id, new Date(Date.now() + 17 * 60_000));
    expect(second.upload.commitStartedAt).not.toBe(first.upload.commitStartedAt);
    await expect(finishCommit(deps, first.dataset, first.upload)).rejects.toThrow(ConcurrentUpdateError);
    expect((await datasetState(runtime.url, datasetId)).sampleCount).toBe(0);
    expect((await deps.uploads.get(datasetId, upload.id)).status).toBe('COMMITTING');
    expect(await finishCommit(deps, second.dataset, second.upload)).toMatchObject({ status: 'COMMITTED', samplesAdded: 9 });
    expect((await datasetState(runtime.url, datasetId)).sampleCount).toBe(9);
  });
});
