/**
 * Datasets: the persistence interface and its DynamoDB implementation.
 *
 * A dataset's name is unique within its tenant. Without transactions (the local stand-in has none) the
 * name is claimed first with a conditional put and the dataset record written second; if the second
 * write fails the claim is released, so a failed create leaves nothing behind.
 */
import { randomUUID } from 'node:crypto';
import {
  ConditionalCheckFailedException,
} from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { AlreadyExistsError, ConcurrentUpdateError, NotFoundError } from './errors.js';
import { decodeCursor, encodeCursor, type Page, type PageRequest } from './pagination.js';
import { TABLE_KEYS } from './table.js';

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
   * Moves the dataset to a new version if it is still at `expectedVersion`; throws
   * {@link ConcurrentUpdateError} when another commit got there first.
   */
  commitVersion(tenantId: string, id: string, expectedVersion: number, next: DatasetVersion): Promise<Dataset>;
}

const datasetKey = (id: string) => ({ pk: `DATASET#${id}`, sk: 'META' });
const nameClaimKey = (tenantId: string, name: string) => ({
  pk: `TENANT#${tenantId}`,
  sk: `DATASETNAME#${name}`,
});

interface DatasetItem extends Dataset {
  pk: string;
  sk: string;
  gsi1pk: string;
  gsi1sk: string;
}

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
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...nameClaimKey(tenantId, name), datasetId: dataset.id },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new AlreadyExistsError('dataset', name);
      throw error;
    }
    const item: DatasetItem = {
      ...datasetKey(dataset.id),
      gsi1pk: `TENANT#${tenantId}`,
      gsi1sk: `DATASET#${dataset.createdAt}#${dataset.id}`,
      ...dataset,
    };
    try {
      await this.client.send(
        new PutCommand({ TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }),
      );
    } catch (error) {
      await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: nameClaimKey(tenantId, name) }));
      throw error;
    }
    return dataset;
  }

  async get(tenantId: string, id: string): Promise<Dataset> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: datasetKey(id), ConsistentRead: true }),
    );
    // Another tenant's dataset is reported exactly like a missing one: its existence is not revealed.
    if (!Item || Item.tenantId !== tenantId) throw new NotFoundError('dataset', id);
    return toDataset(Item);
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

  async commitVersion(tenantId: string, id: string, expectedVersion: number, next: DatasetVersion): Promise<Dataset> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: datasetKey(id),
          UpdateExpression:
            'SET version = :next, manifestKey = :manifest, sampleCount = :count, embeddingDimension = :dim',
          ConditionExpression: 'tenantId = :tenant AND version = :expected',
          ExpressionAttributeValues: {
            ':tenant': tenantId,
            ':expected': expectedVersion,
            ':next': next.version,
            ':manifest': next.manifestKey,
            ':count': next.sampleCount,
            ':dim': next.embeddingDimension,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toDataset(Attributes!);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new ConcurrentUpdateError('dataset', id);
      throw error;
    }
  }
}
