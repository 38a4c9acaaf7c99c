/**
 * Deleting a dataset with everything it owns: its record and name claim, its uploads, tags (records and
 * bitsets), selection runs (records, idempotency keys, their S3 objects) and every S3 object under
 * `datasets/<id>/`.
 *
 * S3 has no transactions, so the
 * order is chosen so that a crash at any point leaves nothing visible that points at missing data, and a
 * retried `deleteDataset` resumes where the first one stopped:
 *
 * 1. Refuse while a selection on the dataset is QUEUED or RUNNING (it reads the dataset's objects), or
 *    one on another dataset that reads this one's embeddings as SIMILARITY queries (recorded when it
 *    started, in the transaction that created the run: `queryUseItems`).
 * 2. Mark the dataset record as deleting and release its name, in one transaction. From here on the dataset answers
 *    NOT_FOUND to every read and is not listed; its name can be taken again; no commit can move it to a
 *    new version. The record itself stays: it is the handle a retried delete finds.
 * 3. Each run: mark it (it answers NOT_FOUND from then on), delete its S3 objects, delete its record.
 * 4. Every object under `datasets/<id>/` (columns, manifests, uploads, tag bitsets, downloads).
 * 5. Every item under the dataset in DynamoDB: tags, uploads, idempotency keys.
 * 6. The dataset record.
 *
 * A selection started in the instant between the check (1) and the mark (2) fails at its first step,
 * since its dataset is gone; its run is deleted with the others, as the runs are listed again after
 * the mark.
 */
import { datasetObjectPrefix, type DatasetRepository } from './datasets.js';
import type { BlobStore } from './blobs.js';
import { DatasetInUseError, NotFoundError } from './errors.js';
import { mapLimit } from './mapLimit.js';
import { runObjectPrefixes, type RunRepository, type SelectionRun } from './runs.js';

export interface DatasetDeletionDeps {
  readonly datasets: DatasetRepository;
  readonly runs: RunRepository;
  readonly blobs: BlobStore;
}

export interface DatasetDeletionOptions {
  /** Keys per S3 listing page (default: S3's maximum, 1,000). */
  readonly pageSize?: number;
}

/** Runs deleted at once: each is a few small requests. */
const RUN_CONCURRENCY = 4;

/**
 * Deletes the tenant's dataset `id`; throws {@link NotFoundError} when there is none (or it is another
 * tenant's) and {@link DatasetInUseError} while selections on it are queued or running.
 */
export async function deleteDataset(deps: DatasetDeletionDeps, tenantId: string, id: string, options: DatasetDeletionOptions = {}): Promise<void> {
  await deps.datasets.getForDeletion(tenantId, id);
  const active = (await allRuns(deps.runs, id)).filter(isActive);
  const reading = await activeQueryReaders(deps, id);
  if (active.length > 0 || reading.length > 0) throw new DatasetInUseError(id, active.map((run) => run.id), reading);

  await deps.datasets.markDeleting(tenantId, id);

  await mapLimit(await allRuns(deps.runs, id), RUN_CONCURRENCY, async (run) => {
    await deps.runs.markDeleting(run.id);
    for (const prefix of runObjectPrefixes(run.id)) await deps.blobs.deletePrefix(prefix, options.pageSize);
    await deps.runs.remove(run.id);
  });
  await deps.blobs.deletePrefix(datasetObjectPrefix(id), options.pageSize);
  await deps.datasets.purgeItems(id);
  await deps.datasets.remove(id);
}

const isActive = (run: SelectionRun) => run.status === 'QUEUED' || run.status === 'RUNNING';

/** The queued or running selections of other datasets that read this one's embeddings as queries. */
async function activeQueryReaders(deps: DatasetDeletionDeps, id: string): Promise<string[]> {
  const runIds = await deps.datasets.queryUses(id);
  const states = await mapLimit(runIds, RUN_CONCURRENCY, async (runId) => {
    try {
      return isActive(await deps.runs.get(runId));
    } catch (error) {
      // A run that is gone (its dataset deleted, or an idempotent retry's unused id) reads nothing.
      if (error instanceof NotFoundError) return false;
      throw error;
    }
  });
  return runIds.filter((_, i) => states[i]);
}

/** Every run of the dataset, whatever its state (a deletion in progress marks but still lists them). */
async function allRuns(runs: RunRepository, datasetId: string): Promise<SelectionRun[]> {
  const all: SelectionRun[] = [];
  let cursor: string | undefined;
  do {
    const page = await runs.listForDataset(datasetId, { limit: 100, ...(cursor ? { cursor } : {}) });
    all.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return all;
}
