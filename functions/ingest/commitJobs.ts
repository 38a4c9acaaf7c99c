/**
 * Commits that outlive an API request. A GraphQL request on API Gateway ends after 29 seconds, and
 * converting a large upload takes longer (1M × 128 embeddings: tens of seconds). So `commitUpload`
 * converts inline only uploads up to `syncCommitBytes`; a larger one is marked COMMITTING and handed to
 * a {@link CommitDispatcher} — in AWS an asynchronous invocation of the commit Lambda (15 minutes),
 * locally the same work in the background of the runtime's process — and the client follows the
 * upload's status (`dataset { uploads { status error } }`) until it is COMMITTED or REJECTED.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { clientOptions, type WinnowEnv } from '../store/aws.js';
import { ConcurrentUpdateError } from '../store/errors.js';
import type { Upload } from '../store/uploads.js';
import { classifyUploadPath } from './layout.js';
import { beginCommit, finishCommit, isRejection, type IngestDeps, type MultipartCompletion } from './commitUpload.js';

/** Uploads up to this many bytes (all files together) are committed within the request by default. */
export const DEFAULT_SYNC_COMMIT_BYTES = 256 * 1024 * 1024;

/**
 * What the stack sets for the API Lambda: a few MiB convert in a few seconds, well inside the gateway's
 * 29 seconds; anything larger, and any upload with images, goes to the commit Lambda.
 */
export const LAMBDA_SYNC_COMMIT_BYTES = 8 * 1024 * 1024;

/** A commit begun by the API (the upload is COMMITTING), for a worker to finish. */
export interface CommitJob {
  readonly tenantId: string;
  readonly datasetId: string;
  readonly uploadId: string;
  readonly multipart: readonly MultipartCompletion[];
}

export interface CommitDispatcher {
  /** Hands the job over; resolves once it is accepted (not done). */
  dispatch(job: CommitJob): Promise<void>;
}

/**
 * Finishes a job: converts the upload if it is still COMMITTING. A delivery of a job already finished
 * (an event retried after its first attempt ended) does nothing. A rejection is final and recorded on
 * the upload, so it is not rethrown (a retry could only reject again); other errors are, so that the
 * invocation fails and is retried (the upload went back to PENDING, so the retry finds nothing to do
 * and the client may commit again).
 */
export async function runCommitJob(deps: IngestDeps, job: CommitJob): Promise<Upload | undefined> {
  const dataset = await deps.datasets.get(job.tenantId, job.datasetId);
  const found = await deps.uploads.get(dataset.id, job.uploadId);
  if (found.status !== 'COMMITTING') return undefined;
  // Each attempt (a retried invocation too) starts the commit again, so that the lease counts from the
  // latest attempt; the attempt that loses that race leaves the upload to the other.
  let upload: Upload;
  try {
    upload = await deps.uploads.retakeCommit(dataset.id, found.id, found.commitStartedAt, new Date().toISOString());
  } catch (error) {
    if (error instanceof ConcurrentUpdateError) return undefined;
    throw error;
  }
  try {
    return await finishCommit(deps, dataset, upload, job.multipart);
  } catch (error) {
    if (isRejection(error)) return deps.uploads.get(dataset.id, upload.id);
    throw error;
  }
}

/**
 * `commitUpload` as the API runs it: inline when there is no dispatcher or the upload is small, else
 * begun here (COMMITTING, returned at once) and finished by the dispatcher's worker.
 */
export async function commitOrDispatch(
  deps: IngestDeps & { readonly commits: CommitDispatcher | undefined; readonly syncCommitBytes: number; readonly syncCommitImages?: boolean },
  tenantId: string,
  datasetId: string,
  uploadId: string,
  multipart: readonly MultipartCompletion[],
): Promise<Upload> {
  const { dataset, upload } = await beginCommit(deps, tenantId, datasetId, uploadId);
  const bytes = upload.files.reduce((sum, f) => sum + f.size, 0);
  const images = upload.files.some((f) => (classifyUploadPath(f.path) as { kind?: string }).kind === 'image');
  const inline = bytes <= deps.syncCommitBytes && (deps.syncCommitImages !== false || !images);
  if (!deps.commits || inline) return finishCommit(deps, dataset, upload, multipart);
  try {
    await deps.commits.dispatch({ tenantId, datasetId: dataset.id, uploadId: upload.id, multipart });
  } catch (error) {
    // Not handed over: back to PENDING, so that the commit can be sent again.
    await deps.uploads.transition(dataset.id, upload.id, 'COMMITTING', 'PENDING', {}, upload.commitStartedAt);
    throw error;
  }
  return upload;
}

/** AWS: an asynchronous (`Event`) invocation of the commit Lambda, which runs {@link runCommitJob}. */
export class LambdaCommitDispatcher implements CommitDispatcher {
  constructor(
    private readonly lambda: LambdaClient,
    private readonly functionName: string,
  ) {}

  /** The dispatcher the environment names (`WINNOW_COMMIT_FUNCTION`), if any. */
  static fromEnv(env: WinnowEnv): LambdaCommitDispatcher | undefined {
    return env.commitFunctionName ? new LambdaCommitDispatcher(new LambdaClient(clientOptions(env, env.endpoints.lambda)), env.commitFunctionName) : undefined;
  }

  async dispatch(job: CommitJob): Promise<void> {
    await this.lambda.send(new InvokeCommand({ FunctionName: this.functionName, InvocationType: 'Event', Payload: Buffer.from(JSON.stringify(job)) }));
  }
}

/**
 * One machine: the job runs in this process, after the request has answered. `idle()` waits for the
 * jobs in flight (the runtime waits for it before stopping its stores).
 */
export class InProcessCommitDispatcher implements CommitDispatcher {
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly deps: IngestDeps,
    private readonly log: (line: string) => void = (line) => console.error(line),
  ) {}

  dispatch(job: CommitJob): Promise<void> {
    const work = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => runCommitJob(this.deps, job))
      .catch((error: unknown) => this.log(JSON.stringify({ level: 'error', message: 'commit failed', uploadId: job.uploadId, error: error instanceof Error ? error.message : String(error) })))
      .finally(() => this.inFlight.delete(work));
    this.inFlight.add(work);
    return Promise.resolve();
  }

  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }
}
