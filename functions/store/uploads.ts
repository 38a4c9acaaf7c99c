/**
 * Upload records: `DATASET#<id>` / `UPLOAD#<uploadId>`. An upload goes PENDING → COMMITTING →
 * COMMITTED or REJECTED; each step is a conditional update on the previous status, so two commits of
 * one upload cannot both run. An unexpected failure while committing puts it back to PENDING, so the
 * commit can be retried; a validation failure is final (REJECTED, with the reason). A commit that died
 * without either (its process killed: a Lambda timeout, no memory left) leaves the upload COMMITTING
 * with the time it began; once that is older than any commit can run, the commit may be taken over
 * ({@link UploadRepository.retakeCommit}).
 *
 * The file list is not part of the upload's item (an upload holds up to 10,000 files, and one item at
 * most 400 KB): it is kept in `DATASET#<id>` / `UPLOADFILES#<uploadId>#<nnnnn>` items of at most
 * {@link FILE_CHUNK_BYTES} each, written before the upload's item, so a readable upload always has
 * all its files. Upload items from before (files inline) read as they are.
 *
 * Expiry: an upload and its file items carry a TTL ({@link UPLOAD_TTL_DAYS}); a committed upload
 * keeps them for good ({@link UploadRepository.keep}). So abandoned or rejected uploads go by themselves.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, GetCommand, PutCommand, ScanCommand, UpdateCommand, type DynamoDBDocumentClient, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { ConcurrentUpdateError, NotFoundError } from './errors.js';
import { mapLimit } from './mapLimit.js';
import { queryAllWithPrefix } from './queryAll.js';
import type { TransactItem } from './transactions.js';
import { TABLE_KEYS, ttlAfterDays } from './table.js';

/** JSON bytes of file entries per file-list item: well under DynamoDB's 400 KB item limit. */
export const FILE_CHUNK_BYTES = 128 * 1024;
/** Days after which an upload never committed (abandoned, or rejected) is removed. */
export const UPLOAD_TTL_DAYS = 7;

export type UploadStatus = 'PENDING' | 'COMMITTING' | 'COMMITTED' | 'REJECTED';

export interface UploadFile {
  readonly path: string;
  readonly size: number;
  /** Set for files sent in parts. */
  readonly multipartUploadId?: string;
  readonly partSize?: number;
  /** Presigned targets; only on the response that created the upload. */
  readonly url?: string;
  readonly parts?: readonly { readonly partNumber: number; readonly url: string }[];
}

export interface Upload {
  readonly id: string;
  readonly datasetId: string;
  readonly status: UploadStatus;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly files: readonly UploadFile[];
  /** When the current (or last) commit began. */
  readonly commitStartedAt?: string;
  readonly committedAt?: string;
  readonly samplesAdded?: number;
  readonly error?: string;
}

export interface UploadRepository {
  create(upload: Upload): Promise<void>;
  get(datasetId: string, id: string): Promise<Upload>;
  list(datasetId: string): Promise<Upload[]>;
  /**
   * Conditional status change; throws {@link ConcurrentUpdateError} when the upload is not in `from` —
   * or, with `commitStartedAt`, when it is not the commit that began then (another took it over).
   */
  transition(
    datasetId: string,
    id: string,
    from: UploadStatus,
    to: UploadStatus,
    fields?: Partial<Pick<Upload, 'commitStartedAt' | 'committedAt' | 'samplesAdded' | 'error'>>,
    commitStartedAt?: string,
  ): Promise<Upload>;
  /**
   * A new start of a COMMITTING upload's commit, which began at `staleStartedAt` (undefined: an upload
   * committed before commits recorded their start): it begins again at `startedAt`. Throws
   * {@link ConcurrentUpdateError} when the upload moved on meanwhile, or another start came first.
   */
  retakeCommit(datasetId: string, id: string, staleStartedAt: string | undefined, startedAt: string): Promise<Upload>;
  /**
   * The write that ends a commit begun at `commitStartedAt`: COMMITTING → COMMITTED, as one item of the
   * transaction that also moves the dataset to its new manifest (so neither happens without the other).
   */
  committedItem(datasetId: string, id: string, commitStartedAt: string | undefined, fields: Pick<Upload, 'committedAt' | 'samplesAdded'>): TransactItem;
  /** Removes the expiry of a committed upload and its file list (idempotent). */
  keep(datasetId: string, id: string): Promise<void>;
  /** Every upload, of any dataset, COMMITTING with a commit that began before `before` (or at an unknown time). */
  listStaleCommits(before: string): Promise<Upload[]>;
  /**
   * Counts one more sweep of the commit begun at `commitStartedAt` and returns the count; throws
   * {@link ConcurrentUpdateError} when the upload moved on meanwhile.
   */
  countSweep(datasetId: string, id: string, commitStartedAt: string | undefined): Promise<number>;
}

const uploadKey = (datasetId: string, id: string) => ({ pk: `DATASET#${datasetId}`, sk: `UPLOAD#${id}` });
const FILES_PREFIX = 'UPLOADFILES#';
const fileChunkKey = (datasetId: string, id: string, index: number) => ({ pk: `DATASET#${datasetId}`, sk: `${FILES_PREFIX}${id}#${String(index).padStart(5, '0')}` });

/** Stored form of the files: what the commit needs, never the presigned targets. */
type StoredFile = Omit<UploadFile, 'url' | 'parts'>;

/** Files in groups of at most {@link FILE_CHUNK_BYTES} of JSON, in order. */
export function fileChunks(files: readonly UploadFile[]): StoredFile[][] {
  const chunks: StoredFile[][] = [];
  let current: StoredFile[] = [];
  let bytes = 0;
  for (const { url: _url, parts: _parts, ...file } of files) {
    const size = Buffer.byteLength(JSON.stringify(file)) + 1;
    if (current.length > 0 && bytes + size > FILE_CHUNK_BYTES) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(file);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

function toUpload(item: Record<string, unknown>, files?: readonly UploadFile[]): Upload {
  const { pk: _pk, sk: _sk, [TABLE_KEYS.ttl]: _ttl, fileChunkCount: _count, sweeps: _sweeps, ...upload } = item;
  return { ...(upload as unknown as Upload), ...(files ? { files } : {}) };
}

export class DynamoUploadRepository implements UploadRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(upload: Upload): Promise<void> {
    const ttl = ttlAfterDays(UPLOAD_TTL_DAYS, new Date(upload.createdAt));
    const chunks = fileChunks(upload.files);
    // The file list first: the upload's item, written last, is what makes the upload exist.
    const puts = chunks.map((files, index) => ({ PutRequest: { Item: { ...fileChunkKey(upload.datasetId, upload.id, index), files, [TABLE_KEYS.ttl]: ttl } } }));
    const batches = Array.from({ length: Math.ceil(puts.length / 25) }, (_, i) => puts.slice(i * 25, i * 25 + 25));
    await mapLimit(batches, 4, (batch) => this.batchWrite(batch));
    const { files: _files, ...record } = upload;
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...uploadKey(upload.datasetId, upload.id), ...record, fileChunkCount: chunks.length, [TABLE_KEYS.ttl]: ttl },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async get(datasetId: string, id: string): Promise<Upload> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: uploadKey(datasetId, id), ConsistentRead: true }),
    );
    if (!Item) throw new NotFoundError('upload', id);
    return this.withFiles(datasetId, Item);
  }

  async list(datasetId: string): Promise<Upload[]> {
    const pk = `DATASET#${datasetId}`;
    const [items, chunkItems] = await Promise.all([
      queryAllWithPrefix(this.client, this.tableName, pk, 'UPLOAD#'),
      queryAllWithPrefix(this.client, this.tableName, pk, FILES_PREFIX),
    ]);
    // Chunk items sort by upload, then index: concatenated in that order, each upload's files are in order.
    const filesOf = new Map<string, UploadFile[]>();
    for (const chunk of chunkItems) {
      const uploadId = (chunk.sk as string).slice(FILES_PREFIX.length).split('#')[0]!;
      filesOf.set(uploadId, [...(filesOf.get(uploadId) ?? []), ...(chunk.files as UploadFile[])]);
    }
    const uploads = items.map((item) => (item.fileChunkCount === undefined ? toUpload(item) : toUpload(item, filesOf.get(item.id as string) ?? [])));
    return uploads.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  async keep(datasetId: string, id: string): Promise<void> {
    const remove = async (key: Record<string, string>) => {
      try {
        await this.client.send(
          new UpdateCommand({ TableName: this.tableName, Key: key, UpdateExpression: 'REMOVE #ttl', ConditionExpression: 'attribute_exists(pk)', ExpressionAttributeNames: { '#ttl': TABLE_KEYS.ttl } }),
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    };
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: uploadKey(datasetId, id), ConsistentRead: true }));
    const count = typeof Item?.fileChunkCount === 'number' ? Item.fileChunkCount : 0;
    await mapLimit(Array.from({ length: count }, (_, i) => i), 4, (index) => remove(fileChunkKey(datasetId, id, index)));
    await remove(uploadKey(datasetId, id));
  }

  /** The upload with its file list (read from its file items when it has them). */
  private async withFiles(datasetId: string, item: Record<string, unknown>): Promise<Upload> {
    if (item.fileChunkCount === undefined) return toUpload(item);
    const chunks = await queryAllWithPrefix(this.client, this.tableName, `DATASET#${datasetId}`, `${FILES_PREFIX}${item.id as string}#`);
    if (chunks.length !== item.fileChunkCount) throw new Error(`upload ${item.id as string}: ${chunks.length} of ${item.fileChunkCount as number} file-list items found`);
    return toUpload(item, chunks.flatMap((chunk) => chunk.files as UploadFile[]));
  }

  private async batchWrite(requests: NonNullable<ConstructorParameters<typeof BatchWriteCommand>[0]['RequestItems']>[string]): Promise<void> {
    let pending = requests;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * 2 ** attempt) * Math.random()));
      const { UnprocessedItems } = await this.client.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } }));
      pending = UnprocessedItems?.[this.tableName] ?? [];
      if (attempt > 8 && pending.length > 0) throw new Error(`${pending.length} file-list items could not be written`);
    }
  }

  async transition(
    datasetId: string,
    id: string,
    from: UploadStatus,
    to: UploadStatus,
    fields: Partial<Pick<Upload, 'commitStartedAt' | 'committedAt' | 'samplesAdded' | 'error'>> = {},
    commitStartedAt?: string,
  ): Promise<Upload> {
    return this.update(datasetId, id, transitionExpression(from, to, fields, commitStartedAt));
  }

  committedItem(datasetId: string, id: string, commitStartedAt: string | undefined, fields: Pick<Upload, 'committedAt' | 'samplesAdded'>): TransactItem {
    return { Update: { TableName: this.tableName, Key: uploadKey(datasetId, id), ...transitionExpression('COMMITTING', 'COMMITTED', fields, commitStartedAt) } };
  }

  async retakeCommit(datasetId: string, id: string, staleStartedAt: string | undefined, startedAt: string): Promise<Upload> {
    const values: Record<string, unknown> = { ':committing': 'COMMITTING', ':now': startedAt };
    if (staleStartedAt !== undefined) values[':stale'] = staleStartedAt;
    return this.update(datasetId, id, {
      UpdateExpression: 'SET commitStartedAt = :now',
      ConditionExpression: `#status = :committing AND ${staleStartedAt === undefined ? 'attribute_not_exists(commitStartedAt)' : 'commitStartedAt = :stale'}`,
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: values,
    });
  }

  /**
   * A scan with a filter: the sweeper runs every few minutes and stale commits are rare, so a scan that
   * reads only keys and a few attributes is cheaper than an index kept on every upload write.
   */
  async listStaleCommits(before: string): Promise<Upload[]> {
    const found: Upload[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: 'begins_with(sk, :upload) AND #status = :committing AND (attribute_not_exists(commitStartedAt) OR commitStartedAt < :before)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':upload': 'UPLOAD#', ':committing': 'COMMITTING', ':before': before },
          ExclusiveStartKey: start,
          ConsistentRead: true,
        }),
      );
      found.push(...(page.Items ?? []).map((item) => toUpload(item, [])));
      start = page.LastEvaluatedKey;
    } while (start);
    return found;
  }

  async countSweep(datasetId: string, id: string, commitStartedAt: string | undefined): Promise<number> {
    const values: Record<string, unknown> = { ':committing': 'COMMITTING', ':one': 1 };
    if (commitStartedAt !== undefined) values[':began'] = commitStartedAt;
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: uploadKey(datasetId, id),
          UpdateExpression: 'ADD sweeps :one',
          ConditionExpression: `#status = :committing AND ${commitStartedAt === undefined ? 'attribute_not_exists(commitStartedAt)' : 'commitStartedAt = :began'}`,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: values,
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return Attributes!.sweeps as number;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new ConcurrentUpdateError('upload', id);
      throw error;
    }
  }

  /** A conditional update of the upload; a failed condition is a {@link ConcurrentUpdateError}. */
  private async update(datasetId: string, id: string, input: Pick<UpdateCommandInput, 'UpdateExpression' | 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'>): Promise<Upload> {
    try {
      const { Attributes } = await this.client.send(new UpdateCommand({ TableName: this.tableName, Key: uploadKey(datasetId, id), ReturnValues: 'ALL_NEW', ...input }));
      return await this.withFiles(datasetId, Attributes!);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new ConcurrentUpdateError('upload', id);
      throw error;
    }
  }
}

/** A status change conditional on the current status and, when given, on the commit's start (its fence). */
function transitionExpression(
  from: UploadStatus,
  to: UploadStatus,
  fields: Partial<Pick<Upload, 'commitStartedAt' | 'committedAt' | 'samplesAdded' | 'error'>>,
  commitStartedAt: string | undefined,
): { UpdateExpression: string; ConditionExpression: string; ExpressionAttributeNames: Record<string, string>; ExpressionAttributeValues: Record<string, unknown> } {
  const sets = ['#status = :to'];
  const names: Record<string, string> = { '#status': 'status' };
  const values: Record<string, unknown> = { ':to': to, ':from': from };
  // Attribute names go through placeholders: `error` and `status` are DynamoDB reserved words.
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    sets.push(`#${name} = :${name}`);
    names[`#${name}`] = name;
    values[`:${name}`] = value;
  }
  let condition = '#status = :from';
  if (commitStartedAt !== undefined) {
    condition += ' AND #commitStartedAt = :fence';
    names['#commitStartedAt'] = 'commitStartedAt';
    values[':fence'] = commitStartedAt;
  }
  return {
    UpdateExpression: `SET ${sets.join(', ')}`,
    ConditionExpression: condition,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

