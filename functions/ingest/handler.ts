/**
 * The commit Lambda: finishes the commits of large uploads that the API began and handed over by an
 * asynchronous invocation (ingest/commitJobs.ts). Parses the event, delegates, returns.
 */
import { winnowEnvFromProcess } from '../store/aws.js';
import { createStores } from '../store/stores.js';
import { runCommitJob, type CommitJob } from './commitJobs.js';
import type { IngestDeps } from './commitUpload.js';

let cached: IngestDeps | undefined;
const deps = (): IngestDeps => (cached ??= createStores(winnowEnvFromProcess()));

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
