/** The column source keeps the last embedding matrix read for the next task of the same dataset version. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsClients } from '../../functions/store/aws.js';
import { BlobStore } from '../../functions/store/blobs.js';
import type { DatasetManifest } from '../../functions/store/columns.js';
import { loadColumnSource } from '../../functions/workflow/columnSource.js';
import { createDataset, inlineUpload } from '../support/datasets.js';
import { uniqueName } from '../support/graphql.js';
import { startTestRuntime } from '../support/runtime.js';
import type { LocalRuntime } from '../../infra/local/runtime.js';
import { manifestOfVersion } from '../support/manifests.js';

let runtime: LocalRuntime;
beforeAll(async () => {
  runtime = await startTestRuntime();
});
afterAll(async () => {
  await runtime.stop();
});

const csv = (rows: [string, number, number][]) => `filenames,embedding_0,embedding_1,labels\n${rows.map((r) => `${r.join(',')},0`).join('\n')}\n`;

describe('embedding matrix reuse', () => {
  it('serves one dataset version from memory, reads another version, and reads the first again after it', async () => {
    const blobs = new BlobStore(createAwsClients(runtime.env).s3, runtime.env.bucketName);
    const datasetId = await createDataset(runtime.url, uniqueName('reuse'));
    expect((await inlineUpload(runtime.url, datasetId, [{ path: 'embeddings.csv', content: csv([['a.png', 1, 0], ['b.png', 0, 1]]) }])).errors).toBeUndefined();
    expect((await inlineUpload(runtime.url, datasetId, [{ path: 'embeddings.csv', content: csv([['c.png', 3, 4]]) }])).errors).toBeUndefined();
    const manifest = (version: number) => manifestOfVersion(blobs, datasetId, version);
    const [v1, v2] = [await manifest(1), await manifest(2)];
    const load = async (m: DatasetManifest) => (await loadColumnSource(blobs, datasetId, m, { embeddings: true })).embeddings()!;

    const first = await load(v1);
    expect(await load(v1)).toBe(first);
    const second = await load(v2);
    expect(second).not.toBe(first);
    expect(second.rows).toBe(3);
    expect(Array.from(second.data.subarray(4, 6))).toEqual([Math.fround(0.6), Math.fround(0.8)]);
    const again = await load(v1);
    expect(again).not.toBe(first);
    expect(again.rows).toBe(2);
    expect(Array.from(again.data)).toEqual(Array.from(first.data));
  });
});
