/**
 * Upload records: `DATASET#<id>` / `UPLOAD#<uploadId>`. An upload goes PENDING → COMMITTING →
 * COMMITTED or REJECTED; each step is a conditional update on the previous status, so two commits of
 * one upload cannot both run. An unexpected failure while committing puts it back to PENDING, so the
 * commit can be retried; a validation failure is final (REJECTED, with the reason). A commit that died
 * without either (its process killed: a Lambda timeout, no memory left) leaves the upload COMMITTING
 * with the time it began; once that is older than any commit can run, the commit may be taken over
 * ({@link UploadRepository.retakeCommit}).
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { ConcurrentUpdateError, NotFoundError } from './errors.js';
import { queryAllWithPrefix } from './queryAll.js';
import type { TransactItem } from './transactions.js';

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
}

const uploadKey = (datasetId: string, id: string) => ({ pk: `DATASET#${datasetId}`, sk: `UPLOAD#${id}` });

function toUpload(item: Record<string, unknown>): Upload {
  const { pk: _pk, sk: _sk, ...upload } = item;
  return upload as unknown as Upload;
}

export class DynamoUploadRepository implements UploadRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(upload: Upload): Promise<void> {
    const files = upload.files.map(({ url: _url, parts: _parts, ...file }) => file);
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...uploadKey(upload.datasetId, upload.id), ...upload, files },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async get(datasetId: string, id: string): Promise<Upload> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: uploadKey(datasetId, id), ConsistentRead: true }),
    );
    if (!Item) throw new NotFoundError('upload', id);
    return toUpload(Item);
  }

  async list(datasetId: string): Promise<Upload[]> {
    const uploads = (await queryAllWithPrefix(this.client, this.tableName, `DATASET#${datasetId}`, 'UPLOAD#')).map(toUpload);
    return uploads.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
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

  /** A conditional update of the upload; a failed condition is a {@link ConcurrentUpdateError}. */
  private async update(datasetId: string, id: string, input: Pick<UpdateCommandInput, 'UpdateExpression' | 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'>): Promise<Upload> {
    try {
      const { Attributes } = await this.client.send(new UpdateCommand({ TableName: this.tableName, Key: uploadKey(datasetId, id), ReturnValues: 'ALL_NEW', ...input }));
      return toUpload(Attributes!);
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

