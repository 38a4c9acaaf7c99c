/**
 * Upload records: `DATASET#<id>` / `UPLOAD#<uploadId>`. An upload goes PENDING → COMMITTING →
 * COMMITTED or REJECTED; each step is a conditional update on the previous status, so two commits of
 * one upload cannot both run. An unexpected failure while committing puts it back to PENDING, so the
 * commit can be retried; a validation failure is final (REJECTED, with the reason).
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConcurrentUpdateError, NotFoundError } from './errors.js';

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
  readonly committedAt?: string;
  readonly samplesAdded?: number;
  readonly error?: string;
}

export interface UploadRepository {
  create(upload: Upload): Promise<void>;
  get(datasetId: string, id: string): Promise<Upload>;
  list(datasetId: string): Promise<Upload[]>;
  /** Conditional status change; throws {@link ConcurrentUpdateError} when the upload is not in `from`. */
  transition(
    datasetId: string,
    id: string,
    from: UploadStatus,
    to: UploadStatus,
    fields?: Partial<Pick<Upload, 'committedAt' | 'samplesAdded' | 'error'>>,
  ): Promise<Upload>;
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
    const uploads: Upload[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': `DATASET#${datasetId}`, ':prefix': 'UPLOAD#' },
          ExclusiveStartKey: start,
          ConsistentRead: true,
        }),
      );
      uploads.push(...(page.Items ?? []).map(toUpload));
      start = page.LastEvaluatedKey;
    } while (start);
    return uploads.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  async transition(
    datasetId: string,
    id: string,
    from: UploadStatus,
    to: UploadStatus,
    fields: Partial<Pick<Upload, 'committedAt' | 'samplesAdded' | 'error'>> = {},
  ): Promise<Upload> {
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
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: uploadKey(datasetId, id),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: '#status = :from',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toUpload(Attributes!);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new ConcurrentUpdateError('upload', id);
      throw error;
    }
  }
}
