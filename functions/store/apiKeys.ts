/**
 * API keys. A key is `wn_<keyId>_<secret>`; only its SHA-256 is stored (`APIKEY#<hash>` / `META`, with the
 * tenant), plus `APIKEYID#<keyId>` / `META` pointing at the hash so a key can be revoked by its id. The
 * plaintext is returned once, at creation. The two items are written in one transaction.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NotFoundError } from './errors.js';
import { writeTransaction } from './transactions.js';

/** The key's hash is stored already: the key exists, or existed and was revoked. */
class KeyExistsError extends Error {
  override name = 'KeyExistsError';
}

export interface ApiKeyRecord {
  readonly keyId: string;
  readonly tenantId: string;
  readonly name: string;
  readonly createdAt: string;
  readonly revokedAt?: string;
}

export interface ApiKeyRepository {
  /** Creates a key for a tenant; returns the plaintext (shown once) and the record. */
  create(tenantId: string, name: string): Promise<{ key: string; record: ApiKeyRecord }>;
  /** Stores a key given in plaintext (the local runtime's development key); a no-op when it exists. */
  ensure(key: string, tenantId: string, name: string): Promise<ApiKeyRecord>;
  /** The key's record, or undefined for an unknown or revoked key. */
  authenticate(key: string): Promise<ApiKeyRecord | undefined>;
  revoke(keyId: string): Promise<void>;
}

export const hashKey = (key: string) => createHash('sha256').update(key).digest('hex');
const KEY_FORMAT = /^wn_([0-9a-f]{32})_([A-Za-z0-9_-]{20,})$/;

export function newApiKey(): { keyId: string; key: string } {
  const keyId = randomUUID().replace(/-/g, '');
  return { keyId, key: `wn_${keyId}_${randomBytes(24).toString('base64url')}` };
}

export class DynamoApiKeyRepository implements ApiKeyRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(tenantId: string, name: string): Promise<{ key: string; record: ApiKeyRecord }> {
    const { key } = newApiKey();
    return { key, record: await this.ensure(key, tenantId, name) };
  }

  async ensure(key: string, tenantId: string, name: string): Promise<ApiKeyRecord> {
    const match = KEY_FORMAT.exec(key);
    if (!match) throw new Error('an API key looks like wn_<32 hex digits>_<secret of at least 20 characters>');
    const hash = hashKey(key);
    const record: ApiKeyRecord = { keyId: match[1]!, tenantId, name, createdAt: new Date().toISOString() };
    // Both items or neither: a key that authenticates can always be revoked by its id.
    try {
      await writeTransaction(
        this.client,
        [
          { Put: { TableName: this.tableName, Item: { pk: `APIKEY#${hash}`, sk: 'META', ...record }, ConditionExpression: 'attribute_not_exists(pk)' } },
          { Put: { TableName: this.tableName, Item: { pk: `APIKEYID#${record.keyId}`, sk: 'META', hash } } },
        ],
        { conflict: () => new KeyExistsError() },
      );
    } catch (error) {
      if (error instanceof KeyExistsError) {
        const existing = await this.authenticate(key);
        if (existing) return existing;
        throw new Error('this API key was revoked', { cause: error });
      }
      throw error;
    }
    return record;
  }

  async authenticate(key: string): Promise<ApiKeyRecord | undefined> {
    if (!KEY_FORMAT.test(key)) return undefined;
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { pk: `APIKEY#${hashKey(key)}`, sk: 'META' }, ConsistentRead: true }));
    if (!Item || Item.revokedAt) return undefined;
    const { pk: _pk, sk: _sk, ...record } = Item;
    return record as ApiKeyRecord;
  }

  async revoke(keyId: string): Promise<void> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { pk: `APIKEYID#${keyId}`, sk: 'META' }, ConsistentRead: true }));
    if (!Item) throw new NotFoundError('API key', keyId);
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: `APIKEY#${Item.hash as string}`, sk: 'META' },
          UpdateExpression: 'SET revokedAt = :now',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':now': new Date().toISOString() },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new NotFoundError('API key', keyId);
      throw error;
    }
  }
}
