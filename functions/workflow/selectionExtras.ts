/**
 * What a run adds around the engine for the weekly selection loop: the pre-selection filters' inputs
 * (corrupt samples from the manifest, exact duplicates decided on the raw embeddings) and the datapool
 * (the pool a pool run starts from, pool ∪ picks to commit, releasing the claim of a run that ended).
 * The pool's commit protocol is in store/datapool.ts.
 */
import type { BlobStore } from '../store/blobs.js';
import { ColumnReader, type DatasetManifest } from '../store/columns.js';
import { datapoolBitsKey, type CommittedPool, type DatapoolRepository, type RunStatusOf } from '../store/datapool.js';
import { NotFoundError } from '../store/errors.js';
import { FINAL_STATUSES, type RunRepository, type SelectionRun } from '../store/runs.js';
import { TagBitset } from '../store/tagBitset.js';
import { canonicalRows, type DatapoolOptions, type SelectionConfig } from '../selection/index.js';
import type { SelectionSource } from '../selection/types.js';
import { SelectionRunError } from './errors.js';

/** Entries per list (duplicates, sequences) kept in the run record's summary; counts stay whole. */
export const SUMMARY_LIST_LIMIT = 200;

export interface ExtrasDeps {
  readonly runs: RunRepository;
  readonly blobs: BlobStore;
  readonly datapools?: DatapoolRepository;
}

export const runStatusOf =
  (runs: RunRepository): RunStatusOf =>
  async (runId) => {
    try {
      return (await runs.get(runId)).status;
    } catch (error) {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    }
  };

/** Raw embedding rows of the given rows (ascending), or undefined when some has none. */
export type RawEmbeddingRows = (rows: readonly number[]) => Promise<Float32Array | undefined>;

/** Raw rows read from the dataset's column shards, one shard at a time (only those holding a row). */
const rawRowsFromShards =
  (blobs: BlobStore, manifest: DatasetManifest): RawEmbeddingRows =>
  async (rows) => {
    const dim = manifest.embeddingDimension;
    const raw = new Float32Array(rows.length * dim);
    const reader = new ColumnReader(blobs, manifest);
    let k = 0;
    for (const shard of manifest.shards) {
      const inShard = rows.filter((r) => r >= shard.rowStart && r < shard.rowStart + shard.rowCount);
      if (inShard.length === 0) continue;
      const values = await reader.float32(shard, 'embeddings.raw');
      if (!values) return undefined;
      for (const row of inShard) raw.set(values.subarray((row - shard.rowStart) * dim, (row - shard.rowStart + 1) * dim), (k++) * dim);
    }
    return raw;
  };

/**
 * Duplicate ids on the raw embeddings without holding them all: rows identical as uploaded are identical
 * normalized, so only rows in a group of identical normalized rows are compared raw.
 */
async function rawCanonicalRows(rawRowsOf: RawEmbeddingRows, normalized: ReturnType<SelectionSource['embeddings']>): Promise<Int32Array | undefined> {
  if (!normalized) return undefined;
  const coarse = canonicalRows(normalized);
  const suspects = new Set<number>();
  coarse.forEach((first, row) => {
    if (first !== row) suspects.add(row).add(first);
  });
  const canonical = Int32Array.from({ length: coarse.length }, (_, i) => i);
  if (suspects.size === 0) return canonical;
  const rows = [...suspects].sort((a, b) => a - b);
  const raw = await rawRowsOf(rows);
  if (!raw) return coarse; // no raw column: the normalized rows decide
  const fine = canonicalRows({ rows: rows.length, dim: normalized.dim, data: raw });
  rows.forEach((row, i) => (canonical[row] = rows[fine[i]!]!));
  return canonical;
}

/** The filters' inputs for the engine: corrupt samples and, unless the config turns it off, duplicate ids. */
export async function selectionFilters(
  blobs: BlobStore,
  manifest: DatasetManifest,
  config: SelectionConfig,
  source: SelectionSource & { readonly rawEmbeddingRows?: RawEmbeddingRows },
): Promise<{ corruptRows?: ReadonlyMap<number, string>; canonicalRows?: Int32Array }> {
  const corrupt = (manifest.corruptSamples ?? []).filter((c) => c.row < manifest.rowCount);
  // A run's snapshot brings the raw rows that may be duplicates; otherwise they are read from the shards.
  const rawRowsOf = source.rawEmbeddingRows ?? rawRowsFromShards(blobs, manifest);
  const canonical = config.removeExactDuplicates === false ? undefined : await rawCanonicalRows(rawRowsOf, source.embeddings());
  return {
    ...(corrupt.length > 0 ? { corruptRows: new Map(corrupt.map((c) => [c.row, c.reason])) } : {}),
    ...(canonical ? { canonicalRows: canonical } : {}),
  };
}

export interface RunPool {
  readonly options: DatapoolOptions;
  readonly rows: readonly number[];
}

/** The committed pool a pool run starts from; the run must still hold the claim. */
export async function poolForRun(deps: ExtrasDeps, run: SelectionRun, rowCount: number): Promise<RunPool> {
  if (!deps.datapools) throw new Error('the datapool store is not configured');
  const pool = await deps.datapools.get(run.datasetId, runStatusOf(deps.runs));
  if (pool.activeRunId !== run.id) throw new SelectionRunError('the datapool is no longer reserved for this run (it was reset or taken over)');
  let rows: number[] = [];
  if (pool.bitsKey) {
    const bytes = await deps.blobs.get(pool.bitsKey);
    if (!bytes) throw new Error(`datapool bitset ${pool.bitsKey} is missing`);
    rows = [...TagBitset.fromBytes(pool.rowCount, bytes).rows()].filter((row) => row < rowCount);
  }
  return { rows, options: { rows, ...(run.datapool?.processAll ? {} : { newFrom: pool.newFrom }) } };
}

/**
 * Writes pool ∪ picks to S3 (the same object on a retry), for the run's commit to point the pool at; an
 * object no commit points at is never read.
 */
export async function writePoolBits(deps: ExtrasDeps, run: SelectionRun, pool: RunPool, rowCount: number, picked: readonly number[]): Promise<CommittedPool> {
  const bits = TagBitset.fromRows(rowCount, [...pool.rows, ...picked]);
  const bitsKey = datapoolBitsKey(run.datasetId, run.id);
  await deps.blobs.put(bitsKey, bits.toBytes());
  return { bitsKey, rowCount, count: bits.count(), added: bits.count() - pool.rows.length };
}

/** Releases the pool a pool run held once it has ended (FAILED, CANCELLED); a no-op otherwise. */
export async function releasePoolOfEndedRun(deps: ExtrasDeps, runId: string): Promise<void> {
  let run: SelectionRun;
  try {
    run = await deps.runs.get(runId);
  } catch (error) {
    if (error instanceof NotFoundError) return;
    throw error;
  }
  if (run.datapool && FINAL_STATUSES.includes(run.status)) await deps.datapools?.release(run.datasetId, run.id);
}
