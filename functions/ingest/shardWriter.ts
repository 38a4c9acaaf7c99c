/**
 * Turns a stream of validated rows into column shards in S3. Memory is bounded by one shard
 * ({@link SHARD_ROWS} rows): rows are copied into preallocated typed arrays and flushed when the shard
 * is full. The objects go to keys unique to this commit, so nothing is visible until the manifest that
 * names them is committed.
 */
import { randomUUID } from 'node:crypto';
import type { BlobStore, StoredObject } from '../store/blobs.js';
import {
  columnKey,
  float32Bytes,
  float64Bytes,
  int32Bytes,
  SHARD_ROWS,
  type ShardManifest,
} from '../store/columns.js';

/** A per-row column beside the embeddings: `width` values per row, filled from the sample's file name. */
export interface RowColumn {
  readonly name: string;
  readonly type: 'float64' | 'int32' | 'uint8';
  readonly width: number;
  /** Writes the row's `width` values at `target[offset..]`. */
  fill(fileName: string, target: Float64Array | Int32Array | Uint8Array, offset: number): void;
}

type ColumnBuffer = Float64Array | Int32Array | Uint8Array;

function allocate(column: RowColumn, rows: number): ColumnBuffer {
  const length = rows * column.width;
  return column.type === 'float64' ? new Float64Array(length) : column.type === 'int32' ? new Int32Array(length) : new Uint8Array(length);
}

function bytesOf(buffer: ColumnBuffer, length: number): Uint8Array {
  if (buffer instanceof Float64Array) return float64Bytes(buffer.subarray(0, length));
  if (buffer instanceof Int32Array) return int32Bytes(buffer.subarray(0, length));
  return buffer.subarray(0, length);
}

export class ShardWriter {
  readonly shards: ShardManifest[] = [];
  /** Every object written, so a failed commit can remove them. */
  readonly written: string[] = [];
  private readonly raw: Float32Array;
  private readonly normalized: Float32Array;
  private readonly buffers: ColumnBuffer[];
  private fileNames: string[] = [];
  private nextRow: number;
  private readonly pending: Promise<void>[] = [];

  constructor(
    private readonly blobs: BlobStore,
    private readonly datasetId: string,
    readonly dim: number,
    rowStart: number,
    private readonly columns: readonly RowColumn[],
    private readonly shardRows = SHARD_ROWS,
  ) {
    this.nextRow = rowStart;
    this.raw = new Float32Array(shardRows * dim);
    this.normalized = new Float32Array(shardRows * dim);
    this.buffers = columns.map((column) => allocate(column, shardRows));
  }

  /** Rows written so far (absolute index of the next row). */
  get rowEnd(): number {
    return this.nextRow + this.fileNames.length;
  }

  async add(fileName: string, vector: ArrayLike<number>): Promise<void> {
    const i = this.fileNames.length;
    const base = i * this.dim;
    let norm = 0;
    for (let d = 0; d < this.dim; d++) {
      const value = vector[d]!;
      this.raw[base + d] = value;
      norm += value * value;
    }
    // A zero vector has no direction; it stays zero rather than becoming NaN.
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let d = 0; d < this.dim; d++) this.normalized[base + d] = this.raw[base + d]! * scale;
    this.columns.forEach((column, c) => column.fill(fileName, this.buffers[c]!, i * column.width));
    this.fileNames.push(fileName);
    if (this.fileNames.length === this.shardRows) await this.flush();
  }

  /** Writes the last, partial shard and waits for every upload; returns the shards in row order. */
  async finish(): Promise<ShardManifest[]> {
    if (this.fileNames.length > 0) await this.flush();
    await Promise.all(this.pending);
    return this.shards.sort((a, b) => a.rowStart - b.rowStart);
  }

  private async flush(): Promise<void> {
    const rows = this.fileNames.length;
    const shardId = randomUUID();
    const rowStart = this.nextRow;
    // Snapshot the filled parts: the buffers are reused for the next shard while these upload.
    const payloads: [string, Uint8Array][] = [
      ['embeddings.raw', float32Bytes(this.raw.slice(0, rows * this.dim))],
      ['embeddings.normalized', float32Bytes(this.normalized.slice(0, rows * this.dim))],
      ['fileNames', Buffer.from(JSON.stringify(this.fileNames), 'utf8')],
      ...this.columns.map((column, c): [string, Uint8Array] => [
        column.name,
        bytesOf(this.buffers[c]!.slice(0, rows * column.width), rows * column.width),
      ]),
    ];
    this.nextRow += rows;
    this.fileNames = [];
    for (const buffer of this.buffers) buffer.fill(0);
    // At most one shard uploads while the next fills, which bounds memory at two shards.
    await Promise.all(this.pending.splice(0));
    this.pending.push(
      (async () => {
        const columns: Record<string, StoredObject> = {};
        await Promise.all(
          payloads.map(async ([name, bytes]) => {
            const key = columnKey(this.datasetId, shardId, name);
            this.written.push(key);
            columns[name] = await this.blobs.put(key, bytes);
          }),
        );
        this.shards.push({ id: shardId, rowStart, rowCount: rows, columns });
      })(),
    );
  }
}
