/** Creates the table and bucket on the stand-ins, as the CDK stack does in the cloud (same keys). */
import { CreateTableCommand, ResourceInUseException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { createAwsClients, type AwsClients, type WinnowEnv } from '../../functions/store/aws.js';
import { TABLE_KEYS } from '../../functions/store/table.js';
import { S3RVER_CREDENTIALS } from './standins.js';

export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  const { partitionKey, sortKey, gsi1 } = TABLE_KEYS;
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [partitionKey, sortKey, gsi1.partitionKey, gsi1.sortKey].map((name) => ({
          AttributeName: name,
          AttributeType: 'S',
        })),
        KeySchema: [
          { AttributeName: partitionKey, KeyType: 'HASH' },
          { AttributeName: sortKey, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: gsi1.indexName,
            KeySchema: [
              { AttributeName: gsi1.partitionKey, KeyType: 'HASH' },
              { AttributeName: gsi1.sortKey, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      }),
    );
  } catch (error) {
    // A persistent (on-disk) store keeps its table across restarts.
    if (!(error instanceof ResourceInUseException)) throw error;
  }
}

export async function ensureBucket(client: S3Client, bucketName: string): Promise<void> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucketName }));
  } catch {
    await client.send(new CreateBucketCommand({ Bucket: bucketName }));
  }
}

/**
 * The environment of resources on running stand-ins, with the table and bucket created: what the local
 * runtime, the test suite and the benchmarks all start from.
 */
export async function provisionStandIns(
  endpoints: { readonly dynamodb: string; readonly s3: string },
  names: { readonly tableName: string; readonly bucketName: string },
): Promise<{ env: WinnowEnv; clients: AwsClients }> {
  const env: WinnowEnv = { region: 'us-east-1', ...names, endpoints, credentials: S3RVER_CREDENTIALS };
  const clients = createAwsClients(env);
  // The document client sends any DynamoDB command; its type only lists the document ones.
  await ensureTable(clients.dynamo as unknown as DynamoDBClient, env.tableName);
  await ensureBucket(clients.s3, env.bucketName);
  return { env, clients };
}
