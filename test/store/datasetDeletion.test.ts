/**
 * The paging underneath `deleteDataset`: S3 prefixes deleted page by page (listing with a marker, one
 * batch delete per page), DynamoDB items in batches of 25.
 */
import { randomUUID } from 'node:crypto';
import { ListObjectsCommand } from '@aws-sdk/client-s3';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { createAwsClients, type AwsClients } from '../../functions/store/aws.js';
import { BlobStore } from '../../functions/store/blobs.js';
import { DynamoDatasetRepository } from '../../functions/store/datasets.js';

const env = inject('winnowEnv');
let clients: AwsClients;
let blobs: BlobStore;

beforeAll(() => {
  clients = createAwsClients(env);
  blobs = new BlobStore(clients.s3, env.bucketName);
});

async function keysUnder(prefix: string): Promise<string[]> {
  const page = await clients.s3.send(new ListObjectsCommand({ Bucket: env.bucketName, Prefix: prefix }));
  return (page.Contents ?? []).map((object) => object.Key!);
}

describe('BlobStore.deletePrefix', () => {
  it('deletes every object under the prefix over several pages, and nothing beside it', async () => {
    const root = `datasets/${randomUUID()}`;
    const keys = Array.from({ length: 11 }, (_, i) => `${root}/columns/s${i % 3}/c${i}`);
    for (const key of keys) await blobs.put(key, `object ${key}`);
    // A sibling whose name starts with the same characters but is not under the prefix.
    await blobs.put(`${root}x/keep`, 'keep');

    expect(await blobs.deletePrefix(`${root}/`, 3)).toBe(11);
    expect(await keysUnder(`${root}/`)).toEqual([]);
    expect(await keysUnder(`${root}x/`)).toEqual([`${root}x/keep`]);
    expect(await blobs.deletePrefix(`${root}/`, 3)).toBe(0);
  });

  it('refuses a prefix that is not a folder, which would reach into neighbours', async () => {
    await expect(blobs.deletePrefix('datasets/abc')).rejects.toThrow(/must end with '\/'/);
  });
});

describe('DynamoDatasetRepository.purgeItems', () => {
  it("deletes all of a dataset's items but its record, in batches", async () => {
    const repo = new DynamoDatasetRepository(clients.dynamo, env.tableName);
    const dataset = await repo.create({ tenantId: `tenant-${randomUUID()}`, name: 'many tags' });
    for (let i = 0; i < 60; i++) {
      await clients.dynamo.send(new PutCommand({ TableName: env.tableName, Item: { pk: `DATASET#${dataset.id}`, sk: `TAG#t${i}`, name: `t${i}` } }));
    }
    expect(await repo.purgeItems(dataset.id)).toBe(60);
    const left = await clients.dynamo.send(
      new QueryCommand({ TableName: env.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `DATASET#${dataset.id}` } }),
    );
    expect(left.Items!.map((item) => item.sk)).toEqual(['META']);
  });
});
