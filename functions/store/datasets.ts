/**
 * Datasets: the persistence interface and its DynamoDB implementation.
 *
 * A dataset's name is unique within its tenant: the name claim and the dataset record are written in one
 * transaction, so a failed create leaves nothing behind.
 *
 * Deleting (see datasetDeletion.ts) first marks the record (`deletingAt`, and the listing keys removed)
 * and releases the name: from then on the dataset answers NOT_FOUND, is not listed, takes no commits,
 * and its name is free, while the record stays as the handle a retried delete resumes from. The record
 * goes last.
 */
import { randomUUID } from 'node:crypto';
import {
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  QueryCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { AlreadyExistsError, NotFoundError } from './errors.js';
import { decodeCursor, encodeCursor, type Page, type PageRequest } from './pagination.js';
import { queryAllWithPrefix } from './queryAll.js';
import { TABLE_KEYS } from './table.js';
import { writeTransaction, type TransactItem } from './transactions.js';

/** Prefix of every S3 object of a dataset (uploads, columns, manifests, tag bitsets and downloads). */
export const datasetObjectPrefix = (id: string) => `datasets/${id}/`;

export interface Dataset {
  readonly id: string;
  readonly tenantId: string;
  readonly name: string;
  readonly createdAt: string;
  readonly sampleCount: number;
  readonly embeddingDimension?: number;
  /** Number of committed uploads that changed the data; 0 for an empty dataset. */
  readonly version: number;
  /** S3 key of the current manifest (absent while empty). */
  readonly manifestKey?: string;
}

/** What a committed upload changes in the dataset record. */
export interface DatasetVersion {
  readonly version: number;
  readonly manifestKey: string;
  readonly sampleCount: number;
  readonly embeddingDimension: number;
}

export interface DatasetRepository {
  /** Creates an empty dataset; throws {@link AlreadyExistsError} when the tenant has one of that name. */
  create(input: { tenantId: string; name: string }): Promise<Dataset>;
  /** Throws {@link NotFoundError} when the dataset does not exist or belongs to another tenant. */
  get(tenantId: string, id: string): Promise<Dataset>;
  /** The tenant's datasets, oldest first. */
  list(tenantId: string, page: PageRequest): Promise<Page<Dataset>>;
  /**
   * Moves the dataset to a new version if it is still at `expectedVersion`, in one transaction with the
   * `alongside` writes (the upload becoming COMMITTED, `initial-tag`); throws
   * {@link ConcurrentUpdateError} when another commit got there first or an `alongside` condition failed.
   */
  commitVersion(tenantId: string, id: string, expectedVersion: number, next: DatasetVersion, alongside?: readonly TransactItem[]): Promise<Dataset>;
  /**
   * The dataset even while it is being deleted (`deleting` tells); throws {@link NotFoundError} when it
   * does not exist or belongs to another tenant. Only the deletion reads datasets this way.
   */
  getForDeletion(tenantId: string, id: string): Promise<Dataset & { readonly deleting: boolean }>;
  /** The dataset whatever its tenant, or undefined when it is gone or being deleted: for the sweeper only. */
  findAnyTenant(id: string): Promise<Dataset | undefined>;
  /**
   * Hides the dataset from every read, listing and commit, and releases its name. Idempotent, so a
   * retried delete passes through it again.
   */
  markDeleting(tenantId: string, id: string): Promise<void>;
  /** The runs recorded by {@link queryUseItems} (with their run), in no particular order. */
  queryUses(id: string): Promise<string[]>;
  /** Deletes every item stored under the dataset but its record: tags, uploads, idempotency keys. */
  purgeItems(id: string): Promise<number>;
  /** Deletes the (marked) dataset record: the last step of a deletion. */
  remove(id: string): Promise<void>;
}

const datasetKey = (id: string) => ({ pk: `DATASET#${id}`, sk: 'META' });
const QUERY_USE_PREFIX = 'QUERYUSE#';

/**
 * The transaction items that record that selection run `runId`, of another dataset, reads dataset
 * `id`'s embeddings as SIMILARITY queries, so that deleting that dataset is refused while the run is
 * queued or running: a check that the dataset exists and is not being deleted, and the record. They are
 * written with the run itself (store/runs.ts), so no run lacks its records and no record outlives a run
 * that was never created. The record stays until the dataset is deleted: the run's status, not the
 * record, says whether it still reads.
 */
export function queryUseItems(tableName: string, id: string, runId: string): TransactItem[] {
  return [
    { ConditionCheck: { TableName: tableName, Key: datasetKey(id), ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(deletingAt)' } },
    { Put: { TableName: tableName, Item: { pk: datasetKey(id).pk, sk: `${QUERY_USE_PREFIX}${runId}`, runId } } },
  ];
}
const nameClaimKey = (tenantId: string, name: string) => ({
  pk: `TENANT#${tenantId}`,
  sk: `DATASETNAME#${name}`,
});

interface DatasetItem extends Dataset {
  pk: string;
  sk: string;
  /** Absent once the dataset is being deleted (so it drops out of the listing). */
  gsi1pk?: string;
  gsi1sk?: string;
  /** Set when a deletion started; such a dataset is invisible. */
  deletingAt?: string;
}

/** DynamoDB's limit of requests in one BatchWriteItem. */
const BATCH_WRITE_MAX = 25;
const BATCH_WRITE_ATTEMPTS = 8;

function toDataset(item: Record<string, unknown>): Dataset {
  const { id, tenantId, name, createdAt, sampleCount, embeddingDimension, version, manifestKey } =
    item as unknown as DatasetItem;
  return {
    id,
    tenantId,
    name,
    createdAt,
    sampleCount,
    version: version ?? 0,
    ...(embeddingDimension !== undefined ? { embeddingDimension } : {}),
    ...(manifestKey !== undefined ? { manifestKey } : {}),
  };
}

export class DynamoDatasetRepository implements DatasetRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create({ tenantId, name }: { tenantId: string; name: string }): Promise<Dataset> {
    const dataset: Dataset = {
      id: randomUUID(),
      tenantId,
      name,
      createdAt: new Date().toISOString(),
      sampleCount: 0,
      version: 0,
    };
    const item: DatasetItem = {
      ...datasetKey(dataset.id),
      gsi1pk: `TENANT#${tenantId}`,
      gsi1sk: `DATASET#${dataset.createdAt}#${dataset.id}`,
      ...dataset,
    };
    await writeTransaction(
      this.client,
      [
        { Put: { TableName: this.tableName, Item: { ...nameClaimKey(tenantId, name), datasetId: dataset.id }, ConditionExpression: 'attribute_not_exists(pk)' } },
        { Put: { TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' } },
      ],
      { conflict: () => new AlreadyExistsError('dataset', name) },
    );
    return dataset;
  }

  async get(tenantId: string, id: string): Promise<Dataset> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: datasetKey(id), ConsistentRead: true }),
    );
    // Another tenant's dataset is reported exactly like a missing one: its existence is not revealed; one
    // being deleted is already gone as far as readers are concerned.
    if (!Item || Item.tenantId !== tenantId || Item.deletingAt !== undefined) throw new NotFoundError('dataset', id);
    return toDataset(Item);
  }

  async getForDeletion(tenantId: string, id: string): Promise<Dataset & { readonly deleting: boolean }> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: datasetKey(id), ConsistentRead: true }),
    );
    if (!Item || Item.tenantId !== tenantId) throw new NotFoundError('dataset', id);
    return { ...toDataset(Item), deleting: Item.deletingAt !== undefined };
  }

  async findAnyTenant(id: string): Promise<Dataset | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: datasetKey(id), ConsistentRead: true }));
    return Item && Item.deletingAt === undefined ? toDataset(Item) : undefined;
  }

  async markDeleting(tenantId: string, id: string): Promise<void> {
    const current = await this.getForDeletion(tenantId, id);
    // Idempotent: a resumed delete finds the mark (and its name, perhaps taken again since, left alone).
    if (current.deleting) return;
    const { gsi1 } = TABLE_KEYS;
    // The mark and the release of the name in one transaction: never a hidden dataset holding its name.
    await writeTransaction(
      this.client,
      [
        {
          Update: {
            TableName: this.tableName,
            Key: datasetKey(id),
            UpdateExpression: 'SET deletingAt = if_not_exists(deletingAt, :now) REMOVE #gpk, #gsk',
            ConditionExpression: 'attribute_exists(pk) AND tenantId = :tenant',
            ExpressionAttributeNames: { '#gpk': gsi1.partitionKey, '#gsk': gsi1.sortKey },
            ExpressionAttributeValues: { ':now': new Date().toISOString(), ':tenant': tenantId },
          },
        },
        {
          Delete: {
            TableName: this.tableName,
            Key: nameClaimKey(tenantId, current.name),
            ConditionExpression: 'datasetId = :id',
            ExpressionAttributeValues: { ':id': id },
          },
        },
      ],
      { kind: 'dataset', id },
    );
  }

  async queryUses(id: string): Promise<string[]> {
    return (await queryAllWithPrefix(this.client, this.tableName, datasetKey(id).pk, QUERY_USE_PREFIX)).map((item) => item.runId as string);
  }

  async purgeItems(id: string): Promise<number> {
    let deleted = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': datasetKey(id).pk },
          ProjectionExpression: 'pk, sk',
          ExclusiveStartKey: start,
          ConsistentRead: true,
        }),
      );
      const keys = (page.Items ?? []).filter((item) => item.sk !== datasetKey(id).sk);
      for (let i = 0; i < keys.length; i += BATCH_WRITE_MAX) {
        await this.batchDelete(keys.slice(i, i + BATCH_WRITE_MAX));
      }
      deleted += keys.length;
      start = page.LastEvaluatedKey;
    } while (start);
    return deleted;
  }

  async remove(id: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: datasetKey(id) }));
  }

  /** One BatchWriteItem of deletes, resending what DynamoDB left unprocessed (throttling) with a backoff. */
  private async batchDelete(keys: Record<string, unknown>[]): Promise<void> {
    let requests = keys.map((key) => ({ DeleteRequest: { Key: { pk: key.pk, sk: key.sk } } }));
    for (let attempt = 0; requests.length > 0; attempt++) {
      if (attempt === BATCH_WRITE_ATTEMPTS) throw new Error(`DynamoDB left ${requests.length} delete(s) unprocessed after ${attempt} attempts`);
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * 2 ** attempt)));
      const { UnprocessedItems } = await this.client.send(
        new BatchWriteCommand({ RequestItems: { [this.tableName]: requests } }),
      );
      requests = (UnprocessedItems?.[this.tableName] ?? []) as typeof requests;
    }
  }

  async list(tenantId: string, { limit, cursor }: PageRequest): Promise<Page<Dataset>> {
    const { gsi1 } = TABLE_KEYS;
    const partition = `TENANT#${tenantId}`;
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: gsi1.indexName,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: { '#pk': gsi1.partitionKey, '#sk': gsi1.sortKey },
        ExpressionAttributeValues: { ':pk': partition, ':prefix': 'DATASET#' },
        Limit: limit,
        ExclusiveStartKey: decodeCursor(cursor, { [gsi1.partitionKey]: partition }),
      }),
    );
    const nextCursor = encodeCursor(result.LastEvaluatedKey);
    return { items: (result.Items ?? []).map(toDataset), ...(nextCursor ? { nextCursor } : {}) };
  }

  async commitVersion(tenantId: string, id: string, expectedVersion: number, next: DatasetVersion, alongside: readonly TransactItem[] = []): Promise<Dataset> {
    const move: TransactItem = {
      Update: {
        TableName: this.tableName,
        Key: datasetKey(id),
        UpdateExpression: 'SET version = :next, manifestKey = :manifest, sampleCount = :count, embeddingDimension = :dim',
        // A dataset being deleted takes no more commits: its objects are on their way out.
        ConditionExpression: 'tenantId = :tenant AND version = :expected AND attribute_not_exists(deletingAt)',
        ExpressionAttributeValues: {
          ':tenant': tenantId,
          ':expected': expectedVersion,
          ':next': next.version,
          ':manifest': next.manifestKey,
          ':count': next.sampleCount,
          ':dim': next.embeddingDimension,
        },
      },
    };
    await writeTransaction(this.client, [move, ...alongside], { kind: 'dataset', id });
    return this.get(tenantId, id);
  }
}
