/**
 * An in-memory {@link SelectionSource} built from parsed Lightly data (the offline CLI, tests, demos).
 * Pure: it holds what it is given and computes derived columns (normalized embeddings, scores, class
 * vectors) lazily, once.
 *
 * - Embeddings are given raw (as in the CSV); the source serves them L2-normalized (an all-zero vector
 *   stays zero) and keeps the raw ones available through {@link MemorySource.rawEmbeddings}.
 * - Metadata comes as a {@link MetadataTable}; computed `lightly.*` keys are ordinary metadata here.
 * - Tags are row sets; `initial-tag` (all rows) always exists.
 * - Query sets (SIMILARITY): `querySet(datasetId, tagName)` looks `datasetId` up — this dataset when it is
 *   its own id, otherwise through the `resolveDataset` callback — and serves the normalized embeddings of
 *   the tag's rows. `inQuerySet` is set only when the query dataset is this dataset.
 */
import type { MetadataTable } from '../formats/metadata.js';
import type { ObjectEmbeddingsData } from '../formats/objectEmbeddings.js';
import type { TaskPredictions } from '../formats/predictions.js';
import { INITIAL_TAG } from '../formats/tags.js';
import { querySetOfRows } from './querySet.js';
import { categoryCount, classCounts, isScoreName, scoreColumn, scoreNamesFor } from './scores/index.js';
import type {
  ClassCounts,
  EmbeddingMatrix,
  MetadataColumn,
  MetadataValueType,
  QuerySet,
  SelectionSource,
  TaskInfo,
} from './types.js';

export interface MemoryDatasetInput {
  /** The dataset's id, used to recognise query sets that point at the dataset itself. */
  readonly id?: string;
  /** File names in row order. Must be distinct. */
  readonly fileNames: readonly string[];
  /** Raw image-level embeddings, row-aligned with `fileNames`. */
  readonly embeddings?: { readonly dim: number; readonly data: Float32Array };
  readonly metadata?: MetadataTable;
  /** Prediction tasks by name, rows aligned with `fileNames`. */
  readonly tasks?: ReadonlyMap<string, TaskPredictions>;
  /** Object-level embeddings by task name (raw). */
  readonly objectEmbeddings?: ReadonlyMap<string, ObjectEmbeddingsData>;
  /** Tags by name: ascending row indices. */
  readonly tags?: ReadonlyMap<string, Int32Array>;
  /** Other datasets by id, for query sets. */
  readonly resolveDataset?: (datasetId: string) => MemorySource | undefined;
}

export interface MemorySource extends SelectionSource {
  readonly id: string | undefined;
  /** The row of a file name, or undefined. */
  rowOf(fileName: string): number | undefined;
  /** Embeddings as given (not normalized). */
  rawEmbeddings(): EmbeddingMatrix | undefined;
  /** Rows of a tag (ascending); `initial-tag` is every row. Undefined for an unknown tag. */
  tagRows(name: string): Int32Array | undefined;
  tagNames(): readonly string[];
}

/** L2-normalizes each row of a row-major matrix into a new array; all-zero rows stay zero. */
export function normalizeRows(data: Float32Array, dim: number): Float32Array {
  const out = new Float32Array(data.length);
  const rows = dim === 0 ? 0 : data.length / dim;
  for (let r = 0; r < rows; r++) {
    const base = r * dim;
    let sum = 0;
    for (let j = 0; j < dim; j++) {
      const v = data[base + j]!;
      sum += v * v;
    }
    if (sum === 0) continue;
    const inv = 1 / Math.sqrt(sum);
    for (let j = 0; j < dim; j++) out[base + j] = data[base + j]! * inv;
  }
  return out;
}

export function createMemorySource(input: MemoryDatasetInput): MemorySource {
  const fileNames = input.fileNames;
  const rowCount = fileNames.length;
  const rowIndex = indexRows(input);
  const embeddings = once(() => (input.embeddings ? { rows: rowCount, dim: input.embeddings.dim, data: normalizeRows(input.embeddings.data, input.embeddings.dim) } : undefined));
  const tagRows = (name: string): Int32Array | undefined => {
    const rows = input.tags?.get(name);
    if (rows) return rows;
    if (name === INITIAL_TAG) return Int32Array.from({ length: rowCount }, (_, i) => i);
    return undefined;
  };
  const source: MemorySource = {
    id: input.id,
    rowCount,
    fileName: (row) => {
      const name = fileNames[row];
      if (name === undefined) throw new RangeError(`row ${row} is out of range (0…${rowCount - 1})`);
      return name;
    },
    rowOf: (name) => rowIndex.get(name),
    rawEmbeddings: () => (input.embeddings ? { rows: rowCount, dim: input.embeddings.dim, data: input.embeddings.data } : undefined),
    embeddings,
    objectEmbeddings: memoize((task) => {
      const raw = input.objectEmbeddings?.get(task);
      if (!raw) return undefined;
      return { rows: raw.sampleRow.length, dim: raw.dim, data: normalizeRows(raw.data, raw.dim), sampleRow: raw.sampleRow, objectIndex: raw.objectIndex };
    }),
    querySet: (datasetId, tagName) => querySetOf(input, source, datasetId, tagName),
    metadataKeys: () => input.metadata?.types ?? new Map<string, MetadataValueType>(),
    metadata: memoize((key): MetadataColumn | undefined => {
      const column = input.metadata?.columns.get(key);
      if (!column) return undefined;
      return column.kind === 'numeric' ? { kind: 'numeric', values: column.values } : { kind: 'categorical', codes: column.codes, categories: column.categories };
    }),
    ...predictionColumns(input.tasks ?? new Map()),
    tagRows,
    tagNames: () => {
      const names = new Set(input.tags?.keys() ?? []);
      names.add(INITIAL_TAG);
      return [...names].sort();
    },
  };
  return source;
}

/** The row of each file name, after checking that names are distinct and every column covers every row. */
function indexRows(input: MemoryDatasetInput): Map<string, number> {
  const rowCount = input.fileNames.length;
  const rowIndex = new Map<string, number>();
  input.fileNames.forEach((name, row) => {
    if (rowIndex.has(name)) throw new Error(`file name ${JSON.stringify(name)} appears twice`);
    rowIndex.set(name, row);
  });
  if (input.embeddings && input.embeddings.data.length !== rowCount * input.embeddings.dim) {
    throw new Error(`embeddings hold ${input.embeddings.data.length / input.embeddings.dim} rows, the dataset has ${rowCount}`);
  }
  for (const [name, task] of input.tasks ?? []) {
    if (task.rows.length !== rowCount) throw new Error(`task "${name}" covers ${task.rows.length} rows, the dataset has ${rowCount}`);
  }
  return rowIndex;
}

/** A value computed on first use. */
function once<V>(compute: () => V): () => V {
  let value: { v: V } | undefined;
  return () => (value ??= { v: compute() }).v;
}

/** A derived column by key, computed on first use; an undefined answer is not kept. */
function memoize<V>(compute: (key: string) => V | undefined): (key: string) => V | undefined {
  const cache = new Map<string, V>();
  return (key) => {
    const cached = cache.get(key);
    if (cached !== undefined) return cached;
    const value = compute(key);
    if (value !== undefined) cache.set(key, value);
    return value;
  };
}

/**
 * A query set: the normalized embeddings of a tag's rows, in this dataset (which then also marks its rows
 * in `inQuerySet`) or one `resolveDataset` finds.
 */
function querySetOf(input: MemoryDatasetInput, source: MemorySource, datasetId: string, tagName: string): QuerySet | undefined {
  const self = input.id !== undefined && datasetId === input.id;
  const dataset = self ? source : input.resolveDataset?.(datasetId);
  if (!dataset) return undefined;
  const rows = dataset.tagRows(tagName);
  const matrix = dataset.embeddings();
  if (!rows || !matrix) return undefined;
  return querySetOfRows(matrix, rows, self ? source.rowCount : undefined);
}

/** The columns derived from the prediction tasks: task infos, scores, class vectors, category counts. */
function predictionColumns(tasks: ReadonlyMap<string, TaskPredictions>): Pick<SelectionSource, 'tasks' | 'score' | 'scoreNames' | 'classCounts' | 'categoryCount'> {
  const score = memoize((key) => {
    const at = key.lastIndexOf('\u0000');
    const task = key.slice(0, at);
    const scoreName = key.slice(at + 1);
    const predictions = tasks.get(task);
    return predictions && isScoreName(predictions.schema.type, scoreName) ? scoreColumn(predictions, scoreName) : undefined;
  });
  const classCache = memoize((task): ClassCounts | undefined => {
    const predictions = tasks.get(task);
    return predictions ? classCounts(predictions) : undefined;
  });
  const countCache = memoize((task) => {
    const predictions = tasks.get(task);
    return predictions ? categoryCount(predictions) : undefined;
  });
  const infos = once(() => new Map<string, TaskInfo>([...tasks].map(([name, task]) => [name, { name, type: task.schema.type, categories: new Map(task.schema.categories.map((c) => [c.id, c.name])) }])));
  return {
    tasks: infos,
    score: (task, scoreName) => score(`${task}\u0000${scoreName}`),
    scoreNames: (task) => {
      const predictions = tasks.get(task);
      return predictions ? scoreNamesFor(predictions.schema.type) : [];
    },
    classCounts: classCache,
    categoryCount: countCache,
  };
}
