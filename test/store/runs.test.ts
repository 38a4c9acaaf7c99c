/**
 * Creating a selection run against the local DynamoDB: the run, its idempotency key and the records of
 * the datasets it reads as SIMILARITY queries are one transaction — all written, or none.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { createAwsClients, type AwsClients } from '../../functions/store/aws.js';
import { DynamoDatasetRepository } from '../../functions/store/datasets.js';
import { ConcurrentUpdateError, NotFoundError } from '../../functions/store/errors.js';
import { DynamoRunRepository, IDEMPOTENCY_KEY_TTL_DAYS, type SelectionRun } from '../../functions/store/runs.js';
import { TABLE_KEYS } from '../../functions/store/table.js';

const env = inject('winnowEnv');
let clients: AwsClients;
let datasets: DynamoDatasetRepository;
let runs: DynamoRunRepository;
const tenantId = `tenant-runs-${randomUUID()}`;

beforeAll(() => {
  clients = createAwsClients(env);
  datasets = new DynamoDatasetRepository(clients.dynamo, env.tableName);
  runs = new DynamoRunRepository(clients.dynamo, env.tableName);
});

const newRun = (datasetId: string): SelectionRun => ({
  id: randomUUID(),
  tenantId,
  datasetId,
  status: 'QUEUED',
  config: {},
  resultTagName: 'picked',
  createdAt: new Date().toISOString(),
});

const itemAt = async (pk: string, sk: string) => (await clients.dynamo.send(new GetCommand({ TableName: env.tableName, Key: { pk, sk }, ConsistentRead: true }))).Item;
const hasItem = async (pk: string, sk: string) => (await itemAt(pk, sk)) !== undefined;

describe('DynamoRunRepository.create', () => {
  it('writes the run with its query-use records and idempotency key, and a repeated key returns the first run', async () => {
    const dataset = await datasets.create({ tenantId, name: `reader-${randomUUID()}` });
    const queries = await datasets.create({ tenantId, name: `queries-${randomUUID()}` });
    const first = newRun(dataset.id);
    const before = Math.floor(Date.now() / 1000);
    expect(await runs.create(first, 'key-1', [queries.id])).toEqual({ run: first, created: true });
    expect(await datasets.queryUses(queries.id)).toEqual([first.id]);
    // The idempotency key expires (DynamoDB's TTL, in epoch seconds) a week on; the run is kept.
    const keyTtl = (await itemAt(`DATASET#${dataset.id}`, 'RUNKEY#key-1'))![TABLE_KEYS.ttl] as number;
    expect(keyTtl - before).toBeGreaterThanOrEqual(IDEMPOTENCY_KEY_TTL_DAYS * 86_400);
    expect(keyTtl - before).toBeLessThan(IDEMPOTENCY_KEY_TTL_DAYS * 86_400 + 60);
    expect((await itemAt(`RUN#${first.id}`, 'META'))![TABLE_KEYS.ttl]).toBeUndefined();

    const repeated = newRun(dataset.id);
    const again = await runs.create(repeated, 'key-1', [queries.id]);
    expect(again.created).toBe(false);
    expect(again.run.id).toBe(first.id);
    // The repeated request wrote nothing: no run, no second query-use record.
    await expect(runs.get(repeated.id)).rejects.toBeInstanceOf(NotFoundError);
    expect(await datasets.queryUses(queries.id)).toEqual([first.id]);
  });

  it('writes nothing and answers CONFLICT when a query dataset is being deleted', async () => {
    const dataset = await datasets.create({ tenantId, name: `reader-${randomUUID()}` });
    const queries = await datasets.create({ tenantId, name: `queries-${randomUUID()}` });
    await datasets.markDeleting(tenantId, queries.id);
    const run = newRun(dataset.id);
    const attempt = runs.create(run, 'key-2', [queries.id]);
    await expect(attempt).rejects.toBeInstanceOf(ConcurrentUpdateError);
    await expect(attempt).rejects.toThrow(`dataset '${queries.id}' was changed by another request`);
    await expect(runs.get(run.id)).rejects.toBeInstanceOf(NotFoundError);
    expect(await hasItem(`DATASET#${dataset.id}`, 'RUNKEY#key-2')).toBe(false);
    expect(await hasItem(`DATASET#${queries.id}`, `QUERYUSE#${run.id}`)).toBe(false);
  });

  it('writes nothing when a query dataset does not exist', async () => {
    const dataset = await datasets.create({ tenantId, name: `reader-${randomUUID()}` });
    const missing = randomUUID();
    const run = newRun(dataset.id);
    await expect(runs.create(run, undefined, [missing])).rejects.toBeInstanceOf(ConcurrentUpdateError);
    await expect(runs.get(run.id)).rejects.toBeInstanceOf(NotFoundError);
    expect(await hasItem(`DATASET#${missing}`, `QUERYUSE#${run.id}`)).toBe(false);
  });
});
