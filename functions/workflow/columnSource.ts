/**
 * A {@link SelectionSource} over a dataset's column shards in S3. The engine's source interface is
 * synchronous, so the columns a selection needs are read first ({@link ColumnNeeds}) — a selection reads
 * only what its strategies use — and then served from memory, rows concatenated across shards. A shard
 * written before a column existed reads as missing (NaN / -1) for its rows.
 */
import type { FileNameList } from '../store/fileNameList.js';
import type { BlobStore } from '../store/blobs.js';
import { ColumnReader, type DatasetManifest, type ShardManifest } from '../store/columns.js';
import type {
  ClassCounts,
  EmbeddingMatrix,
  MetadataColumn,
  MetadataValueType,
  ObjectEmbeddings,
  QuerySet,
  SelectionSource,
  TaskInfo,
} from '../selection/types.js';
import { engineKernels } from '../kernels/engine.js';
import { rowOf, type MatrixRows } from '../kernels/index.js';
import { embeddingMatrixOf } from '../selection/matrix.js';
import { mapLimit } from '../store/mapLimit.js';
import { querySetOfRows } from '../selection/querySet.js';

/** What a selection reads. */
export interface ColumnNeeds {
  embeddings?: boolean;
  metadata?: string[];
  scores?: { task: string; score: string }[];
  classCounts?: string[];
  categoryCount?: string[];
  objectEmbeddings?: string[];
  /** Query sets of SIMILARITY: rows of another (or this) dataset's tag. */
  querySets?: { datasetId: string; tagName: string }[];
}

/** A query set resolved by the caller (tag membership needs the tag store and tenancy checks). */
export interface ResolvedQuerySet {
  readonly datasetId: string;
  readonly tagName: string;
  readonly manifest: DatasetManifest;
  readonly rows: readonly number[];
}

const SHARD_CONCURRENCY = 8;
const EMBEDDINGS_COLUMN = 'embeddings.normalized';

function concatFloat32(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * Where a matrix of embeddings is allocated: by default where the engine's kernels read it without a
 * copy — one array, or rows in several blocks when the matrix is larger than one block (4 GiB).
 */
export type AllocateMatrix = (rows: number, dim: number) => MatrixRows;
export const engineAllocate: AllocateMatrix = (rows, dim) => {
  const kernels = engineKernels();
  return kernels.allocateRows ? kernels.allocateRows(rows, dim) : kernels.allocateMatrix(rows, dim);
};

/**
 * The embeddings of `shards`, rows in shard order, each shard streamed straight into its rows of one
 * matrix from `allocate` — the engine's kernels' memory by default, so that the matrix exists once. A
 * shard across two blocks is read whole and copied into both (one shard's bytes more, for a moment).
 */
export async function loadEmbeddings(reader: ColumnReader, shards: readonly ShardManifest[] = reader.manifest.shards, allocate: AllocateMatrix = engineAllocate): Promise<EmbeddingMatrix> {
  const dim = reader.manifest.embeddingDimension;
  const offsets: number[] = [];
  let rows = 0;
  for (const shard of shards) {
    offsets.push(rows);
    rows += shard.rowCount;
  }
  const data = allocate(rows, dim);
  const rowsPerBlock = data instanceof Float32Array ? Math.max(1, rows) : data.rowsPerBlock;
  const views = data instanceof Float32Array ? [data] : data.views;
  await mapLimit(shards, SHARD_CONCURRENCY, async (shard, i) => {
    const start = offsets[i]!;
    const block = Math.floor(start / rowsPerBlock);
    const local = start - block * rowsPerBlock;
    const view = views[block]!;
    const within = shard.rowCount === 0 || (local + shard.rowCount) * dim <= view.length;
    const target = within ? new Uint8Array(view.buffer, view.byteOffset + local * dim * 4, shard.rowCount * dim * 4) : new Uint8Array(shard.rowCount * dim * 4);
    if (!(await reader.readInto(shard, EMBEDDINGS_COLUMN, target))) throw new Error(`shard ${shard.id} has no ${EMBEDDINGS_COLUMN} column`);
    if (within) return;
    const values = new Float32Array(target.buffer);
    for (let r = 0; r < shard.rowCount; r++) rowOf(data, dim, start + r).set(values.subarray(r * dim, (r + 1) * dim));
  });
  return embeddingMatrixOf(rows, dim, data);
}

/**
 * The last embedding matrix read, kept for the next task of this process. Every shard task of a run reads
 * the whole matrix (typicality compares a shard's rows with all rows), and so does Select: a warm Lambda
 * serving the next task of the same dataset version, or the local runtime (all tasks in one process),
 * skips the read, and the kernels' per-matrix caches (their shared-memory copy, the k-means clustering of
 * approximate typicality) stay warm. One entry only, as a matrix can take gigabytes; a version's columns
 * never change, so the entry cannot go stale.
 */
let lastEmbeddings: { readonly key: string; readonly matrix: Promise<EmbeddingMatrix> } | undefined;

async function cachedEmbeddings(reader: ColumnReader, datasetId: string): Promise<EmbeddingMatrix> {
  const key = `${datasetId}@v${reader.manifest.version}`;
  if (lastEmbeddings?.key !== key) {
    const matrix = loadEmbeddings(reader);
    lastEmbeddings = { key, matrix };
    matrix.catch(() => {
      if (lastEmbeddings?.matrix === matrix) lastEmbeddings = undefined;
    });
  }
  return lastEmbeddings.matrix;
}

/**
 * The same one-entry cache for a matrix read another way (a run's snapshot, snapshotSource.ts): `key`
 * names the dataset version as {@link cachedEmbeddings} does, as both read that version's rows.
 */
export async function cachedMatrix(datasetId: string, version: number, load: () => Promise<EmbeddingMatrix>): Promise<EmbeddingMatrix> {
  const key = `${datasetId}@v${version}`;
  if (lastEmbeddings?.key !== key) {
    const matrix = load();
    lastEmbeddings = { key, matrix };
    matrix.catch(() => {
      if (lastEmbeddings?.matrix === matrix) lastEmbeddings = undefined;
    });
  }
  return lastEmbeddings.matrix;
}

/** Drops the kept matrix (a test that counts reads wants the next task to read). */
export function forgetCachedEmbeddings(): void {
  lastEmbeddings = undefined;
}

async function loadFloat64(reader: ColumnReader, column: string, width = 1): Promise<Float64Array> {
  const manifest = reader.manifest;
  const out = new Float64Array(manifest.rowCount * width).fill(NaN);
  await mapLimit(manifest.shards, SHARD_CONCURRENCY, async (shard) => {
    const values = await reader.float64(shard, column);
    if (values) out.set(values, shard.rowStart * width);
  });
  return out;
}

export async function loadColumnSource(
  blobs: BlobStore,
  datasetId: string,
  manifest: DatasetManifest,
  needs: ColumnNeeds,
  querySets: readonly ResolvedQuerySet[] = [],
): Promise<NamedSource> {
  const reader = new ColumnReader(blobs, manifest);
  const embeddings = needs.embeddings || (needs.querySets ?? []).length > 0 ? await cachedEmbeddings(reader, datasetId) : undefined;
  const metadata = await loadMetadataColumns(reader, needs.metadata ?? []);
  const { scores, classCounts, categoryCounts } = await loadTaskColumns(reader, needs);
  const objects = await loadObjectEmbeddings(reader, needs.objectEmbeddings ?? []);
  const queries = new Map<string, QuerySet>();
  for (const query of querySets) {
    const self = query.datasetId === datasetId;
    // Another dataset's matrix only lends its query rows: a plain array, dropped after.
    const matrix = self ? embeddings! : await loadEmbeddings(new ColumnReader(blobs, query.manifest), undefined, (rows, dim) => new Float32Array(rows * dim));
    queries.set(`${query.datasetId}\u0000${query.tagName}`, querySetOfRows(matrix, query.rows, self ? manifest.rowCount : undefined));
  }

  return sourceOver(manifest, { embeddings, metadata, scores, classCounts, categoryCounts, objects, queries }, () => reader.allFileNames());
}

/** What a selection has read, column by column (keys as {@link SelectionSource} asks for them). */
export interface LoadedColumns {
  readonly embeddings: EmbeddingMatrix | undefined;
  readonly metadata: ReadonlyMap<string, MetadataColumn>;
  /** By `task/score`. */
  readonly scores: ReadonlyMap<string, Float64Array>;
  readonly classCounts: ReadonlyMap<string, ClassCounts>;
  readonly categoryCounts: ReadonlyMap<string, Float64Array>;
  readonly objects: ReadonlyMap<string, ObjectEmbeddings>;
  /** By `datasetId\u0000tagName`. */
  readonly queries: ReadonlyMap<string, QuerySet>;
}

/**
 * A selection's source with its file names, read when first asked for: all of them as strings
 * (`fileNames`, which `fileName(row)` then reads), or as a list to read a few from (`fileNameList`:
 * packed where the reader packs them).
 */
export type NamedSource = SelectionSource & { fileNames(): Promise<string[]>; fileNameList(): Promise<FileNameList> };

/** The source over columns read into memory; file names are read when first asked for. */
export function sourceOver(
  manifest: DatasetManifest,
  columns: LoadedColumns,
  readFileNames: () => Promise<string[]>,
  readFileNameList?: () => Promise<FileNameList>,
): NamedSource {
  const { embeddings, metadata, scores, classCounts, categoryCounts, objects, queries } = columns;
  let fileNames: string[] | undefined;
  let nameList: FileNameList | undefined;
  const metadataKeys = new Map<string, MetadataValueType>(Object.entries(manifest.metadata).map(([key, info]) => [key, info.type]));
  const tasks = new Map<string, TaskInfo>(
    Object.entries(manifest.tasks).map(([name, info]) => [name, { name, type: info.type, categories: new Map(info.categories.map((c) => [c.id, c.name])) }]),
  );
  return {
    rowCount: manifest.rowCount,
    fileName: (row) => {
      const names = fileNames ?? nameList;
      if (!names) throw new Error('file names are not loaded; call fileNames() or fileNameList() first');
      return names.at(row)!;
    },
    fileNames: async () => (fileNames ??= await readFileNames()),
    fileNameList: async () => (nameList ??= fileNames ?? (readFileNameList ? await readFileNameList() : (fileNames = await readFileNames()))),
    embeddings: () => embeddings,
    objectEmbeddings: (task) => objects.get(task),
    querySet: (id, tag) => queries.get(`${id}\u0000${tag}`),
    metadataKeys: () => metadataKeys,
    metadata: (key) => metadata.get(key),
    tasks: () => tasks,
    score: (task, score) => scores.get(`${task}/${score}`),
    scoreNames: (task) => manifest.tasks[task]?.scoreNames ?? [],
    classCounts: (task) => classCounts.get(task),
    categoryCount: (task) => categoryCounts.get(task),
  };
}

/** The metadata columns a selection reads (keys the dataset does not have are left out). */
async function loadMetadataColumns(reader: ColumnReader, keys: readonly string[]): Promise<Map<string, MetadataColumn>> {
  const { manifest } = reader;
  const metadata = new Map<string, MetadataColumn>();
  for (const key of keys) {
    const info = manifest.metadata[key];
    if (!info) continue;
    if (info.categories) {
      const codes = new Int32Array(manifest.rowCount).fill(-1);
      await mapLimit(manifest.shards, SHARD_CONCURRENCY, async (shard) => {
        const values = await reader.int32(shard, `metadata/${key}`);
        if (values) codes.set(values, shard.rowStart);
      });
      metadata.set(key, { kind: 'categorical', codes, categories: info.categories });
    } else {
      metadata.set(key, { kind: 'numeric', values: await loadFloat64(reader, `metadata/${key}`) });
    }
  }
  return metadata;
}

/** The prediction columns a selection reads: scores (by `task/score`), class vectors and category counts. */
async function loadTaskColumns(reader: ColumnReader, needs: ColumnNeeds) {
  const { manifest } = reader;
  const scores = new Map<string, Float64Array>();
  for (const { task, score } of needs.scores ?? []) {
    if (manifest.tasks[task]?.scoreNames.includes(score)) scores.set(`${task}/${score}`, await loadFloat64(reader, `tasks/${task}/score/${score}`));
  }
  const classCounts = new Map<string, ClassCounts>();
  for (const task of needs.classCounts ?? []) {
    const info = manifest.tasks[task];
    if (!info) continue;
    const counts = await loadFloat64(reader, `tasks/${task}/classCounts`, info.classes.length);
    const present = new Uint8Array(manifest.rowCount);
    await mapLimit(manifest.shards, SHARD_CONCURRENCY, async (shard) => {
      const bytes = await reader.bytes(shard, `tasks/${task}/present`);
      if (bytes) present.set(bytes, shard.rowStart);
    });
    // Rows without a prediction record read NaN; the engine wants zeros there and `present` = 0.
    for (let i = 0; i < counts.length; i++) if (Number.isNaN(counts[i])) counts[i] = 0;
    classCounts.set(task, { classes: info.classes, counts, present });
  }
  const categoryCounts = new Map<string, Float64Array>();
  for (const task of needs.categoryCount ?? []) {
    if (manifest.tasks[task]) categoryCounts.set(task, await loadFloat64(reader, `tasks/${task}/categoryCount`));
  }
  return { scores, classCounts, categoryCounts };
}

/** The object embeddings of the tasks a selection reads, rows concatenated across shards. */
async function loadObjectEmbeddings(reader: ColumnReader, taskNames: readonly string[]): Promise<Map<string, ObjectEmbeddings>> {
  const { manifest } = reader;
  const objects = new Map<string, ObjectEmbeddings>();
  for (const task of taskNames) {
    const info = manifest.tasks[task];
    if (!info?.objectEmbeddings || !info.objectDim) continue;
    const parts = await mapLimit(manifest.shards, SHARD_CONCURRENCY, async (shard) => ({
      data: (await reader.float32(shard, `objects/${task}/embeddings`)) ?? new Float32Array(0),
      sampleRow: (await reader.int32(shard, `objects/${task}/sampleRow`)) ?? new Int32Array(0),
      objectIndex: (await reader.int32(shard, `objects/${task}/objectIndex`)) ?? new Int32Array(0),
    }));
    const data = concatFloat32(parts.map((p) => p.data));
    const sampleRow = Int32Array.from(parts.flatMap((p) => [...p.sampleRow]));
    const objectIndex = Int32Array.from(parts.flatMap((p) => [...p.objectIndex]));
    objects.set(task, { rows: sampleRow.length, dim: info.objectDim, data, sampleRow, objectIndex });
  }
  return objects;
}
