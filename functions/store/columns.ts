/**
 * The columnar form of a dataset in S3, as the workflow reads it.
 *
 * Rows are stored in row-range shards of at most {@link SHARD_ROWS} rows. Each shard holds one object per
 * column (`datasets/<id>/columns/<shardId>/<column>`), and a manifest (`datasets/<id>/manifests/v<n>-<commit>.json`)
 * lists every shard with its row range and every column object with its size and SHA-256. The dataset
 * record in DynamoDB names the current manifest; committing an upload writes new shards and a new
 * manifest and then moves that pointer with a conditional update, so readers see either the old dataset
 * or the new one, never a mix.
 *
 * Column encodings (little-endian):
 * - `embeddings.raw`, `embeddings.normalized`: float32, `rows × dim`, row-major (normalized: unit L2 norm;
 *   an all-zero vector stays zero).
 * - `fileNames`: UTF-8 JSON array of strings.
 * - `metadata/<key>`: numeric → float64 (NaN = missing); categorical → int32 codes into the manifest's
 *   category list for the key (-1 = missing).
 * - `tasks/<task>/score/<name>`, `tasks/<task>/categoryCount`: float64 per row (NaN = no prediction).
 * - `tasks/<task>/classCounts`: float64, `rows × classes`; `tasks/<task>/present`: uint8 per row.
 * - `objects/<task>/embeddings` (float32, normalized), `objects/<task>/sampleRow` (int32, absolute row),
 *   `objects/<task>/objectIndex` (int32).
 * - `thumbnail`: uint8 per row, 1 when the sample's uploaded image has a thumbnail, stored as its own
 *   object `thumbnails/<absolute row>.webp` under the shard (functions/ingest/thumbnails.ts). Shards of
 *   uploads without images have no such column.
 *
 * A shard written before a column existed (a metadata key first uploaded in a later append) simply has
 * no object for it: every row of that shard reads as missing.
 */
import type { MetadataValueType, TaskType } from '../selection/types.js';
import type { BlobStore, StoredObject } from './blobs.js';

export const SHARD_ROWS = 65_536;

export interface ShardManifest {
  readonly id: string;
  readonly rowStart: number;
  readonly rowCount: number;
  readonly objectCount?: Readonly<Record<string, number>>;
  readonly columns: Readonly<Record<string, StoredObject>>;
}

export interface MetadataKeyManifest {
  readonly type: MetadataValueType;
  /** Categorical keys: the values in code order. Append-only, so codes written earlier stay valid. */
  readonly categories?: readonly string[];
  /** True for the computed `lightly.*` keys. */
  readonly computed?: boolean;
  /** The schema's default, applied to rows of later uploads that lack a value. */
  readonly defaultValue?: number | string | boolean;
}

export interface TaskManifest {
  readonly type: TaskType;
  readonly categories: readonly { readonly id: number; readonly name: string }[];
  /** Class names in the order of the `classCounts` column. */
  readonly classes: readonly string[];
  readonly scoreNames: readonly string[];
  readonly objectEmbeddings: boolean;
  /** Dimension of the object-level embeddings, when uploaded. */
  readonly objectDim?: number;
}

export interface DatasetManifest {
  readonly version: number;
  readonly rowCount: number;
  readonly embeddingDimension: number;
  readonly shards: readonly ShardManifest[];
  readonly metadata: Readonly<Record<string, MetadataKeyManifest>>;
  readonly tasks: Readonly<Record<string, TaskManifest>>;
  /** Whether the `lightly.*` keys were computed from uploaded images. */
  readonly computedMetadata: boolean;
  /** Samples whose uploaded image cannot be decoded, ascending by row: never selected. */
  readonly corruptSamples?: readonly CorruptSample[];
}

/** A sample whose image cannot be decoded, and why (empty file, not an image, truncated, …). */
export interface CorruptSample {
  readonly row: number;
  readonly fileName: string;
  readonly reason: string;
}

/**
 * A manifest's key. Each commit names its manifest with an id of its own (`commitId`), so no two commits
 * ever write the same key: a commit that died before its transaction leaves an object that no later
 * commit rewrites, which the sweeper can then delete safely (functions/sweep/orphans.ts). Manifests
 * written before this rule have no commit id (`v<n>.json`).
 */
export const manifestKey = (datasetId: string, version: number, commitId?: string) =>
  `datasets/${datasetId}/manifests/v${version}${commitId === undefined ? '' : `-${commitId}`}.json`;
export const columnKey = (datasetId: string, shardId: string, column: string) =>
  `datasets/${datasetId}/columns/${shardId}/${column}`;

/** The thumbnail of a sample (absolute `row`) of a shard: one object per sample, to be served by URL. */
export const thumbnailKey = (datasetId: string, shardId: string, row: number) => columnKey(datasetId, shardId, `thumbnails/${row}.webp`);

export const EMPTY_MANIFEST: DatasetManifest = {
  version: 0,
  rowCount: 0,
  embeddingDimension: 0,
  shards: [],
  metadata: {},
  tasks: {},
  computedMetadata: false,
};

export function float32Bytes(values: Float32Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}
export function float64Bytes(values: Float64Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}
export function int32Bytes(values: Int32Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

/** Copies into a fresh, aligned buffer (S3 bodies arrive at arbitrary offsets). */
function aligned(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/** Reads column objects of a manifest's shards. */
export class ColumnReader {
  constructor(
    private readonly blobs: BlobStore,
    readonly manifest: DatasetManifest,
  ) {}

  async bytes(shard: ShardManifest, column: string): Promise<Uint8Array | undefined> {
    const stored = shard.columns[column];
    if (!stored) return undefined;
    const bytes = await this.blobs.get(stored.key);
    if (!bytes) throw new Error(`column object ${stored.key} of shard ${shard.id} is missing`);
    if (bytes.byteLength !== stored.bytes) throw new Error(`column object ${stored.key} has ${bytes.byteLength} bytes, manifest says ${stored.bytes}`);
    return bytes;
  }

  /**
   * Streams a column object into `target`, which must have exactly its bytes, without holding the object
   * whole (a matrix is filled shard by shard with no per-shard buffer); false when the shard has no such
   * column.
   */
  async readInto(shard: ShardManifest, column: string, target: Uint8Array): Promise<boolean> {
    const stored = shard.columns[column];
    if (!stored) return false;
    if (stored.bytes !== target.byteLength) throw new Error(`column object ${stored.key} has ${stored.bytes} bytes, ${target.byteLength} expected`);
    const body = await this.blobs.stream(stored.key);
    if (!body) throw new Error(`column object ${stored.key} of shard ${shard.id} is missing`);
    let at = 0;
    for await (const chunk of body) {
      if (at + chunk.byteLength > target.byteLength) throw new Error(`column object ${stored.key} has more bytes than the manifest's ${stored.bytes}`);
      target.set(chunk, at);
      at += chunk.byteLength;
    }
    if (at !== target.byteLength) throw new Error(`column object ${stored.key} has ${at} bytes, manifest says ${stored.bytes}`);
    return true;
  }

  async float32(shard: ShardManifest, column: string): Promise<Float32Array | undefined> {
    const bytes = await this.bytes(shard, column);
    return bytes && new Float32Array(aligned(bytes));
  }

  async float64(shard: ShardManifest, column: string): Promise<Float64Array | undefined> {
    const bytes = await this.bytes(shard, column);
    return bytes && new Float64Array(aligned(bytes));
  }

  async int32(shard: ShardManifest, column: string): Promise<Int32Array | undefined> {
    const bytes = await this.bytes(shard, column);
    return bytes && new Int32Array(aligned(bytes));
  }

  async fileNames(shard: ShardManifest): Promise<string[]> {
    const bytes = await this.bytes(shard, 'fileNames');
    if (!bytes) throw new Error(`shard ${shard.id} has no fileNames column`);
    return JSON.parse(Buffer.from(bytes).toString('utf8')) as string[];
  }

  /** Every file name in row order. */
  async allFileNames(): Promise<string[]> {
    const parts = await Promise.all(this.manifest.shards.map((shard) => this.fileNames(shard)));
    return parts.flat();
  }

  /**
   * The thumbnail key of each of the given rows (ascending), or undefined for a row without one, reading
   * only the `thumbnail` columns of the shards that hold them.
   */
  async thumbnailKeysOf(datasetId: string, rows: readonly number[]): Promise<(string | undefined)[]> {
    const out: (string | undefined)[] = [];
    let shardIndex = 0;
    let flags: Uint8Array | undefined | null = null;
    for (const row of rows) {
      while (shardIndex < this.manifest.shards.length) {
        const shard = this.manifest.shards[shardIndex]!;
        if (row < shard.rowStart + shard.rowCount) break;
        shardIndex++;
        flags = null;
      }
      const shard = this.manifest.shards[shardIndex];
      if (!shard || row < shard.rowStart) throw new RangeError(`row ${row} is not in the dataset`);
      if (flags === null) flags = await this.bytes(shard, 'thumbnail');
      out.push(flags?.[row - shard.rowStart] === 1 ? thumbnailKey(datasetId, shard.id, row) : undefined);
    }
    return out;
  }

  /** File names of the given rows (ascending), reading only the shards that hold them. */
  async fileNamesOf(rows: readonly number[]): Promise<string[]> {
    const out: string[] = [];
    let shardIndex = 0;
    let names: string[] | undefined;
    for (const row of rows) {
      while (shardIndex < this.manifest.shards.length) {
        const shard = this.manifest.shards[shardIndex]!;
        if (row < shard.rowStart + shard.rowCount) break;
        shardIndex++;
        names = undefined;
      }
      const shard = this.manifest.shards[shardIndex];
      if (!shard || row < shard.rowStart) throw new RangeError(`row ${row} is not in the dataset`);
      names ??= await this.fileNames(shard);
      out.push(names[row - shard.rowStart]!);
    }
    return out;
  }
}
