/**
 * Nothing stays stuck: the sweeper finds what a process that died mid-way left behind and finishes or
 * ends it.
 *
 * - An upload COMMITTING past its lease ({@link COMMIT_LEASE_MS}): its commit's process ended without a
 *   word (out of memory or time). The first sweeps hand the commit to the commit worker again (which
 *   takes it over and converts it, or rejects it with the reason); after {@link MAX_COMMIT_SWEEPS}, the
 *   upload is REJECTED with a reason saying so, as a commit that keeps dying would only die again.
 * - Selection runs QUEUED or RUNNING when the local runtime starts: their executions lived in the
 *   process that stopped, so they are marked FAILED with a reason (in AWS, Step Functions outlives
 *   any Lambda, and a run's Catch always ends it).
 * - Orphaned objects (column shards and manifests no committed manifest uses, tag bitsets no tag names,
 *   objects of deleted datasets), once provably safe to delete: see orphans.ts.
 */
import type { CommitDispatcher } from '../ingest/commitJobs.js';
import { COMMIT_LEASE_MS } from '../ingest/limits.js';
import type { DatasetRepository } from '../store/datasets.js';
import { ConcurrentUpdateError } from '../store/errors.js';
import type { RunRepository } from '../store/runs.js';
import type { UploadRepository } from '../store/uploads.js';
import { sweepOrphans, type OrphanReport, type OrphanSweepDeps } from './orphans.js';

/** Times a stale commit is handed back to the commit worker before the upload is rejected. */
export const MAX_COMMIT_SWEEPS = 2;

export interface SweepDeps {
  readonly datasets: DatasetRepository;
  readonly uploads: UploadRepository;
  readonly commits: CommitDispatcher;
}

export interface SweepReport {
  readonly retried: readonly string[];
  readonly rejected: readonly string[];
}

/** What a whole sweep did: the stale commits, then the orphans. */
export interface FullSweepReport extends SweepReport {
  readonly orphans: OrphanReport;
}

/** The scheduled sweep: stale commits past their lease, then orphaned objects past their grace period. */
export async function sweep(deps: SweepDeps & OrphanSweepDeps, now = new Date()): Promise<FullSweepReport> {
  const commits = await sweepStaleCommits(deps, now);
  return { ...commits, orphans: await sweepOrphans(deps, now) };
}

export const STALE_COMMIT_REASON = `its commit stopped ${MAX_COMMIT_SWEEPS + 1} times without finishing (the process ran out of memory or time); upload the files again, in smaller parts`;
const GONE_DATASET_REASON = 'its dataset was deleted while it was committing';

/**
 * Sweeps the commits begun more than `leaseMs` before `now`. A process that knows it is the only writer
 * and has just started (the local runtime on its own stores) passes 0: every commit in flight died with
 * the process before it.
 */
export async function sweepStaleCommits(deps: SweepDeps, now = new Date(), leaseMs = COMMIT_LEASE_MS): Promise<SweepReport> {
  const retried: string[] = [];
  const rejected: string[] = [];
  const stale = await deps.uploads.listStaleCommits(new Date(now.getTime() - leaseMs).toISOString());
  for (const upload of stale) {
    try {
      const sweeps = await deps.uploads.countSweep(upload.datasetId, upload.id, upload.commitStartedAt);
      const dataset = await deps.datasets.findAnyTenant(upload.datasetId);
      if (!dataset || sweeps > MAX_COMMIT_SWEEPS) {
        const error = dataset ? STALE_COMMIT_REASON : GONE_DATASET_REASON;
        await deps.uploads.transition(upload.datasetId, upload.id, 'COMMITTING', 'REJECTED', { error }, upload.commitStartedAt);
        rejected.push(upload.id);
        continue;
      }
      await deps.commits.dispatch({ tenantId: dataset.tenantId, datasetId: dataset.id, uploadId: upload.id, multipart: [] });
      retried.push(upload.id);
    } catch (error) {
      // Taken over or finished meanwhile: not stuck after all.
      if (!(error instanceof ConcurrentUpdateError)) throw error;
    }
  }
  return { retried, rejected };
}

export const INTERRUPTED_RUN_REASON = 'the local runtime stopped while the run was in progress; start the selection again';

/** Marks every QUEUED or RUNNING run FAILED with {@link INTERRUPTED_RUN_REASON}; returns their ids. */
export async function failInterruptedRuns(runs: RunRepository, now = new Date()): Promise<string[]> {
  const failed: string[] = [];
  for (const run of await runs.listUnfinished()) {
    try {
      await runs.update(run.id, ['QUEUED', 'RUNNING'], { status: 'FAILED', failureReason: INTERRUPTED_RUN_REASON, finishedAt: now.toISOString() });
      failed.push(run.id);
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError)) throw error;
    }
  }
  return failed;
}
