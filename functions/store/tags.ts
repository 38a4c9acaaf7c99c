/**
 * Tags: named sets of a dataset's samples. The record lives in DynamoDB under `DATASET#<id>` /
 * `TAG#<name>` — the name is the key, so a conditional put makes names unique per dataset — and the
 * membership in S3 as a {@link TagBitset} (`datasets/<id>/tags/<tagId>.bits`). The bitset is written
 * first and the record second, so a visible record always points at a complete bitset; a bitset whose
 * record never got written is unreachable garbage, never a half tag.
 *
 * `initial-tag` is every sample of the dataset. It is stored as a record with `allRows` and no bitset, so
 * it follows appends without being rewritten: its membership is all rows of the dataset's current
 * version.
 */
import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { BlobStore } from './blobs.js';
import { AlreadyExistsError, ConcurrentUpdateError, NotFoundError } from './errors.js';
import { decodeCursor, encodeCursor, type Page, type PageRequest } from './pagination.js';
import { TagBitset } from './tagBitset.js';
import { writeTransaction, type TransactItem } from './transactions.js';

export const INITIAL_TAG = 'initial-tag';

export interface Tag {
  readonly datasetId: string;
  readonly tagId: string;
  readonly name: string;
  /** Number of samples in the tag (for `initial-tag`, the dataset's size when it was last read). */
  readonly count: number;
  /** Rows the bitset covers; rows added to the dataset later are not members. */
  readonly rowCount: number;
  readonly createdAt: string;
  /** Who made it: `user:<tenant>`, `selection:<runId>`, `system`. */
  readonly createdBy: string;
  /** What it was made from, in words: `UNION(a, b)`, `file names`, `selection of <tag>`. */
  readonly parent?: string;
  /** True for `initial-tag`: all rows of the dataset, whatever its size. */
  readonly allRows?: boolean;
}

export interface NewTag {
  readonly datasetId: string;
  readonly name: string;
  readonly bits: TagBitset;
  readonly createdBy: string;
  readonly parent?: string;
}

export interface TagRepository {
  /** Throws {@link AlreadyExistsError} when the dataset has a tag of that name. */
  create(tag: NewTag): Promise<Tag>;
  /**
   * Writes the bitset of a tag whose record is written by the caller's transaction, with the record's
   * item (on condition that the name is free). `tagId` fixes the bitset's key, so a retry overwrites it.
   */
  stage(tag: NewTag, tagId: string): Promise<{ tag: Tag; item: TransactItem }>;
  /** The all-rows `initial-tag`; creating it again is a no-op. */
  ensureInitialTag(datasetId: string): Promise<void>;
  /** {@link ensureInitialTag} as one item of a transaction (a commit writes it with the new version). */
  initialTagItem(datasetId: string): TransactItem;
  get(datasetId: string, name: string): Promise<Tag>;
  /** Membership over the dataset's current `sampleCount` rows. */
  bits(tag: Tag, sampleCount: number): Promise<TagBitset>;
  /** Tags in name order (`forward: false`: reversed). */
  list(datasetId: string, page: PageRequest & { readonly forward?: boolean }): Promise<Page<Tag>>;
  rename(datasetId: string, from: string, to: string): Promise<Tag>;
  delete(datasetId: string, name: string): Promise<void>;
}

function initialTag(datasetId: string): Tag {
  return { datasetId, tagId: 'initial', name: INITIAL_TAG, count: 0, rowCount: 0, createdAt: new Date().toISOString(), createdBy: 'system', allRows: true };
}

const tagKey = (datasetId: string, name: string) => ({ pk: `DATASET#${datasetId}`, sk: `TAG#${name}` });
/** Where a tag's bitset lives. */
export const tagBitsKey = (datasetId: string, tagId: string) => `datasets/${datasetId}/tags/${tagId}.bits`;

function tagRecord({ datasetId, name, bits, createdBy, parent }: NewTag, tagId: string): Tag {
  return {
    datasetId,
    tagId,
    name,
    count: bits.count(),
    rowCount: bits.length,
    createdAt: new Date().toISOString(),
    createdBy,
    ...(parent !== undefined ? { parent } : {}),
  };
}

function toTag(item: Record<string, unknown>): Tag {
  const { pk: _pk, sk: _sk, ...tag } = item;
  return tag as unknown as Tag;
}

export class DynamoTagRepository implements TagRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly blobs: BlobStore,
  ) {}

  async create(newTag: NewTag): Promise<Tag> {
    const tag = tagRecord(newTag, randomUUID());
    await this.blobs.put(tagBitsKey(tag.datasetId, tag.tagId), newTag.bits.toBytes());
    try {
      await this.putNew(tag);
    } catch (error) {
      await this.blobs.delete(tagBitsKey(tag.datasetId, tag.tagId));
      throw error;
    }
    return tag;
  }

  async stage(newTag: NewTag, tagId: string): Promise<{ tag: Tag; item: TransactItem }> {
    const tag = tagRecord(newTag, tagId);
    await this.blobs.put(tagBitsKey(tag.datasetId, tag.tagId), newTag.bits.toBytes());
    return { tag, item: { Put: { TableName: this.tableName, Item: { ...tagKey(tag.datasetId, tag.name), ...tag }, ConditionExpression: 'attribute_not_exists(pk)' } } };
  }

  async ensureInitialTag(datasetId: string): Promise<void> {
    try {
      await this.putNew(initialTag(datasetId));
    } catch (error) {
      if (!(error instanceof AlreadyExistsError)) throw error;
    }
  }

  initialTagItem(datasetId: string): TransactItem {
    // An update that sets only missing attributes: creates the tag, or leaves an existing one as it is.
    const tag = initialTag(datasetId);
    const names = Object.keys(tag);
    return {
      Update: {
        TableName: this.tableName,
        Key: tagKey(datasetId, tag.name),
        UpdateExpression: `SET ${names.map((_, i) => `#a${i} = if_not_exists(#a${i}, :v${i})`).join(', ')}`,
        ExpressionAttributeNames: Object.fromEntries(names.map((name, i) => [`#a${i}`, name])),
        ExpressionAttributeValues: Object.fromEntries(names.map((name, i) => [`:v${i}`, tag[name as keyof Tag]])),
      },
    };
  }

  async get(datasetId: string, name: string): Promise<Tag> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: tagKey(datasetId, name), ConsistentRead: true }),
    );
    if (!Item) throw new NotFoundError('tag', name);
    return toTag(Item);
  }

  async bits(tag: Tag, sampleCount: number): Promise<TagBitset> {
    if (tag.allRows) return TagBitset.all(sampleCount);
    const bytes = await this.blobs.get(tagBitsKey(tag.datasetId, tag.tagId));
    if (!bytes) throw new NotFoundError('tag bitset', tag.name);
    return TagBitset.fromBytes(tag.rowCount, bytes);
  }

  async list(datasetId: string, { limit, cursor, forward = true }: PageRequest & { readonly forward?: boolean }): Promise<Page<Tag>> {
    const pk = `DATASET#${datasetId}`;
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': pk, ':prefix': 'TAG#' },
        Limit: limit,
        ExclusiveStartKey: decodeCursor(cursor, { pk }),
        ConsistentRead: true,
        ScanIndexForward: forward,
      }),
    );
    const nextCursor = encodeCursor(result.LastEvaluatedKey);
    return { items: (result.Items ?? []).map(toTag), ...(nextCursor ? { nextCursor } : {}) };
  }

  /**
   * One transaction claims the new name and deletes the old record if it is still the same tag: a reader
   * sees the tag under exactly one name, and no two records ever share a bitset.
   */
  async rename(datasetId: string, from: string, to: string): Promise<Tag> {
    const old = await this.get(datasetId, from);
    const renamed: Tag = { ...old, name: to };
    await writeTransaction(
      this.client,
      [
        { Put: { TableName: this.tableName, Item: { ...tagKey(datasetId, to), ...renamed }, ConditionExpression: 'attribute_not_exists(pk)' } },
        {
          Delete: {
            TableName: this.tableName,
            Key: tagKey(datasetId, from),
            ConditionExpression: 'tagId = :tagId',
            ExpressionAttributeValues: { ':tagId': old.tagId },
          },
        },
      ],
      { conflict: (failed) => (failed.includes(0) ? new AlreadyExistsError('tag', to) : new ConcurrentUpdateError('tag', from)) },
    );
    return renamed;
  }

  async delete(datasetId: string, name: string): Promise<void> {
    let deleted: Record<string, unknown> | undefined;
    try {
      ({ Attributes: deleted } = await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: tagKey(datasetId, name),
          ConditionExpression: 'attribute_exists(pk)',
          ReturnValues: 'ALL_OLD',
        }),
      ));
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new NotFoundError('tag', name);
      throw error;
    }
    const tag = deleted ? toTag(deleted) : undefined;
    // Renames are transactions, so a bitset belongs to exactly one record: once that record is gone, so
    // may the bitset go. A crash between the two leaves an unreferenced bitset, never a tag without one.
    if (tag && !tag.allRows) await this.blobs.delete(tagBitsKey(datasetId, tag.tagId));
  }

  private async putNew(tag: Tag): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...tagKey(tag.datasetId, tag.name), ...tag },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new AlreadyExistsError('tag', tag.name);
      throw error;
    }
  }
}
