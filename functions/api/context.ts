import type { SFNClient } from '@aws-sdk/client-sfn';
import type { BlobStore } from '../store/blobs.js';
import type { DatasetManifest } from '../store/columns.js';
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
  readonly sfn: SFNClient;
  /** The selection workflow; undefined where none is configured. */
  readonly stateMachineArn: string | undefined;
  /** The dataset's current manifest (empty for an empty dataset), read once per request. */
  manifest(dataset: Dataset): Promise<DatasetManifest>;
}
