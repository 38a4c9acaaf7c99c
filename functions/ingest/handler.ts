/**
 * The commit Lambda: finishes the commits of large uploads that the API began and handed over by an
 * asynchronous invocation (ingest/commitJobs.ts). Parses the event, delegates, returns.
 */
import { createAwsClients, winnowEnvFromProcess } from '../store/aws.js';
import { BlobStore } from '../store/blobs.js';
import { DynamoDatasetRepository } from '../store/datasets.js';
import { DynamoTagRepository } from '../store/tags.js';
import { DynamoUploadRepository } from '../store/uploads.js';
import { runCommitJob, type CommitJob } from './commitJobs.js';
import type { IngestDeps } from './commitUpload.js';

let cached: IngestDeps | undefined;
function deps(): IngestDeps {
  if (!cached) {
    const env = winnowEnvFromProcess();
    const clients = createAwsClients(env);
    const blobs = new BlobStore(clients.s3, env.bucketName);
    cached = {
      datasets: new DynamoDatasetRepository(clients.dynamo, env.tableName),
      tags: new DynamoTagRepository(clients.dynamo, env.tableName, blobs),
      uploads: new DynamoUploadRepository(clients.dynamo, env.tableName),
      blobs,
    };
  }
  return cached;
}

export class CommitEventError extends Error {
  override name = 'CommitEventError';
}

function parseJob(event: unknown): CommitJob {
  const e = event as Partial<CommitJob> | null;
  if (!e || typeof e.tenantId !== 'string' || typeof e.datasetId !== 'string' || typeof e.uploadId !== 'string' || !Array.isArray(e.multipart)) {
    throw new CommitEventError('a commit event needs tenantId, datasetId, uploadId (strings) and multipart (an array)');
  }
  return { tenantId: e.tenantId, datasetId: e.datasetId, uploadId: e.uploadId, multipart: e.multipart };
}

export const handler = async (event: unknown): Promise<{ uploadId: string; status: string | undefined }> => {
  const job = parseJob(event);
  const upload = await runCommitJob(deps(), job);
  return { uploadId: job.uploadId, status: upload?.status };
};
