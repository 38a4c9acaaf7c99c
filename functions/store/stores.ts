/**
 * Every repository and the blob store over one set of AWS clients — what a Lambda builds once from its
 * environment (the API, the workflow's tasks, the commit worker).
 */
import { createAwsClients, type AwsClients, type WinnowEnv } from './aws.js';
import { BlobStore } from './blobs.js';
import { DynamoDatapoolRepository } from './datapool.js';
import { DynamoDatasetRepository } from './datasets.js';
import { DynamoRunRepository } from './runs.js';
import { DynamoTagRepository } from './tags.js';
import { DynamoUploadRepository } from './uploads.js';

export interface Stores {
  readonly datasets: DynamoDatasetRepository;
  readonly tags: DynamoTagRepository;
  readonly uploads: DynamoUploadRepository;
  readonly runs: DynamoRunRepository;
  readonly datapools: DynamoDatapoolRepository;
  readonly blobs: BlobStore;
}

export function createStores(env: WinnowEnv, clients: AwsClients = createAwsClients(env)): Stores {
  const blobs = new BlobStore(clients.s3, env.bucketName);
  return {
    datasets: new DynamoDatasetRepository(clients.dynamo, env.tableName),
    tags: new DynamoTagRepository(clients.dynamo, env.tableName, blobs),
    uploads: new DynamoUploadRepository(clients.dynamo, env.tableName),
    runs: new DynamoRunRepository(clients.dynamo, env.tableName),
    datapools: new DynamoDatapoolRepository(clients.dynamo, env.tableName),
    blobs,
  };
}
