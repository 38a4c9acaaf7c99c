/**
 * What a run leaves in S3: under `runs-work/<id>/` its intermediates (the plan's shard list and column
 * snapshot, per-shard static objectives and their summaries, the greedy checkpoint), which a bucket lifecycle rule expires; under `runs/<id>/`
 * what outlives it (the per-pick explanation that the API serves).
 */
import type { BlobStore } from '../store/blobs.js';

export interface PickExplanation {
  readonly rank: number;
  readonly fileName: string;
  readonly score: number;
  readonly objectives: readonly { readonly strategy: number; readonly objective: number }[];
}

export const runKeys = {
  shardList: (runId: string) => `runs-work/${runId}/shards.json`,
  shardObjectives: (runId: string, entry: number, shard: number) => `runs-work/${runId}/static/${entry}/${shard}.f32`,
  /** Beside a shard's static objectives, their summary, for strategies that reduce them per unit (`heavy.reduce`). */
  shardSummary: (runId: string, entry: number, shard: number) => `runs-work/${runId}/static/${entry}/${shard}.summary.json`,
  checkpoint: (runId: string) => `runs-work/${runId}/checkpoint.json`,
  /** The run's snapshot of the columns it reads (snapshot.ts): one object per column, and what they hold. */
  snapshotColumn: (runId: string, column: number) => `runs-work/${runId}/snapshot/${column}.bin`,
  snapshotManifest: (runId: string) => `runs-work/${runId}/snapshot/manifest.json`,
  /** Shards by cluster (clusterShards.ts): the rows' embeddings in cluster order, that order, and the plan. */
  clusterEmbeddings: (runId: string) => `runs-work/${runId}/clusters/embeddings.bin`,
  clusterOrder: (runId: string) => `runs-work/${runId}/clusters/order.bin`,
  clusterPlan: (runId: string) => `runs-work/${runId}/clusters/plan.json`,
  picks: (runId: string) => `runs/${runId}/picks.json`,
};

/** Shard `shard`'s static objectives of one entry (`width` per unit of its `units`), checked for size. */
export async function readShardObjectives(blobs: BlobStore, key: string, shard: number, units: number, width: number): Promise<Float32Array> {
  const bytes = await blobs.get(key);
  if (!bytes || bytes.byteLength !== units * width * 4) throw new Error(`static objectives of shard ${shard} are missing or have a wrong size`);
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

export async function loadPicks(blobs: BlobStore, runId: string): Promise<PickExplanation[]> {
  return (await blobs.getJson<PickExplanation[]>(runKeys.picks(runId))) ?? [];
}
