/**
 * Turns the stream of embedding rows of an upload into column shards in S3. Memory is bounded by three
 * shards' raw embeddings ({@link SHARD_ROWS} rows each), whatever the file size: rows are copied into a
 * preallocated Float32Array; a full shard hands that array to its upload and the next shard fills
 * another while earlier ones upload ({@link ShardWriter.drain} holds the caller back while two are
 * uploading). The unit-norm copy is made in place, after the raw values have been stored, so a shard
 * never needs two arrays. Objects go to keys unique to this commit, so nothing is visible until the manifest that
 * names them is committed.
 *
 * Per-row columns that come from smaller files (metadata, predictions) are added afterwards with
 * {@link ShardWriter.addColumn}, sliced along the same shard boundaries.
 */
import { randomUUID } from 'node:crypto';
import type { BlobStore, StoredObject } from '../store/blobs.js';
import { columnKey, float32Bytes, SHARD_ROWS, thumbnailKey, type ShardManifest } from '../store/columns.js';

interface MutableShard {
  id: string;
  rowStart: number;
  rowCount: number;
  objectCount?: Record<string, number>;
  columns: Record<string, StoredObject>;
}

export class ShardWriter {
  /** Every object written, so a failed commit can remove them. */
  readonly written: string[] = [];
  private readonly shards: MutableShard[] = [];
  /** Raw values of the shard being filled. */
  private raw: Float32Array;
  /**
   * Arrays of shards whose uploads are done, for the next shards to fill. Reusing them keeps the memory
   * of a commit at about three shard arrays however many shards there are: fresh arrays would be
   * collected only when the garbage collector gets to them, and a 1M-row file makes 16 of 33 MB each.
   */
  private readonly spare: Float32Array[] = [];
  private fileNames: string[] = [];
  private shardStart: number;
  private uploading: Promise<void> = Promise.resolve();
  private uploadsInFlight = 0;

  constructor(
    private readonly blobs: BlobStore,
    private readonly datasetId: string,
    readonly dim: number,
    /** Absolute row of the first row this writer adds. */
    readonly rowStart: number,
    private readonly shardRows = SHARD_ROWS,
  ) {
    this.shardStart = rowStart;
    this.raw = new Float32Array(shardRows * dim);
  }

  /** Number of rows added. */
  get rowCount(): number {
    return this.shardStart - this.rowStart + this.fileNames.length;
  }

  /** Adds a row; `vector` may be a reused buffer. Call {@link drain} regularly to apply back-pressure. */
  add(fileName: string, vector: Float32Array): void {
    this.addRows([fileName], vector);
  }

  /** Adds consecutive rows: `values` holds `fileNames.length` rows one after the other (may be reused). */
  addRows(fileNames: readonly string[], values: Float32Array): void {
    const dim = this.dim;
    for (let done = 0; done < fileNames.length; ) {
      if (this.raw.length === 0) this.raw = this.spare.pop() ?? new Float32Array(this.shardRows * dim);
      const n = Math.min(fileNames.length - done, this.shardRows - this.fileNames.length);
      this.raw.set(values.subarray(done * dim, (done + n) * dim), this.fileNames.length * dim);
      for (let k = done; k < done + n; k++) this.fileNames.push(fileNames[k]!);
      done += n;
      if (this.fileNames.length === this.shardRows) this.seal();
    }
  }

  /** When more than one shard is uploading, waits for the uploads. */
  async drain(): Promise<void> {
    if (this.uploadsInFlight > 1) await this.uploading;
  }

  /** Writes the last, partial shard and waits for every upload. */
  async finishEmbeddings(): Promise<void> {
    if (this.fileNames.length > 0) this.seal();
    await this.uploading;
    // No more rows: the shard arrays are garbage now, not something to keep for the later phases.
    this.spare.length = 0;
    this.raw = new Float32Array(0);
  }

  /**
   * Writes one per-row column of this writer's rows (`width` values per row), sliced along the shard
   * boundaries. Call after {@link finishEmbeddings}.
   */
  async addColumn(name: string, values: Float64Array | Int32Array | Uint8Array | Float32Array, width = 1): Promise<void> {
    await Promise.all(
      this.shards.map(async (shard) => {
        const start = (shard.rowStart - this.rowStart) * width;
        const slice = values.subarray(start, start + shard.rowCount * width);
        await this.putColumn(shard, name, new Uint8Array(slice.buffer, slice.byteOffset, slice.byteLength));
      }),
    );
  }

  /**
   * Writes per-object columns: objects are assigned to the shard of their sample's row. `sampleRow` holds
   * absolute rows; `columns` are per-object arrays with the given widths.
   */
  async addObjectColumns(
    task: string,
    sampleRow: Int32Array,
    columns: Record<string, { values: Float32Array | Int32Array; width: number }>,
  ): Promise<void> {
    await Promise.all(
      this.shards.map(async (shard) => {
        const members: number[] = [];
        for (let v = 0; v < sampleRow.length; v++) {
          const row = sampleRow[v]!;
          if (row >= shard.rowStart && row < shard.rowStart + shard.rowCount) members.push(v);
        }
        (shard.objectCount ??= {})[task] = members.length;
        await Promise.all(
          Object.entries(columns).map(async ([name, { values, width }]) => {
            const out = values instanceof Float32Array ? new Float32Array(members.length * width) : new Int32Array(members.length * width);
            members.forEach((v, i) => out.set(values.subarray(v * width, (v + 1) * width), i * width));
            await this.putColumn(shard, `objects/${task}/${name}`, new Uint8Array(out.buffer));
          }),
        );
      }),
    );
  }

  /**
   * Stores the thumbnail of one sample (absolute `row`) beside its shard. The rows that have one are
   * recorded by the caller in the `thumbnail` column.
   */
  async putThumbnail(row: number, bytes: Uint8Array, contentType: string): Promise<void> {
    const shard = this.shards.find((s) => row >= s.rowStart && row < s.rowStart + s.rowCount);
    if (!shard) throw new RangeError(`row ${row} is not among this writer's rows`);
    const key = thumbnailKey(this.datasetId, shard.id, row);
    this.written.push(key);
    await this.blobs.put(key, bytes, contentType);
  }

  /** The shards written, in row order. */
  manifests(): ShardManifest[] {
    return [...this.shards].sort((a, b) => a.rowStart - b.rowStart);
  }

  private seal(): void {
    const rows = this.fileNames.length;
    const shard: MutableShard = { id: randomUUID(), rowStart: this.shardStart, rowCount: rows, columns: {} };
    this.shards.push(shard);
    const array = this.raw;
    const values = array.subarray(0, rows * this.dim);
    const fileNames = this.fileNames;
    // The next shard's array is allocated by its first row (none after the last shard).
    this.raw = new Float32Array(0);
    this.shardStart += rows;
    this.fileNames = [];
    this.uploadsInFlight++;
    const previous = this.uploading;
    const upload = (async () => {
      await Promise.all([
        this.putColumn(shard, 'embeddings.raw', float32Bytes(values)),
        this.putColumn(shard, 'fileNames', Buffer.from(JSON.stringify(fileNames), 'utf8')),
      ]);
      // The raw values are stored (and checksummed): their array becomes the unit-norm copy.
      normalizeInPlace(values, this.dim);
      await this.putColumn(shard, 'embeddings.normalized', float32Bytes(values));
      this.spare.push(array);
    })().finally(() => {
      this.uploadsInFlight--;
    });
    this.uploading = Promise.all([previous, upload]).then(() => undefined);
    // A failure surfaces at the next drain/finish; until then it must not count as unhandled.
    this.uploading.catch(() => undefined);
  }

  /** After a failure: waits for uploads in flight (ignoring their errors) so every written key is known. */
  async settle(): Promise<void> {
    await this.uploading.catch(() => undefined);
  }

  private async putColumn(shard: MutableShard, name: string, bytes: Uint8Array): Promise<void> {
    const key = columnKey(this.datasetId, shard.id, name);
    this.written.push(key);
    shard.columns[name] = await this.blobs.put(key, bytes);
  }
}

/** Scales each row to unit L2 norm; a zero vector has no direction and stays zero rather than NaN. */
function normalizeInPlace(values: Float32Array, dim: number): void {
  for (let base = 0; base < values.length; base += dim) {
    let norm = 0;
    for (let d = 0; d < dim; d++) norm += values[base + d]! * values[base + d]!;
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let d = 0; d < dim; d++) values[base + d] = values[base + d]! * scale;
  }
}
