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
import { categoryCount, classCounts, isScoreName, scoreColumn, scoreNamesFor } from './scores/index.js';
import type {
  ClassCounts,
  EmbeddingMatrix,
  MetadataColumn,
  MetadataValueType,
  ObjectEmbeddings,
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
  const rowIndex = new Map<string, number>();
  fileNames.forEach((name, row) => {
    if (rowIndex.has(name)) throw new Error(`file name ${JSON.stringify(name)} appears twice`);
    rowIndex.set(name, row);
  });
  if (input.embeddings && input.embeddings.data.length !== rowCount * input.embeddings.dim) {
    throw new Error(`embeddings hold ${input.embeddings.data.length / input.embeddings.dim} rows, the dataset has ${rowCount}`);
  }
  for (const [name, task] of input.tasks ?? []) {
    if (task.rows.length !== rowCount) throw new Error(`task "${name}" covers ${task.rows.length} rows, the dataset has ${rowCount}`);
  }

  let normalized: EmbeddingMatrix | undefined | null = null;
  const objectCache = new Map<string, ObjectEmbeddings>();
  const scoreCache = new Map<string, Float64Array>();
  const classCache = new Map<string, ClassCounts>();
  const countCache = new Map<string, Float64Array>();
  const metadataCache = new Map<string, MetadataColumn>();
  let taskInfos: Map<string, TaskInfo> | undefined;

  const embeddings = (): EmbeddingMatrix | undefined => {
    if (normalized === null) {
      const e = input.embeddings;
      normalized = e ? { rows: rowCount, dim: e.dim, data: normalizeRows(e.data, e.dim) } : undefined;
    }
    return normalized;
  };

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
    objectEmbeddings: (task) => {
      const cached = objectCache.get(task);
      if (cached) return cached;
      const raw = input.objectEmbeddings?.get(task);
      if (!raw) return undefined;
      const value: ObjectEmbeddings = {
        rows: raw.sampleRow.length,
        dim: raw.dim,
        data: normalizeRows(raw.data, raw.dim),
        sampleRow: raw.sampleRow,
        objectIndex: raw.objectIndex,
      };
      objectCache.set(task, value);
      return value;
    },
    querySet: (datasetId, tagName): QuerySet | undefined => {
      const self = input.id !== undefined && datasetId === input.id;
      const dataset = self ? source : input.resolveDataset?.(datasetId);
      if (!dataset) return undefined;
      const rows = dataset.tagRows(tagName);
      const matrix = dataset.embeddings();
      if (!rows || !matrix) return undefined;
      const data = new Float32Array(rows.length * matrix.dim);
      rows.forEach((row, k) => data.set(matrix.data.subarray(row * matrix.dim, (row + 1) * matrix.dim), k * matrix.dim));
      const result: { embeddings: EmbeddingMatrix; inQuerySet?: Uint8Array } = { embeddings: { rows: rows.length, dim: matrix.dim, data } };
      if (self) {
        const mark = new Uint8Array(rowCount);
        for (const row of rows) mark[row] = 1;
        result.inQuerySet = mark;
      }
      return result;
    },
    metadataKeys: () => input.metadata?.types ?? new Map<string, MetadataValueType>(),
    metadata: (key) => {
      const cached = metadataCache.get(key);
      if (cached) return cached;
      const column = input.metadata?.columns.get(key);
      if (!column) return undefined;
      const value: MetadataColumn =
        column.kind === 'numeric' ? { kind: 'numeric', values: column.values } : { kind: 'categorical', codes: column.codes, categories: column.categories };
      metadataCache.set(key, value);
      return value;
    },
    tasks: () => {
      if (!taskInfos) {
        taskInfos = new Map();
        for (const [name, task] of input.tasks ?? []) {
          taskInfos.set(name, { name, type: task.schema.type, categories: new Map(task.schema.categories.map((c) => [c.id, c.name])) });
        }
      }
      return taskInfos;
    },
    score: (task, scoreName) => {
      const predictions = input.tasks?.get(task);
      if (!predictions || !isScoreName(predictions.schema.type, scoreName)) return undefined;
      const key = `${task}\u0000${scoreName}`;
      let column = scoreCache.get(key);
      if (!column) {
        column = scoreColumn(predictions, scoreName);
        scoreCache.set(key, column);
      }
      return column;
    },
    scoreNames: (task) => {
      const predictions = input.tasks?.get(task);
      return predictions ? scoreNamesFor(predictions.schema.type) : [];
    },
    classCounts: (task) => {
      const predictions = input.tasks?.get(task);
      if (!predictions) return undefined;
      let counts = classCache.get(task);
      if (!counts) {
        counts = classCounts(predictions);
        classCache.set(task, counts);
      }
      return counts;
    },
    categoryCount: (task) => {
      const predictions = input.tasks?.get(task);
      if (!predictions) return undefined;
      let counts = countCache.get(task);
      if (!counts) {
        counts = categoryCount(predictions);
        countCache.set(task, counts);
      }
      return counts;
    },
    tagRows,
    tagNames: () => {
      const names = new Set(input.tags?.keys() ?? []);
      names.add(INITIAL_TAG);
      return [...names].sort();
    },
  };
  return source;
}
