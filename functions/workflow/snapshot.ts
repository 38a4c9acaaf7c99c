/**
 * A run's snapshot of the columns its selection reads, written once by Plan at the pinned dataset version
 * so that every later task (each Shard, every Select hop, Finish) reads one object per column instead of
 * every column shard of the dataset again. Layout under the run's intermediates (results.ts `runKeys`):
 *
 * - `runs-work/<id>/snapshot/<n>.bin`: column n, the dataset's rows concatenated in row order, in the
 *   encoding of the dataset's column (store/columns.ts), rows missing from a shard filled as the column
 *   reader would read them (NaN, -1, 0). Object columns hold the objects of all shards in shard order.
 *   `fileNames` holds one JSON array per shard, one per line. `duplicates/…`: the raw rows exact
 *   duplicates are decided on (snapshotDuplicates.ts).
 * - `runs-work/<id>/snapshot/manifest.json` ({@link RunSnapshot}): what each object holds (name, element
 *   type, units, width, bytes), written last, so a task that finds it finds every column whole.
 *
 * A column is streamed shard by shard into a multipart upload (BlobStore.putStream): Plan holds one shard
 * and one upload part, never a column (at 10M × 128 the embeddings alone are 5 GB). A retried Plan writes
 * the same keys again. The objects go with the run's other intermediates (`runs-work/` expires by a
 * bucket lifecycle rule; deleting a dataset deletes its runs' prefixes).
 */
import type { BlobStore } from '../store/blobs.js';
import { ColumnReader, type DatasetManifest, type ShardManifest } from '../store/columns.js';
import type { ColumnNeeds, ResolvedQuerySet } from './columnSource.js';
import { runKeys } from './results.js';
import { candidatesWithRaw, DUPLICATE_RAW_COLUMN, DUPLICATE_ROWS_COLUMN, rawRows, RowHashes } from './snapshotDuplicates.js';

export type SnapshotElement = 'float32' | 'float64' | 'int32' | 'uint8' | 'jsonLines';

export const ELEMENT_BYTES: Record<Exclude<SnapshotElement, 'jsonLines'>, number> = { float32: 4, float64: 8, int32: 4, uint8: 1 };

export interface SnapshotColumn {
  readonly key: string;
  readonly element: SnapshotElement;
  /** Rows, or objects for object columns, or query rows. */
  readonly units: number;
  /** Elements per unit. */
  readonly width: number;
  readonly bytes: number;
}

/** A query set of SIMILARITY as Plan resolved it. */
export interface SnapshotQuerySet {
  readonly datasetId: string;
  readonly tagName: string;
  /** Column of the tag's rows (int32). */
  readonly rows: string;
  /** Column of the rows' normalized embeddings; absent for a query set of this dataset (its rows are read from the run's embeddings). */
  readonly embeddings?: string;
}

export interface RunSnapshot {
  readonly format: 1;
  readonly datasetId: string;
  readonly datasetVersion: number;
  readonly rowCount: number;
  readonly embeddingDimension: number;
  readonly columns: Readonly<Record<string, SnapshotColumn>>;
  readonly querySets: readonly SnapshotQuerySet[];
}

export const EMBEDDINGS_COLUMN = 'embeddings.normalized';
export const FILE_NAMES_COLUMN = 'fileNames';

/** How one column of the dataset is packed: its element type, width, and what a shard without it reads as. */
interface RowColumnSpec {
  readonly name: string;
  readonly element: Exclude<SnapshotElement, 'jsonLines'>;
  readonly width: number;
  /** The value of rows whose shard has no object for the column; undefined: every shard must have it. */
  readonly missing?: number;
}

/** The per-row columns a selection with these needs reads, in a fixed order. */
function rowColumns(manifest: DatasetManifest, needs: ColumnNeeds, querySets: readonly ResolvedQuerySet[]): RowColumnSpec[] {
  const specs: RowColumnSpec[] = [];
  if (needs.embeddings || querySets.length > 0) specs.push({ name: EMBEDDINGS_COLUMN, element: 'float32', width: manifest.embeddingDimension });
  for (const key of needs.metadata ?? []) {
    const info = manifest.metadata[key];
    if (!info) continue;
    specs.push(info.categories ? { name: `metadata/${key}`, element: 'int32', width: 1, missing: -1 } : { name: `metadata/${key}`, element: 'float64', width: 1, missing: NaN });
  }
  for (const { task, score } of needs.scores ?? []) {
    if (manifest.tasks[task]?.scoreNames.includes(score)) specs.push({ name: `tasks/${task}/score/${score}`, element: 'float64', width: 1, missing: NaN });
  }
  for (const task of needs.classCounts ?? []) {
    const info = manifest.tasks[task];
    if (!info) continue;
    specs.push({ name: `tasks/${task}/classCounts`, element: 'float64', width: info.classes.length, missing: NaN });
    specs.push({ name: `tasks/${task}/present`, element: 'uint8', width: 1, missing: 0 });
  }
  for (const task of needs.categoryCount ?? []) {
    if (manifest.tasks[task]) specs.push({ name: `tasks/${task}/categoryCount`, element: 'float64', width: 1, missing: NaN });
  }
  // A name can be asked for twice (two strategies on one column): it is written once.
  return specs.filter((spec, i) => specs.findIndex((s) => s.name === spec.name) === i);
}

function filled(spec: RowColumnSpec, rows: number): Uint8Array {
  const count = rows * spec.width;
  const values =
    spec.element === 'float64' ? new Float64Array(count) : spec.element === 'float32' ? new Float32Array(count) : spec.element === 'int32' ? new Int32Array(count) : new Uint8Array(count);
  values.fill(spec.missing!);
  return new Uint8Array(values.buffer);
}

/**
 * The column's objects of the given shards in order, one read ahead of the consumer (while one part is
 * uploaded, the next shard arrives); `missing` makes a shard's bytes when it has no object.
 */
async function* shardObjects(reader: ColumnReader, shards: readonly ShardManifest[], column: string, missing: (shard: ShardManifest) => Uint8Array): AsyncGenerator<Uint8Array> {
  const read = (shard: ShardManifest) => reader.bytes(shard, column).then((bytes) => bytes ?? missing(shard));
  let next = shards.length > 0 ? read(shards[0]!) : undefined;
  for (let i = 0; i < shards.length; i++) {
    const current = await next!;
    next = i + 1 < shards.length ? read(shards[i + 1]!) : undefined;
    yield current;
  }
}

/** A shard's file names, one JSON array per line (re-serialized: the line must hold no newline). */
async function* fileNameLines(reader: ColumnReader): AsyncGenerator<Uint8Array> {
  for (const shard of reader.manifest.shards) yield Buffer.from(`${JSON.stringify(await reader.fileNames(shard))}\n`, 'utf8');
}

/** Rows of another dataset's embeddings, gathered shard by shard (only the shards that hold them). */
async function* queryRows(blobs: BlobStore, query: ResolvedQuerySet): AsyncGenerator<Uint8Array> {
  const reader = new ColumnReader(blobs, query.manifest);
  const dim = query.manifest.embeddingDimension;
  const rows = [...query.rows].sort((a, b) => a - b);
  if (rows.some((row, i) => row !== query.rows[i])) throw new Error(`the rows of query set '${query.tagName}' are not ascending`);
  let i = 0;
  for (const shard of query.manifest.shards) {
    const end = shard.rowStart + shard.rowCount;
    if (i >= rows.length) break;
    if (rows[i]! >= end) continue;
    const values = await reader.float32(shard, EMBEDDINGS_COLUMN);
    if (!values) throw new Error(`shard ${shard.id} of dataset ${query.datasetId} has no embeddings`);
    const out = new Float32Array((rows.filter((row) => row >= shard.rowStart && row < end).length) * dim);
    for (let k = 0; i < rows.length && rows[i]! < end; i++, k++) out.set(values.subarray((rows[i]! - shard.rowStart) * dim, (rows[i]! - shard.rowStart + 1) * dim), k * dim);
    yield new Uint8Array(out.buffer);
  }
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

export interface SnapshotOptions {
  /** Whether the selection removes exact duplicates (then the raw rows that may be duplicates are packed too). */
  readonly duplicates?: boolean;
  /** Sees each column shard's normalised embeddings as they are packed (Plan keeps them to cluster the rows). */
  readonly onEmbeddings?: (values: Float32Array) => void;
}

/** Passes the chunks on unchanged, each as float32 values to `see` first. */
async function* seeing(chunks: AsyncIterable<Uint8Array>, see: (values: Float32Array) => void): AsyncGenerator<Uint8Array> {
  for await (const chunk of chunks) {
    see(chunk.byteOffset % 4 === 0 ? new Float32Array(chunk.buffer, chunk.byteOffset, chunk.byteLength / 4) : new Float32Array(chunk.slice().buffer));
    yield chunk;
  }
}

/** Writes the snapshot of a run's columns (Plan). */
export async function writeRunSnapshot(
  blobs: BlobStore,
  runId: string,
  datasetId: string,
  manifest: DatasetManifest,
  needs: ColumnNeeds,
  querySets: readonly ResolvedQuerySet[],
  options: SnapshotOptions = {},
): Promise<RunSnapshot> {
  const reader = new ColumnReader(blobs, manifest);
  const columns: Record<string, SnapshotColumn> = {};
  const write = async (name: string, element: SnapshotElement, units: number, width: number, chunks: AsyncIterable<Uint8Array>) => {
    const key = runKeys.snapshotColumn(runId, Object.keys(columns).length);
    const { bytes } = await blobs.putStream(key, chunks);
    if (element !== 'jsonLines' && bytes !== units * width * ELEMENT_BYTES[element]) throw new Error(`snapshot column ${name} has ${bytes} bytes, expected ${units * width * ELEMENT_BYTES[element]}`);
    columns[name] = { key, element, units, width, bytes };
  };

  await write(FILE_NAMES_COLUMN, 'jsonLines', manifest.rowCount, 1, fileNameLines(reader));
  const hashes = options.duplicates ? new RowHashes(manifest.rowCount, manifest.embeddingDimension) : undefined;
  for (const spec of rowColumns(manifest, needs, querySets)) {
    const missing = (shard: ShardManifest) => {
      if (spec.missing === undefined) throw new Error(`shard ${shard.id} has no ${spec.name} column`);
      return filled(spec, shard.rowCount);
    };
    let chunks: AsyncIterable<Uint8Array> = shardObjects(reader, manifest.shards, spec.name, missing);
    if (spec.name === EMBEDDINGS_COLUMN && hashes) chunks = hashes.tap(chunks);
    if (spec.name === EMBEDDINGS_COLUMN && options.onEmbeddings) chunks = seeing(chunks, options.onEmbeddings);
    await write(spec.name, spec.element, manifest.rowCount, spec.width, chunks);
  }
  if (hashes && columns[EMBEDDINGS_COLUMN]) {
    const rows = candidatesWithRaw(manifest, hashes.candidates());
    if (rows.length > 0) {
      await write(DUPLICATE_ROWS_COLUMN, 'int32', rows.length, 1, once(new Uint8Array(Int32Array.from(rows).buffer)));
      await write(DUPLICATE_RAW_COLUMN, 'float32', rows.length, manifest.embeddingDimension, rawRows(blobs, manifest, rows));
    }
  }
  for (const task of needs.objectEmbeddings ?? []) {
    const info = manifest.tasks[task];
    if (!info?.objectEmbeddings || !info.objectDim || columns[`objects/${task}/embeddings`]) continue;
    const objects = manifest.shards.reduce((n, shard) => n + (shard.columns[`objects/${task}/sampleRow`] ? shard.columns[`objects/${task}/sampleRow`]!.bytes / 4 : 0), 0);
    const none = () => new Uint8Array(0);
    await write(`objects/${task}/embeddings`, 'float32', objects, info.objectDim, shardObjects(reader, manifest.shards, `objects/${task}/embeddings`, none));
    await write(`objects/${task}/sampleRow`, 'int32', objects, 1, shardObjects(reader, manifest.shards, `objects/${task}/sampleRow`, none));
    await write(`objects/${task}/objectIndex`, 'int32', objects, 1, shardObjects(reader, manifest.shards, `objects/${task}/objectIndex`, none));
  }
  const snapshotQueries: SnapshotQuerySet[] = [];
  for (const [i, query] of querySets.entries()) {
    const rows = `queries/${i}/rows`;
    await write(rows, 'int32', query.rows.length, 1, once(new Uint8Array(Int32Array.from(query.rows).buffer)));
    if (query.datasetId === datasetId) {
      snapshotQueries.push({ datasetId: query.datasetId, tagName: query.tagName, rows });
      continue;
    }
    const embeddings = `queries/${i}/embeddings`;
    await write(embeddings, 'float32', query.rows.length, query.manifest.embeddingDimension, queryRows(blobs, query));
    snapshotQueries.push({ datasetId: query.datasetId, tagName: query.tagName, rows, embeddings });
  }

  const snapshot: RunSnapshot = {
    format: 1,
    datasetId,
    datasetVersion: manifest.version,
    rowCount: manifest.rowCount,
    embeddingDimension: manifest.embeddingDimension,
    columns,
    querySets: snapshotQueries,
  };
  await blobs.putJson(runKeys.snapshotManifest(runId), snapshot);
  return snapshot;
}
