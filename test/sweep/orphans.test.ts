/**
 * The sweep deletes orphaned objects only once provably safe: unreferenced in DynamoDB (read after the
 * listing) and older than the grace period. Orphans of each kind are left behind, by a real path where
 * one exists cheaply (a tag record deleted without its bitset, a dataset deleted and then written under)
 * and by writing objects with the S3 client under the keys a dying commit or Finish would leave.
 */
import { randomUUID } from 'node:crypto';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApiKey } from '../../functions/store/apiKeys.js';
import { createAwsClients } from '../../functions/store/aws.js';
import { columnKey, manifestKey } from '../../functions/store/columns.js';
import { deleteDataset } from '../../functions/store/datasetDeletion.js';
import { createStores } from '../../functions/store/stores.js';
import { TagBitset } from '../../functions/store/tagBitset.js';
import { tagBitsKey } from '../../functions/store/tags.js';
import { ORPHAN_GRACE_MS, sweepOrphans } from '../../functions/sweep/orphans.js';
import { startLocalRuntime, type LocalRuntime } from '../../infra/local/runtime.js';
import { createDataset, inlineUpload, lightlyUploadFiles, tagFileNames } from '../support/datasets.js';
import { registerApiKey, uniqueName } from '../support/graphql.js';

const { key, keyId } = newApiKey();
const tenantId = `tenant-${keyId}`;
let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, apiKey: key, tenantId, logRequests: false });
  registerApiKey(runtime.url, key);
}, 60_000);
afterAll(async () => {
  await runtime?.stop();
});

async function allKeys(stores: ReturnType<typeof createStores>): Promise<string[]> {
  const keys: string[] = [];
  let marker: string | undefined;
  do {
    const page = await stores.blobs.listPage('datasets/', marker, 7);
    keys.push(...page.objects.map((object) => object.key));
    marker = page.nextMarker;
  } while (marker);
  return keys.sort();
}

describe('the orphan sweep', () => {
  it('keeps everything within the grace period, then deletes exactly the orphans', { timeout: 120_000 }, async () => {
    const stores = createStores(runtime.env);
    const { files, dataset: truth } = lightlyUploadFiles({ seed: 7, samples: 20, dim: 4, layout: 'jsonl' });
    const datasetId = await createDataset(runtime.url, uniqueName('orphans'));
    expect((await inlineUpload(runtime.url, datasetId, files)).errors).toBeUndefined();
    const dataset = await stores.datasets.get(tenantId, datasetId);
    expect(dataset.version).toBe(1);

    const kept = await stores.tags.create({ datasetId, name: 'kept', bits: TagBitset.fromRows(20, [1, 3, 5]), createdBy: 'user:test' });
    // A crash between a tag record's delete and its bitset's: the record goes, the bitset stays.
    const dropped = await stores.tags.create({ datasetId, name: 'dropped', bits: TagBitset.fromRows(20, [2]), createdBy: 'user:test' });
    await createAwsClients(runtime.env).dynamo.send(new DeleteCommand({ TableName: runtime.env.tableName, Key: { pk: `DATASET#${datasetId}`, sk: 'TAG#dropped' } }));
    // A commit that died before its transaction: a shard and a manifest of the next version; a Finish whose
    // transaction failed: a result tag's bitset.
    const orphanShard = columnKey(datasetId, randomUUID(), 'embeddings.raw');
    const orphanManifest = manifestKey(datasetId, 2, randomUUID());
    const lostManifest = manifestKey(datasetId, 1, randomUUID());
    const orphanResult = tagBitsKey(datasetId, randomUUID());
    for (const orphan of [orphanShard, orphanManifest, lostManifest, orphanResult]) await stores.blobs.put(orphan, new Uint8Array([1, 2, 3]));
    // A dataset deleted while a commit still wrote under it.
    const goneId = await createDataset(runtime.url, uniqueName('gone'));
    await deleteDataset(stores, tenantId, goneId);
    const goneObject = columnKey(goneId, randomUUID(), 'fileNames');
    await stores.blobs.put(goneObject, '[]');

    const orphans = [orphanShard, orphanManifest, lostManifest, orphanResult, tagBitsKey(datasetId, dropped.tagId), goneObject].sort();
    const before = await allKeys(stores);
    expect(before).toEqual(expect.arrayContaining([...orphans, tagBitsKey(datasetId, kept.tagId), dataset.manifestKey!]));

    const within = await sweepOrphans(stores, new Date(Date.now() + ORPHAN_GRACE_MS - 60_000), undefined, 5);
    expect(within).toEqual({ shardObjects: 0, manifests: 0, tagBitsets: 0, deletedDatasetObjects: 0 });
    expect(await allKeys(stores)).toEqual(before);

    const past = await sweepOrphans(stores, new Date(Date.now() + ORPHAN_GRACE_MS + 60_000), undefined, 5);
    expect(past).toEqual({ shardObjects: 1, manifests: 2, tagBitsets: 2, deletedDatasetObjects: 1 });
    expect(await allKeys(stores)).toEqual(before.filter((k) => !orphans.includes(k)));

    // Every referenced object is still there: the dataset reads and selects as before.
    expect(await tagFileNames(runtime.url, datasetId, 'initial-tag')).toEqual(truth.truth.fileNames);
    expect(await tagFileNames(runtime.url, datasetId, 'kept')).toEqual([1, 3, 5].map((row) => truth.truth.fileNames[row]));
    expect([...(await stores.tags.bits(await stores.tags.get(datasetId, 'kept'), 20)).rows()]).toEqual([1, 3, 5]);
  });
});
