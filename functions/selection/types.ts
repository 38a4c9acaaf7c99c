/**
 * The engine's view of a dataset: typed columns over rows, nothing else.
 *
 * A row is a sample (an image or a video frame); its index is fixed when the sample is ingested and never
 * changes. Everything the selection engine reads comes through a {@link SelectionSource}, so the same
 * engine runs over an in-memory folder (offline CLI), over column shards read from S3 (the workflow) and
 * over synthetic data in tests. The engine itself does no I/O.
 */

import type { RowBlocks } from '../kernels/index.js';

/**
 * Row-major float32 matrix: `rows × dim`, row `i` at `data[i*dim .. (i+1)*dim)`.
 *
 * A matrix larger than one of the kernels' blocks of memory (4 GiB) also has `blocks`, its rows as they
 * lie in those blocks; its `data` is then a copy of every row in one array, made on first read
 * (matrix.ts, `blockMatrix`). The selection tasks' paths read such a matrix through `blocks` (or
 * `embeddingRow`, `kernelRows` of matrix.ts), so that its rows exist once.
 */
export interface EmbeddingMatrix {
  readonly rows: number;
  readonly dim: number;
  readonly data: Float32Array;
  readonly blocks?: RowBlocks;
}

/**
 * Object-level embeddings of a prediction task: one vector per predicted object. `sampleRow[v]` is the
 * row of the sample (image) that object `v` lies in; `objectIndex[v]` is its index in that sample's
 * `predictions` list.
 */
export interface ObjectEmbeddings extends EmbeddingMatrix {
  readonly sampleRow: Int32Array;
  readonly objectIndex: Int32Array;
}

/** A metadata column. Numeric: NaN marks a missing value. Categorical: code -1 marks a missing value. */
export type MetadataColumn =
  | { readonly kind: 'numeric'; readonly values: Float64Array }
  | { readonly kind: 'categorical'; readonly codes: Int32Array; readonly categories: readonly string[] };

/** The Lightly metadata value types. */
export type MetadataValueType =
  | 'NUMERIC_INT'
  | 'NUMERIC_FLOAT'
  | 'CATEGORICAL_STRING'
  | 'CATEGORICAL_INT'
  | 'CATEGORICAL_BOOLEAN';

/** The Lightly prediction task types. */
export type TaskType =
  | 'CLASSIFICATION'
  | 'OBJECT_DETECTION'
  | 'SEMANTIC_SEGMENTATION'
  | 'INSTANCE_SEGMENTATION'
  | 'KEYPOINT_DETECTION';

export interface TaskInfo {
  readonly name: string;
  readonly type: TaskType;
  /** Category names by id. */
  readonly categories: ReadonlyMap<number, string>;
}

/**
 * Per-sample class-count vectors of a task (BALANCE on PREDICTIONS CLASS_DISTRIBUTION): row-major
 * `rows × classes.length`. `present[i]` is 0 for a sample that has no prediction record at all (dropped
 * from the pool by a strategy that needs it); a sample with a record but no objects has a zero vector.
 */
export interface ClassCounts {
  readonly classes: readonly string[];
  readonly counts: Float64Array;
  readonly present: Uint8Array;
}

export interface SelectionSource {
  /** Number of samples (rows). */
  readonly rowCount: number;
  /** File name of a row; a sample's identity. */
  fileName(row: number): string;
  /** This dataset's image-level embeddings, L2-normalized; undefined when none were uploaded. */
  embeddings(): EmbeddingMatrix | undefined;
  /** Object-level embeddings of a task, L2-normalized; undefined when the task has none. */
  objectEmbeddings(task: string): ObjectEmbeddings | undefined;
  /**
   * The query set of SIMILARITY: the L2-normalized embeddings of the samples of `tagName` in dataset
   * `datasetId`. `inQuerySet[row]` is 1 where a row of *this* dataset is itself one of the query
   * samples (same dataset and in the tag). Undefined when the dataset or tag does not exist.
   */
  querySet(datasetId: string, tagName: string): QuerySet | undefined;
  /** Metadata keys with their types (including computed `lightly.*` keys when available). */
  metadataKeys(): ReadonlyMap<string, MetadataValueType>;
  metadata(key: string): MetadataColumn | undefined;
  /** Prediction tasks of the dataset. */
  tasks(): ReadonlyMap<string, TaskInfo>;
  /** Active-learning score column of a task (NaN = the sample has no prediction record). */
  score(task: string, scoreName: string): Float64Array | undefined;
  /** Score names available for a task (depends on its type). */
  scoreNames(task: string): readonly string[];
  classCounts(task: string): ClassCounts | undefined;
  /** Number of predicted objects per sample (NaN = no prediction record). */
  categoryCount(task: string): Float64Array | undefined;
  /**
   * The image-level embeddings as uploaded (not normalized), when the source keeps them: exact duplicates
   * are decided on these. Without it, the normalized rows stand in.
   */
  rawEmbeddings?(): EmbeddingMatrix | undefined;
  /**
   * Class-count vectors of a categorical metadata key, for sources whose rows are not single samples
   * (a sequence sums its frames' one-hot vectors); when absent, BALANCE reads the key's codes as one-hot.
   */
  metadataClassCounts?(key: string): ClassCounts | undefined;
}

export interface QuerySet {
  readonly embeddings: EmbeddingMatrix;
  readonly inQuerySet?: Uint8Array;
}
