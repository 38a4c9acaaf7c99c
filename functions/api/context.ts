import type { SFNClient } from '@aws-sdk/client-sfn';
import type { CommitDispatcher } from '../ingest/commitJobs.js';
import type { BlobStore } from '../store/blobs.js';
import type { DatasetManifest } from '../store/columns.js';
import type { DatapoolRepository } from '../store/datapool.js';
import type { Dataset, DatasetRepository } from '../store/datasets.js';
import type { TagRepository } from '../store/tags.js';
import type { RunRepository } from '../store/runs.js';
import type { UploadRepository } from '../store/uploads.js';

/** What every resolver gets: the caller's tenant and the stores. */
export interface ApiContext {
  readonly tenantId: string;
  readonly requestId: string;
  readonly datasets: DatasetRepository;
  readonly tags: TagRepository;
  readonly uploads: UploadRepository;
  readonly blobs: BlobStore;
  readonly runs: RunRepository;
  readonly datapools: DatapoolRepository;
  readonly sfn: SFNClient;
  /** The selection workflow; undefined where none is configured. */
  readonly stateMachineArn: string | undefined;
  /** Where commits of large uploads go (see ingest/commitJobs.ts); undefined: every commit runs in the request. */
  readonly commits: CommitDispatcher | undefined;
  /** Uploads of more bytes than this (all files together) are committed through `commits`. */
  readonly syncCommitBytes: number;
  /** Whether uploads with images may be committed in the request (else through `commits`). */
  readonly syncCommitImages: boolean;
  /** The dataset's current manifest (empty for an empty dataset), read once per request. */
  manifest(dataset: Dataset): Promise<DatasetManifest>;
}
