/**
 * The commit of a successful run: its result tag's record, its SUCCEEDED status and, for a pool run, the
 * pool's update (pool ∪ picks, a history entry, the claim released) are written in ONE DynamoDB
 * transaction — all three or none. The bitsets they point at are written to S3 before it, at keys fixed
 * by the run, so a retried Finish overwrites them and an object no record points at is never read.
 *
 * The transaction's conditions: the run is still RUNNING (a run cancelled right before the commit writes
 * nothing), the tag name is still free, and the run still holds the pool.
 */
import type { BlobStore } from '../store/blobs.js';
import type { CommittedPool, DatapoolRepository } from '../store/datapool.js';
import { ConcurrentUpdateError, TransientError } from '../store/errors.js';
import type { GuardedItem, RunFields, RunRepository, SelectionRun } from '../store/runs.js';
import type { TagBitset } from '../store/tagBitset.js';
import { INITIAL_TAG, tagBitsKey, type TagRepository } from '../store/tags.js';
import { SelectionRunError } from './errors.js';

export interface CommitDeps {
  readonly tags: TagRepository;
  readonly runs: RunRepository;
  readonly blobs: BlobStore;
  readonly datapools?: DatapoolRepository;
}

export interface RunCommit {
  readonly run: SelectionRun;
  /** The result tag's members. */
  readonly bits: TagBitset;
  /** What the run's record gets with SUCCEEDED (summary, timings, ...). */
  readonly fields: RunFields;
  /** A pool run's new pool, already written to S3. */
  readonly pool?: CommittedPool;
}

/** COMMITTED, or CANCELLED when the run was cancelled (or failed) before the commit: nothing was written. */
export async function commitRun(deps: CommitDeps, { run, bits, fields, pool }: RunCommit): Promise<'COMMITTED' | 'CANCELLED'> {
  const { tag, item: tagItem } = await deps.tags.stage(
    { datasetId: run.datasetId, name: run.resultTagName, bits, createdBy: `selection:${run.id}`, parent: `selection from ${run.inputTagName ?? INITIAL_TAG}` },
    run.id,
  );
  const items: GuardedItem[] = [
    { item: tagItem, conflict: () => new SelectionRunError(`tag '${run.resultTagName}' was created by someone else while the selection ran; nothing was written`) },
  ];
  if (pool) {
    if (!deps.datapools) throw new Error('the datapool store is not configured');
    items.push({
      item: deps.datapools.commitItem(run.datasetId, run.id, pool),
      conflict: () => new SelectionRunError('the datapool is no longer reserved for this run (it was reset or taken over); nothing was written'),
    });
  }
  const discardStaged = async () => {
    await deps.blobs.delete(tagBitsKey(run.datasetId, tag.tagId)).catch(() => undefined);
    if (pool) await deps.blobs.delete(pool.bitsKey).catch(() => undefined);
  };
  try {
    await deps.runs.updateWith(run.id, ['RUNNING'], { ...fields, status: 'SUCCEEDED', phase: 'DONE' }, items);
    return 'COMMITTED';
  } catch (error) {
    if (error instanceof SelectionRunError) {
      await discardStaged();
      throw error;
    }
    if (!(error instanceof ConcurrentUpdateError)) throw error; // outcome unknown: the staged objects stay
    const now = await deps.runs.get(run.id);
    if (now.status === 'SUCCEEDED') return 'COMMITTED';
    // Still running: the transaction kept colliding with others; the state machine retries Finish.
    if (now.status === 'RUNNING') throw new TransientError(`the commit of run ${run.id} collided with other writes`);
    await discardStaged();
    return 'CANCELLED';
  }
}
