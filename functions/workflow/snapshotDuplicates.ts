/**
 * What deciding exact duplicates needs beyond the normalized embeddings, packed into the run's snapshot
 * so Select never reads the dataset's `embeddings.raw` shards: the raw rows of every row that could be
 * in a group of identical normalized rows (selectionExtras.ts decides duplicates on the raw rows).
 *
 * While Plan streams the normalized embeddings it hashes each row ({@link rowHash}); rows whose hash no
 * other row shares cannot have a twin, so only the rest (candidates, usually none) have their raw rows
 * copied. Every suspect Select finds (a row with an identical normalized twin) is a candidate, as
 * identical rows hash alike. A candidate in a shard without a raw column is left out: asked for it,
 * Select decides on the normalized rows, as it does reading the shards.
 */
import { rowHash } from '../selection/index.js';
import { ColumnReader, type DatasetManifest } from '../store/columns.js';
import type { BlobStore } from '../store/blobs.js';
import type { SnapshotReader } from './snapshotReader.js';

export const DUPLICATE_ROWS_COLUMN = 'duplicates/rows';
export const DUPLICATE_RAW_COLUMN = 'duplicates/raw';
const RAW_COLUMN = 'embeddings.raw';

/** Hashes of every row of a matrix that streams past shard by shard. */
export class RowHashes {
  private readonly hashes: Float64Array;
  private next = 0;

  constructor(
    rowCount: number,
    private readonly dim: number,
  ) {
    this.hashes = new Float64Array(rowCount);
  }

  /** Passes the chunks on unchanged; each chunk must hold whole rows. */
  async *tap(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const chunk of chunks) {
      const rowBytes = this.dim * 4;
      if (chunk.byteLength % rowBytes !== 0) throw new Error(`a chunk of ${chunk.byteLength} bytes does not hold whole rows of ${this.dim} floats`);
      const words = chunk.byteOffset % 4 === 0 ? new Uint32Array(chunk.buffer, chunk.byteOffset, chunk.byteLength / 4) : new Uint32Array(chunk.slice().buffer);
      for (let r = 0; r < chunk.byteLength / rowBytes; r++) this.hashes[this.next++] = rowHash(words, r * this.dim, this.dim);
      yield chunk;
    }
  }

  /** Rows (ascending) whose hash another row shares. */
  candidates(): number[] {
    if (this.next !== this.hashes.length) throw new Error(`hashed ${this.next} rows of ${this.hashes.length}`);
    const sorted = Float64Array.from(this.hashes).sort();
    const shared = new Set<number>();
    for (let i = 1; i < sorted.length; i++) if (sorted[i] === sorted[i - 1]) shared.add(sorted[i]!);
    const rows: number[] = [];
    if (shared.size > 0) this.hashes.forEach((hash, row) => shared.has(hash) && rows.push(row));
    return rows;
  }
}

/** The candidates whose shard has raw embeddings (the rows the raw column will hold). */
export function candidatesWithRaw(manifest: DatasetManifest, candidates: readonly number[]): number[] {
  let shard = 0;
  return candidates.filter((row) => {
    while (manifest.shards[shard]!.rowStart + manifest.shards[shard]!.rowCount <= row) shard++;
    return manifest.shards[shard]!.columns[RAW_COLUMN] !== undefined;
  });
}

/** The raw rows of `rows` (ascending, each in a shard with raw embeddings), one shard read at a time. */
export async function* rawRows(blobs: BlobStore, manifest: DatasetManifest, rows: readonly number[]): AsyncGenerator<Uint8Array> {
  const reader = new ColumnReader(blobs, manifest);
  const dim = manifest.embeddingDimension;
  let i = 0;
  for (const shard of manifest.shards) {
    const end = shard.rowStart + shard.rowCount;
    const first = i;
    while (i < rows.length && rows[i]! < end) i++;
    if (i === first) continue;
    const values = (await reader.float32(shard, RAW_COLUMN))!;
    const out = new Float32Array((i - first) * dim);
    for (let k = first; k < i; k++) out.set(values.subarray((rows[k]! - shard.rowStart) * dim, (rows[k]! - shard.rowStart + 1) * dim), (k - first) * dim);
    yield new Uint8Array(out.buffer);
  }
}

/**
 * Raw rows from the snapshot: the rows' raw embeddings in the order asked, or undefined when one of them
 * has none (its shard has no raw column). The candidates are read on the first call only.
 */
export function snapshotRawRows(reader: SnapshotReader): (rows: readonly number[]) => Promise<Float32Array | undefined> {
  let loaded: Promise<{ at: Map<number, number>; dim: number; raw: Float32Array }> | undefined;
  return async (rows) => {
    if (!reader.column(DUPLICATE_ROWS_COLUMN)) return undefined;
    loaded ??= (async () => {
      const candidates = await reader.int32(DUPLICATE_ROWS_COLUMN);
      const raw = await reader.float32Into(DUPLICATE_RAW_COLUMN);
      return { at: new Map(Array.from(candidates, (row, i) => [row, i])), dim: reader.column(DUPLICATE_RAW_COLUMN)!.width, raw };
    })();
    const { at, dim, raw } = await loaded;
    const out = new Float32Array(rows.length * dim);
    for (const [k, row] of rows.entries()) {
      const i = at.get(row);
      if (i === undefined) return undefined;
      out.set(raw.subarray(i * dim, (i + 1) * dim), k * dim);
    }
    return out;
  };
}
