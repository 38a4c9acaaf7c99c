import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { Dataset as DatasetRecord } from '../../store/datasets.js';
import type { TagModel, DatapoolModel } from '../models.js';
import type { Upload as UploadRecord } from '../../store/uploads.js';
import type { SelectionRun as RunRecord } from '../../store/runs.js';
import type { ApiContext } from '../context.js';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type Omit<T, K extends keyof T> = Pick<T, Exclude<keyof T, K>>;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** An ISO-8601 timestamp in UTC. */
  DateTime: { input: string; output: string; }
  /** Arbitrary JSON. */
  JSON: { input: unknown; output: unknown; }
};

export type BalanceDistribution =
  | 'INPUT'
  | 'TARGET'
  | 'UNIFORM';

export type Category = {
  __typename?: 'Category';
  id: Scalars['Int']['output'];
  name: Scalars['String']['output'];
};

export type ClassShareInput = {
  className: Scalars['String']['input'];
  share: Scalars['Float']['input'];
};

export type CompletedPartInput = {
  etag: Scalars['String']['input'];
  partNumber: Scalars['Int']['input'];
};

export type CorruptSample = {
  __typename?: 'CorruptSample';
  fileName: Scalars['String']['output'];
  reason: Scalars['String']['output'];
};

export type CorruptSamplePage = {
  __typename?: 'CorruptSamplePage';
  items: Array<CorruptSample>;
  nextCursor?: Maybe<Scalars['String']['output']>;
};

/** A dataset's datapool, shown as the read-only tag `datapool`. */
export type Datapool = {
  __typename?: 'Datapool';
  /** The pool run holding the pool while it is queued or running. */
  activeRunId?: Maybe<Scalars['ID']['output']>;
  /** Number of samples in the pool. */
  count: Scalars['Int']['output'];
  /** File names of the pool's samples in row order. `first` is 1–1000 (default 100). */
  fileNames: FileNamePage;
  history: Array<DatapoolEvent>;
  /** Rows at and past this index were added since the last pool run: a pool run's default candidates. */
  newSamplesFrom: Scalars['Int']['output'];
  tagName: Scalars['String']['output'];
};


/** A dataset's datapool, shown as the read-only tag `datapool`. */
export type DatapoolFileNamesArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

export type DatapoolEvent = {
  __typename?: 'DatapoolEvent';
  added: Scalars['Int']['output'];
  at: Scalars['DateTime']['output'];
  count: Scalars['Int']['output'];
  /** RUN (a pool run added its picks) or RESET. */
  event: Scalars['String']['output'];
  runId?: Maybe<Scalars['ID']['output']>;
};

export type Dataset = {
  __typename?: 'Dataset';
  /** Whether the `lightly.*` keys were computed from uploaded images. */
  computedMetadataAvailable: Scalars['Boolean']['output'];
  /** Samples whose uploaded image cannot be decoded, with the reason; they are never selected. `first` is 1–1000 (default 100). */
  corruptSamples: CorruptSamplePage;
  createdAt: Scalars['DateTime']['output'];
  /** The datapool: samples picked by the dataset's pool runs, read-only. */
  datapool: Datapool;
  /** Dimension of the uploaded embeddings; null until embeddings are uploaded. */
  embeddingDimension?: Maybe<Scalars['Int']['output']>;
  id: Scalars['ID']['output'];
  /** Metadata keys with their types, computed `lightly.*` keys included. */
  metadataKeys: Array<MetadataKey>;
  name: Scalars['String']['output'];
  /** Number of samples (rows) in the dataset. */
  sampleCount: Scalars['Int']['output'];
  /** Selection runs, newest first. `first` is 1–100 (default 50). */
  selectionRuns: SelectionRunPage;
  /** One tag; `NOT_FOUND` when the dataset has none of that name. */
  tag: Tag;
  /** Tags, by name. `first` is 1–100 (default 50). */
  tags: TagPage;
  /** Prediction tasks with their types, categories and active-learning score names. */
  tasks: Array<PredictionTask>;
  /** One upload (e.g. to follow a commit in the background); `NOT_FOUND` when the dataset has none of that id. */
  upload: Upload;
  /** Uploads, oldest first. */
  uploads: Array<Upload>;
};


export type DatasetCorruptSamplesArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type DatasetSelectionRunsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type DatasetTagArgs = {
  name: Scalars['String']['input'];
};


export type DatasetTagsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type DatasetUploadArgs = {
  id: Scalars['ID']['input'];
};

export type DatasetPage = {
  __typename?: 'DatasetPage';
  items: Array<Dataset>;
  /** Pass as `after` to get the next page; null on the last page. */
  nextCursor?: Maybe<Scalars['String']['output']>;
};

export type DroppedRows = {
  __typename?: 'DroppedRows';
  count: Scalars['Int']['output'];
  /** Why: e.g. `THRESHOLD strategies[1]: lightly.sharpness BIGGER 20`, `no value for weather.description`. */
  reason: Scalars['String']['output'];
};

export type DuplicateSample = {
  __typename?: 'DuplicateSample';
  duplicateOfFileName: Scalars['String']['output'];
  fileName: Scalars['String']['output'];
};

export type DuplicateSummary = {
  __typename?: 'DuplicateSummary';
  count: Scalars['Int']['output'];
  listed: Array<DuplicateSample>;
};

export type FileNamePage = {
  __typename?: 'FileNamePage';
  items: Array<Scalars['String']['output']>;
  nextCursor?: Maybe<Scalars['String']['output']>;
};

export type InlineFileInput = {
  /** The file's content as UTF-8 text. */
  content: Scalars['String']['input'];
  path: Scalars['String']['input'];
};

export type InputType =
  | 'EMBEDDINGS'
  | 'METADATA'
  | 'PREDICTIONS'
  | 'RANDOM'
  | 'SCORES';

export type MetadataKey = {
  __typename?: 'MetadataKey';
  /** True for the `lightly.*` keys computed from images. */
  computed: Scalars['Boolean']['output'];
  /** Dotted path, as used by `METADATA` inputs. */
  name: Scalars['String']['output'];
  type: MetadataValueType;
};

export type MetadataValueType =
  | 'CATEGORICAL_BOOLEAN'
  | 'CATEGORICAL_INT'
  | 'CATEGORICAL_STRING'
  | 'NUMERIC_FLOAT'
  | 'NUMERIC_INT';

export type MultipartCompletionInput = {
  parts: Array<CompletedPartInput>;
  path: Scalars['String']['input'];
};

export type Mutation = {
  __typename?: 'Mutation';
  /** Stops a QUEUED or RUNNING selection; it ends CANCELLED and writes no tag. */
  cancelSelection: SelectionRun;
  /** Creates a tag `name` in the left tag's dataset from two tags of that same dataset. */
  combineTags: Tag;
  /**
   * Validates every file of an upload and, only if all are valid, adds its samples to the dataset. For
   * files sent in parts, pass the ETag of every part. A rejected upload leaves the dataset as it was.
   * Uploads up to the server's inline limit (256 MiB of files by default) are done when this returns
   * (COMMITTED, or an error with the file and line); larger ones return COMMITTING at once and are
   * converted in the background: follow `dataset { upload(id) { status error } }` until COMMITTED or
   * REJECTED (`error` then names the file and line).
   */
  commitUpload: Upload;
  /** Creates an empty dataset. `name`: 1–128 characters, no control characters, unique per tenant. */
  createDataset: Dataset;
  /** Creates a tag from file names of the dataset. */
  createTag: Tag;
  /**
   * Starts an upload: returns a presigned S3 PUT URL per file (or presigned part URLs for files larger than
   * the part size). Paths follow the Lightly layout: `embeddings.csv` (required),
   * `embeddings/<task>.csv`, `.lightly/metadata/schema.json`, `.lightly/metadata/metadata.jsonl` or
   * `.lightly/metadata/<file_name>.json`, `.lightly/predictions/tasks.json`,
   * `.lightly/predictions/<task>/schema.json`, `.lightly/predictions/<task>/predictions.jsonl` or
   * `.lightly/predictions/<task>/<file_name>.json`, and `images/<file_name>`. At most 10,000 files. The
   * answer carries the first 1,000 URLs; page through `targets` for the rest. URLs expire after 1 hour.
   */
  createUpload: Upload;
  /**
   * Deletes a dataset with its uploads, tags, runs and stored objects. Refused with `CONFLICT` while a
   * selection on it is QUEUED or RUNNING, or one on another dataset that reads this one's embeddings as
   * SIMILARITY queries. Returns true once the dataset is gone.
   */
  deleteDataset: Scalars['Boolean']['output'];
  /** Deletes a tag; `initial-tag` cannot be deleted. */
  deleteTag: Scalars['Boolean']['output'];
  renameTag: Tag;
  /** Empties the dataset's datapool (its history keeps a RESET entry). `CONFLICT` while a pool run is queued or running. */
  resetDatapool: Datapool;
  /**
   * Starts a selection: runs `config` (a Lightly selection config, as JSON) on the dataset and writes the
   * picked samples to the new tag `resultTagName`. `inputTagName` limits the candidates to a tag;
   * `preselectedTagName` counts a tag's samples as already picked. The config is checked before anything
   * starts; errors name the JSON path (`extensions.path`, e.g. `config.strategies[0].strategy.type`).
   * With `idempotencyKey`, repeating the call returns the run it started the first time.
   * Give exactly one of `config` and `typedConfig`.
   * `useDatapool`: the dataset's datapool (the picks of earlier pool runs) counts as already picked, only
   * samples added since the last pool run are candidates (`processAll`: every sample outside the pool), and
   * `n_samples` counts new picks; the pool grows by them only if the run succeeds. A second pool run on the
   * dataset while one is queued or running is refused with `CONFLICT`.
   */
  startSelection: SelectionRun;
  /**
   * Uploads and commits small files given inline: at most 4 MiB of content in total, counted as the request
   * carries it (JSON-escaped in the body and again in the Lambda event: a quote or backslash counts 4 bytes,
   * a newline 3).
   */
  uploadInline: Upload;
};


export type MutationCancelSelectionArgs = {
  id: Scalars['ID']['input'];
};


export type MutationCombineTagsArgs = {
  left: TagRefInput;
  name: Scalars['String']['input'];
  operation: TagOperation;
  right: TagRefInput;
};


export type MutationCommitUploadArgs = {
  datasetId: Scalars['ID']['input'];
  multipart?: InputMaybe<Array<MultipartCompletionInput>>;
  uploadId: Scalars['ID']['input'];
};


export type MutationCreateDatasetArgs = {
  name: Scalars['String']['input'];
};


export type MutationCreateTagArgs = {
  datasetId: Scalars['ID']['input'];
  fileNames: Array<Scalars['String']['input']>;
  name: Scalars['String']['input'];
};


export type MutationCreateUploadArgs = {
  datasetId: Scalars['ID']['input'];
  files: Array<UploadFileInput>;
};


export type MutationDeleteDatasetArgs = {
  id: Scalars['ID']['input'];
};


export type MutationDeleteTagArgs = {
  datasetId: Scalars['ID']['input'];
  name: Scalars['String']['input'];
};


export type MutationRenameTagArgs = {
  datasetId: Scalars['ID']['input'];
  name: Scalars['String']['input'];
  newName: Scalars['String']['input'];
};


export type MutationResetDatapoolArgs = {
  datasetId: Scalars['ID']['input'];
};


export type MutationStartSelectionArgs = {
  config?: InputMaybe<Scalars['JSON']['input']>;
  datasetId: Scalars['ID']['input'];
  idempotencyKey?: InputMaybe<Scalars['String']['input']>;
  inputTagName?: InputMaybe<Scalars['String']['input']>;
  preselectedTagName?: InputMaybe<Scalars['String']['input']>;
  processAll?: InputMaybe<Scalars['Boolean']['input']>;
  resultTagName: Scalars['String']['input'];
  typedConfig?: InputMaybe<SelectionConfigInput>;
  useDatapool?: InputMaybe<Scalars['Boolean']['input']>;
};


export type MutationUploadInlineArgs = {
  datasetId: Scalars['ID']['input'];
  files: Array<InlineFileInput>;
};

export type PhaseTiming = {
  __typename?: 'PhaseTiming';
  milliseconds: Scalars['Float']['output'];
  phase: Scalars['String']['output'];
};

export type PickPage = {
  __typename?: 'PickPage';
  items: Array<SelectionPick>;
  nextCursor?: Maybe<Scalars['String']['output']>;
};

export type PickedSequence = {
  __typename?: 'PickedSequence';
  fileNames: Array<Scalars['String']['output']>;
  firstFrame: Scalars['Int']['output'];
  lastFrame: Scalars['Int']['output'];
  /** The video's path (`drive/cam_1.mp4`). */
  video: Scalars['String']['output'];
};

export type PredictionTask = {
  __typename?: 'PredictionTask';
  categories: Array<Category>;
  /** Whether object-level embeddings (`embeddings/<task>.csv`) were uploaded. */
  hasObjectEmbeddings: Scalars['Boolean']['output'];
  name: Scalars['String']['output'];
  /** Names usable as `SCORES` inputs of this task. */
  scoreNames: Array<Scalars['String']['output']>;
  type: TaskType;
};

export type PredictionsName =
  | 'CATEGORY_COUNT'
  | 'CLASS_DISTRIBUTION';

export type PresignedPart = {
  __typename?: 'PresignedPart';
  partNumber: Scalars['Int']['output'];
  url: Scalars['String']['output'];
};

export type Query = {
  __typename?: 'Query';
  /** One dataset; `NOT_FOUND` when it does not exist. */
  dataset: Dataset;
  /** The caller's datasets, oldest first. `first` is 1–100 (default 50). */
  datasets: DatasetPage;
  /** One selection run; `NOT_FOUND` when it does not exist. */
  selectionRun: SelectionRun;
};


export type QueryDatasetArgs = {
  id: Scalars['ID']['input'];
};


export type QueryDatasetsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QuerySelectionRunArgs = {
  id: Scalars['ID']['input'];
};

export type RunPhase =
  | 'DONE'
  | 'PLAN'
  | 'SELECT'
  | 'SHARDS';

export type RunStatus =
  | 'CANCELLED'
  | 'FAILED'
  | 'QUEUED'
  | 'RUNNING'
  | 'SUCCEEDED';

export type Sample = {
  __typename?: 'Sample';
  fileName: Scalars['String']['output'];
  /**
   * A presigned GET URL (valid 1 hour) of a WebP thumbnail of the sample's image, at most 256 px on its
   * longer side; null when no image was uploaded for the sample or it cannot be decoded.
   */
  thumbnailUrl?: Maybe<Scalars['String']['output']>;
};

export type SamplePage = {
  __typename?: 'SamplePage';
  items: Array<Sample>;
  nextCursor?: Maybe<Scalars['String']['output']>;
};

/** The selection config as a typed input, for clients that want schema checking. */
export type SelectionConfigInput = {
  nSamples?: InputMaybe<Scalars['Int']['input']>;
  proportionSamples?: InputMaybe<Scalars['Float']['input']>;
  /** Drop samples whose embedding row is bit-identical to an earlier one (default true). */
  removeExactDuplicates?: InputMaybe<Scalars['Boolean']['input']>;
  /** Frames per selected video sequence (default 1: single samples); `nSamples` must be a multiple of it. */
  selectedSequenceLength?: InputMaybe<Scalars['Int']['input']>;
  strategies: Array<SelectionEntryInput>;
};

export type SelectionEntryInput = {
  input: SelectionInputInput;
  strategy: SelectionStrategyInput;
  strength?: InputMaybe<Scalars['Float']['input']>;
};

export type SelectionInputInput = {
  datasetId?: InputMaybe<Scalars['ID']['input']>;
  key?: InputMaybe<Scalars['String']['input']>;
  name?: InputMaybe<PredictionsName>;
  randomSeed?: InputMaybe<Scalars['Int']['input']>;
  score?: InputMaybe<Scalars['String']['input']>;
  tagName?: InputMaybe<Scalars['String']['input']>;
  task?: InputMaybe<Scalars['String']['input']>;
  type: InputType;
};

export type SelectionPick = {
  __typename?: 'SelectionPick';
  fileName: Scalars['String']['output'];
  objectives: Array<StrategyObjective>;
  /** Order of the pick, from 0. */
  rank: Scalars['Int']['output'];
  /** The combined score: Σ strength × log(objective). */
  score: Scalars['Float']['output'];
};

/** Presigned downloads of a run's report; the URLs expire after 1 hour. */
export type SelectionReport = {
  __typename?: 'SelectionReport';
  /** A self-contained HTML page (no network needed to view it). */
  htmlUrl: Scalars['String']['output'];
  /** The same figures as JSON. */
  jsonUrl: Scalars['String']['output'];
};

export type SelectionRun = {
  __typename?: 'SelectionRun';
  config: Scalars['JSON']['output'];
  createdAt: Scalars['DateTime']['output'];
  datasetId: Scalars['ID']['output'];
  executionArn?: Maybe<Scalars['String']['output']>;
  /** Why the run failed, in words. */
  failureReason?: Maybe<Scalars['String']['output']>;
  finishedAt?: Maybe<Scalars['DateTime']['output']>;
  id: Scalars['ID']['output'];
  inputTagName?: Maybe<Scalars['String']['output']>;
  phase?: Maybe<RunPhase>;
  /** Why each sample was picked, in pick order. `first` is 1–1000 (default 100). */
  picks: PickPage;
  picksSoFar?: Maybe<Scalars['Int']['output']>;
  preselectedTagName?: Maybe<Scalars['String']['output']>;
  /** The run's report (self-contained HTML and its figures as JSON), once the run has SUCCEEDED. */
  report?: Maybe<SelectionReport>;
  /** The result tag, once the run has SUCCEEDED. */
  resultTag?: Maybe<Tag>;
  resultTagName: Scalars['String']['output'];
  shardsDone?: Maybe<Scalars['Int']['output']>;
  shardsTotal?: Maybe<Scalars['Int']['output']>;
  startedAt?: Maybe<Scalars['DateTime']['output']>;
  status: RunStatus;
  summary?: Maybe<SelectionSummary>;
  /**
   * Each task invocation so far, in the order of the workflow: plan, shards by index, Select hops, finish.
   * An entry is written as its task ends, so Finish's comes just after the run turns SUCCEEDED.
   */
  taskTimings: Array<TaskTiming>;
  timings: Array<PhaseTiming>;
};


export type SelectionRunPicksArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

export type SelectionRunPage = {
  __typename?: 'SelectionRunPage';
  items: Array<SelectionRun>;
  nextCursor?: Maybe<Scalars['String']['output']>;
};

export type SelectionStrategyInput = {
  distribution?: InputMaybe<BalanceDistribution>;
  numNearestNeighbors?: InputMaybe<Scalars['Int']['input']>;
  operation?: InputMaybe<ThresholdOperation>;
  stoppingConditionMaxSum?: InputMaybe<Scalars['Float']['input']>;
  stoppingConditionMinimumDistance?: InputMaybe<Scalars['Float']['input']>;
  stoppingConditionMinimumTypicality?: InputMaybe<Scalars['Float']['input']>;
  strength?: InputMaybe<Scalars['Float']['input']>;
  /** BALANCE targets as a list (GraphQL inputs cannot have free-form keys). */
  target?: InputMaybe<Array<ClassShareInput>>;
  targetRange?: InputMaybe<TargetRangeInput>;
  threshold?: InputMaybe<Scalars['Float']['input']>;
  type: StrategyType;
};

export type SelectionSummary = {
  __typename?: 'SelectionSummary';
  dropped: Array<DroppedRows>;
  /** Candidates removed as exact duplicates (`remove_exact_duplicates`), each with the sample it duplicates (the first 200). */
  duplicates?: Maybe<DuplicateSummary>;
  /** What the strategies report about the result, e.g. a WEIGHTS sum against its target range or BALANCE shares against the target. */
  notes: Array<Scalars['String']['output']>;
  /** Candidates after the input tag and before thresholds. */
  poolSize: Scalars['Int']['output'];
  preselected: Scalars['Int']['output'];
  requested: Scalars['Int']['output'];
  selected: Scalars['Int']['output'];
  /** A sequence selection (`selected_sequence_length` > 1): the picked sequences (the first 200); counts above are frames. */
  sequences?: Maybe<SequenceSummary>;
  /** TARGET_REACHED, POOL_EXHAUSTED, or the stopping condition that ended the selection. */
  stopReason: Scalars['String']['output'];
};

export type SequenceSummary = {
  __typename?: 'SequenceSummary';
  candidates: Scalars['Int']['output'];
  /** Frames left out because their video's last run of frames was shorter than the length. */
  incompleteTailFrames: Scalars['Int']['output'];
  length: Scalars['Int']['output'];
  picked: Array<PickedSequence>;
};

export type StrategyObjective = {
  __typename?: 'StrategyObjective';
  /** The strategy's objective for this sample when it was picked (≥ 0). */
  objective: Scalars['Float']['output'];
  /** Index of the strategy in the config. */
  strategy: Scalars['Int']['output'];
};

export type StrategyType =
  | 'BALANCE'
  | 'DIVERSITY'
  | 'SIMILARITY'
  | 'THRESHOLD'
  | 'TYPICALITY'
  | 'WEIGHTS';

export type Tag = {
  __typename?: 'Tag';
  /** Number of samples in the tag. */
  count: Scalars['Int']['output'];
  createdAt: Scalars['DateTime']['output'];
  /** Who made it: `user:<tenant>`, `selection:<run id>` or `system`. */
  createdBy: Scalars['String']['output'];
  /** A presigned URL (valid 1 hour, as every presigned URL of the API) of the tag as a text file, one file name per line. */
  downloadUrl: Scalars['String']['output'];
  /** File names of the tag's samples in row order. `first` is 1–1000 (default 100). */
  fileNames: FileNamePage;
  name: Scalars['String']['output'];
  /** What it was made from. */
  parent?: Maybe<Scalars['String']['output']>;
  /**
   * The tag's samples in row order with a thumbnail of each uploaded image, a page at a time. `first` is
   * 1–1000 (default 100); cursors are those of `fileNames`.
   */
  samples: SamplePage;
};


export type TagFileNamesArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type TagSamplesArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

export type TagOperation =
  | 'DIFFERENCE'
  | 'INTERSECTION'
  | 'UNION';

export type TagPage = {
  __typename?: 'TagPage';
  items: Array<Tag>;
  nextCursor?: Maybe<Scalars['String']['output']>;
};

export type TagRefInput = {
  datasetId: Scalars['ID']['input'];
  tagName: Scalars['String']['input'];
};

export type TargetRangeInput = {
  maxSum?: InputMaybe<Scalars['Float']['input']>;
  minSum?: InputMaybe<Scalars['Float']['input']>;
};

/**
 * One workflow task invocation: its wall time and the peak resident memory of the process that ran it.
 * On Lambda a warm container's peak is its peak since it started, so there the figure is an upper bound
 * of the task's own.
 */
export type TaskTiming = {
  __typename?: 'TaskTiming';
  /** Which Select invocation (from 0), for a select task: Select checkpoints near its time limit and runs again. */
  hop?: Maybe<Scalars['Int']['output']>;
  milliseconds: Scalars['Float']['output'];
  peakRssMb: Scalars['Float']['output'];
  /** The shard, for a shard task. */
  shard?: Maybe<Scalars['Int']['output']>;
  /** The task: plan, shard, select or finish. */
  task: Scalars['String']['output'];
};

export type TaskType =
  | 'CLASSIFICATION'
  | 'INSTANCE_SEGMENTATION'
  | 'KEYPOINT_DETECTION'
  | 'OBJECT_DETECTION'
  | 'SEMANTIC_SEGMENTATION';

export type ThresholdOperation =
  | 'BIGGER'
  | 'BIGGER_EQUAL'
  | 'SMALLER'
  | 'SMALLER_EQUAL';

export type Upload = {
  __typename?: 'Upload';
  /** When its commit began (the latest attempt). A commit not ended 16 minutes after this has died, and the upload may be committed again. */
  commitStartedAt?: Maybe<Scalars['DateTime']['output']>;
  committedAt?: Maybe<Scalars['DateTime']['output']>;
  createdAt: Scalars['DateTime']['output'];
  /** Why the commit was rejected: file, line and what is wrong. */
  error?: Maybe<Scalars['String']['output']>;
  /** When the presigned URLs expire. */
  expiresAt: Scalars['DateTime']['output'];
  /**
   * The upload's files. On `createUpload`'s answer, the first page of targets (see `targets`) is filled in
   * (`url` / `parts`); files beyond it have none there — get them from `targets`.
   */
  files: Array<UploadFile>;
  id: Scalars['ID']['output'];
  /** Samples added by the commit. */
  samplesAdded?: Maybe<Scalars['Int']['output']>;
  status: UploadStatus;
  /**
   * Presigned targets of the files, in the order of `files`: a PUT URL per file, or per part for files sent
   * in parts (a file's parts may span pages). `first` counts URLs, 1–1000 (default 1000). Presigned on each
   * call and valid 1 hour from then, so a resumed upload asks again for fresh ones. Only while PENDING
   * (else `CONFLICT`).
   */
  targets: UploadTargetPage;
};


export type UploadTargetsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

export type UploadFile = {
  __typename?: 'UploadFile';
  partSize?: Maybe<Scalars['Float']['output']>;
  /** Presigned part URLs, for files sent in parts of `partSize` bytes (the last one shorter). */
  parts?: Maybe<Array<PresignedPart>>;
  path: Scalars['String']['output'];
  size: Scalars['Float']['output'];
  /** Presigned PUT URL, for files sent in one piece. */
  url?: Maybe<Scalars['String']['output']>;
};

export type UploadFileInput = {
  /** Path in the Lightly layout, e.g. `embeddings.csv`. */
  path: Scalars['String']['input'];
  /** Size in bytes. */
  size: Scalars['Float']['input'];
};

export type UploadStatus =
  | 'COMMITTED'
  /** Being validated and converted. */
  | 'COMMITTING'
  /** Waiting for its files and the commit. */
  | 'PENDING'
  /** Validation failed; nothing was added. `error` says why. */
  | 'REJECTED';

export type UploadTargetPage = {
  __typename?: 'UploadTargetPage';
  items: Array<UploadFile>;
  /** Pass as `after` to get the next page; null on the last page. */
  nextCursor?: Maybe<Scalars['String']['output']>;
};

export type WithIndex<TObject> = TObject & Record<string, any>;
export type ResolversObject<TObject> = WithIndex<TObject>;

export type ResolverTypeWrapper<T> = Promise<T> | T;


export type ResolverWithResolve<TResult, TParent, TContext, TArgs> = {
  resolve: ResolverFn<TResult, TParent, TContext, TArgs>;
};
export type Resolver<TResult, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = ResolverFn<TResult, TParent, TContext, TArgs> | ResolverWithResolve<TResult, TParent, TContext, TArgs>;

export type ResolverFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => Promise<TResult> | TResult;

export type SubscriptionSubscribeFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => AsyncIterable<TResult> | Promise<AsyncIterable<TResult>>;

export type SubscriptionResolveFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

export interface SubscriptionSubscriberObject<TResult, TKey extends string, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<{ [key in TKey]: TResult }, TParent, TContext, TArgs>;
  resolve?: SubscriptionResolveFn<TResult, { [key in TKey]: TResult }, TContext, TArgs>;
}

export interface SubscriptionResolverObject<TResult, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<any, TParent, TContext, TArgs>;
  resolve: SubscriptionResolveFn<TResult, any, TContext, TArgs>;
}

export type SubscriptionObject<TResult, TKey extends string, TParent, TContext, TArgs> =
  | SubscriptionSubscriberObject<TResult, TKey, TParent, TContext, TArgs>
  | SubscriptionResolverObject<TResult, TParent, TContext, TArgs>;

export type SubscriptionResolver<TResult, TKey extends string, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> =
  | ((...args: any[]) => SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>)
  | SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>;

export type TypeResolveFn<TTypes, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (
  parent: TParent,
  context: TContext,
  info: GraphQLResolveInfo
) => Maybe<TTypes> | Promise<Maybe<TTypes>>;

export type IsTypeOfResolverFn<T = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (obj: T, context: TContext, info: GraphQLResolveInfo) => boolean | Promise<boolean>;

export type NextResolverFn<T> = () => Promise<T>;

export type DirectiveResolverFn<TResult = Record<PropertyKey, never>, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = (
  next: NextResolverFn<TResult>,
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;





/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = ResolversObject<{
  BalanceDistribution: BalanceDistribution;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  Category: ResolverTypeWrapper<Category>;
  ClassShareInput: ClassShareInput;
  CompletedPartInput: CompletedPartInput;
  CorruptSample: ResolverTypeWrapper<CorruptSample>;
  CorruptSamplePage: ResolverTypeWrapper<CorruptSamplePage>;
  Datapool: ResolverTypeWrapper<DatapoolModel>;
  DatapoolEvent: ResolverTypeWrapper<DatapoolEvent>;
  Dataset: ResolverTypeWrapper<DatasetRecord>;
  DatasetPage: ResolverTypeWrapper<Omit<DatasetPage, 'items'> & { items: Array<ResolversTypes['Dataset']> }>;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  DroppedRows: ResolverTypeWrapper<DroppedRows>;
  DuplicateSample: ResolverTypeWrapper<DuplicateSample>;
  DuplicateSummary: ResolverTypeWrapper<DuplicateSummary>;
  FileNamePage: ResolverTypeWrapper<FileNamePage>;
  Float: ResolverTypeWrapper<Scalars['Float']['output']>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  InlineFileInput: InlineFileInput;
  InputType: InputType;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  JSON: ResolverTypeWrapper<Scalars['JSON']['output']>;
  MetadataKey: ResolverTypeWrapper<MetadataKey>;
  MetadataValueType: MetadataValueType;
  MultipartCompletionInput: MultipartCompletionInput;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  PhaseTiming: ResolverTypeWrapper<PhaseTiming>;
  PickPage: ResolverTypeWrapper<PickPage>;
  PickedSequence: ResolverTypeWrapper<PickedSequence>;
  PredictionTask: ResolverTypeWrapper<PredictionTask>;
  PredictionsName: PredictionsName;
  PresignedPart: ResolverTypeWrapper<PresignedPart>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  RunPhase: RunPhase;
  RunStatus: RunStatus;
  Sample: ResolverTypeWrapper<Sample>;
  SamplePage: ResolverTypeWrapper<SamplePage>;
  SelectionConfigInput: SelectionConfigInput;
  SelectionEntryInput: SelectionEntryInput;
  SelectionInputInput: SelectionInputInput;
  SelectionPick: ResolverTypeWrapper<SelectionPick>;
  SelectionReport: ResolverTypeWrapper<SelectionReport>;
  SelectionRun: ResolverTypeWrapper<RunRecord>;
  SelectionRunPage: ResolverTypeWrapper<Omit<SelectionRunPage, 'items'> & { items: Array<ResolversTypes['SelectionRun']> }>;
  SelectionStrategyInput: SelectionStrategyInput;
  SelectionSummary: ResolverTypeWrapper<SelectionSummary>;
  SequenceSummary: ResolverTypeWrapper<SequenceSummary>;
  StrategyObjective: ResolverTypeWrapper<StrategyObjective>;
  StrategyType: StrategyType;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  Tag: ResolverTypeWrapper<TagModel>;
  TagOperation: TagOperation;
  TagPage: ResolverTypeWrapper<Omit<TagPage, 'items'> & { items: Array<ResolversTypes['Tag']> }>;
  TagRefInput: TagRefInput;
  TargetRangeInput: TargetRangeInput;
  TaskTiming: ResolverTypeWrapper<TaskTiming>;
  TaskType: TaskType;
  ThresholdOperation: ThresholdOperation;
  Upload: ResolverTypeWrapper<UploadRecord>;
  UploadFile: ResolverTypeWrapper<UploadFile>;
  UploadFileInput: UploadFileInput;
  UploadStatus: UploadStatus;
  UploadTargetPage: ResolverTypeWrapper<UploadTargetPage>;
}>;

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = ResolversObject<{
  Boolean: Scalars['Boolean']['output'];
  Category: Category;
  ClassShareInput: ClassShareInput;
  CompletedPartInput: CompletedPartInput;
  CorruptSample: CorruptSample;
  CorruptSamplePage: CorruptSamplePage;
  Datapool: DatapoolModel;
  DatapoolEvent: DatapoolEvent;
  Dataset: DatasetRecord;
  DatasetPage: Omit<DatasetPage, 'items'> & { items: Array<ResolversParentTypes['Dataset']> };
  DateTime: Scalars['DateTime']['output'];
  DroppedRows: DroppedRows;
  DuplicateSample: DuplicateSample;
  DuplicateSummary: DuplicateSummary;
  FileNamePage: FileNamePage;
  Float: Scalars['Float']['output'];
  ID: Scalars['ID']['output'];
  InlineFileInput: InlineFileInput;
  Int: Scalars['Int']['output'];
  JSON: Scalars['JSON']['output'];
  MetadataKey: MetadataKey;
  MultipartCompletionInput: MultipartCompletionInput;
  Mutation: Record<PropertyKey, never>;
  PhaseTiming: PhaseTiming;
  PickPage: PickPage;
  PickedSequence: PickedSequence;
  PredictionTask: PredictionTask;
  PresignedPart: PresignedPart;
  Query: Record<PropertyKey, never>;
  Sample: Sample;
  SamplePage: SamplePage;
  SelectionConfigInput: SelectionConfigInput;
  SelectionEntryInput: SelectionEntryInput;
  SelectionInputInput: SelectionInputInput;
  SelectionPick: SelectionPick;
  SelectionReport: SelectionReport;
  SelectionRun: RunRecord;
  SelectionRunPage: Omit<SelectionRunPage, 'items'> & { items: Array<ResolversParentTypes['SelectionRun']> };
  SelectionStrategyInput: SelectionStrategyInput;
  SelectionSummary: SelectionSummary;
  SequenceSummary: SequenceSummary;
  StrategyObjective: StrategyObjective;
  String: Scalars['String']['output'];
  Tag: TagModel;
  TagPage: Omit<TagPage, 'items'> & { items: Array<ResolversParentTypes['Tag']> };
  TagRefInput: TagRefInput;
  TargetRangeInput: TargetRangeInput;
  TaskTiming: TaskTiming;
  Upload: UploadRecord;
  UploadFile: UploadFile;
  UploadFileInput: UploadFileInput;
  UploadTargetPage: UploadTargetPage;
}>;

export type CategoryResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['Category'] = ResolversParentTypes['Category']> = ResolversObject<{
  id?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type CorruptSampleResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['CorruptSample'] = ResolversParentTypes['CorruptSample']> = ResolversObject<{
  fileName?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  reason?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type CorruptSamplePageResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['CorruptSamplePage'] = ResolversParentTypes['CorruptSamplePage']> = ResolversObject<{
  items?: Resolver<Array<ResolversTypes['CorruptSample']>, ParentType, ContextType>;
  nextCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
}>;

export type DatapoolResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['Datapool'] = ResolversParentTypes['Datapool']> = ResolversObject<{
  activeRunId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  count?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  fileNames?: Resolver<ResolversTypes['FileNamePage'], ParentType, ContextType, RequireFields<DatapoolFileNamesArgs, 'first'>>;
  history?: Resolver<Array<ResolversTypes['DatapoolEvent']>, ParentType, ContextType>;
  newSamplesFrom?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  tagName?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type DatapoolEventResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['DatapoolEvent'] = ResolversParentTypes['DatapoolEvent']> = ResolversObject<{
  added?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  at?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  count?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  event?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  runId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
}>;

export type DatasetResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['Dataset'] = ResolversParentTypes['Dataset']> = ResolversObject<{
  computedMetadataAvailable?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  corruptSamples?: Resolver<ResolversTypes['CorruptSamplePage'], ParentType, ContextType, RequireFields<DatasetCorruptSamplesArgs, 'first'>>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  datapool?: Resolver<ResolversTypes['Datapool'], ParentType, ContextType>;
  embeddingDimension?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  metadataKeys?: Resolver<Array<ResolversTypes['MetadataKey']>, ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  sampleCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  selectionRuns?: Resolver<ResolversTypes['SelectionRunPage'], ParentType, ContextType, RequireFields<DatasetSelectionRunsArgs, 'first'>>;
  tag?: Resolver<ResolversTypes['Tag'], ParentType, ContextType, RequireFields<DatasetTagArgs, 'name'>>;
  tags?: Resolver<ResolversTypes['TagPage'], ParentType, ContextType, RequireFields<DatasetTagsArgs, 'first'>>;
  tasks?: Resolver<Array<ResolversTypes['PredictionTask']>, ParentType, ContextType>;
  upload?: Resolver<ResolversTypes['Upload'], ParentType, ContextType, RequireFields<DatasetUploadArgs, 'id'>>;
  uploads?: Resolver<Array<ResolversTypes['Upload']>, ParentType, ContextType>;
}>;

export type DatasetPageResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['DatasetPage'] = ResolversParentTypes['DatasetPage']> = ResolversObject<{
  items?: Resolver<Array<ResolversTypes['Dataset']>, ParentType, ContextType>;
  nextCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
}>;

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export type DroppedRowsResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['DroppedRows'] = ResolversParentTypes['DroppedRows']> = ResolversObject<{
  count?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  reason?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type DuplicateSampleResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['DuplicateSample'] = ResolversParentTypes['DuplicateSample']> = ResolversObject<{
  duplicateOfFileName?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  fileName?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type DuplicateSummaryResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['DuplicateSummary'] = ResolversParentTypes['DuplicateSummary']> = ResolversObject<{
  count?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  listed?: Resolver<Array<ResolversTypes['DuplicateSample']>, ParentType, ContextType>;
}>;

export type FileNamePageResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['FileNamePage'] = ResolversParentTypes['FileNamePage']> = ResolversObject<{
  items?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  nextCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
}>;

export interface JsonScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['JSON'], any> {
  name: 'JSON';
}

export type MetadataKeyResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['MetadataKey'] = ResolversParentTypes['MetadataKey']> = ResolversObject<{
  computed?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  type?: Resolver<ResolversTypes['MetadataValueType'], ParentType, ContextType>;
}>;

export type MutationResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = ResolversObject<{
  cancelSelection?: Resolver<ResolversTypes['SelectionRun'], ParentType, ContextType, RequireFields<MutationCancelSelectionArgs, 'id'>>;
  combineTags?: Resolver<ResolversTypes['Tag'], ParentType, ContextType, RequireFields<MutationCombineTagsArgs, 'left' | 'name' | 'operation' | 'right'>>;
  commitUpload?: Resolver<ResolversTypes['Upload'], ParentType, ContextType, RequireFields<MutationCommitUploadArgs, 'datasetId' | 'uploadId'>>;
  createDataset?: Resolver<ResolversTypes['Dataset'], ParentType, ContextType, RequireFields<MutationCreateDatasetArgs, 'name'>>;
  createTag?: Resolver<ResolversTypes['Tag'], ParentType, ContextType, RequireFields<MutationCreateTagArgs, 'datasetId' | 'fileNames' | 'name'>>;
  createUpload?: Resolver<ResolversTypes['Upload'], ParentType, ContextType, RequireFields<MutationCreateUploadArgs, 'datasetId' | 'files'>>;
  deleteDataset?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType, RequireFields<MutationDeleteDatasetArgs, 'id'>>;
  deleteTag?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType, RequireFields<MutationDeleteTagArgs, 'datasetId' | 'name'>>;
  renameTag?: Resolver<ResolversTypes['Tag'], ParentType, ContextType, RequireFields<MutationRenameTagArgs, 'datasetId' | 'name' | 'newName'>>;
  resetDatapool?: Resolver<ResolversTypes['Datapool'], ParentType, ContextType, RequireFields<MutationResetDatapoolArgs, 'datasetId'>>;
  startSelection?: Resolver<ResolversTypes['SelectionRun'], ParentType, ContextType, RequireFields<MutationStartSelectionArgs, 'datasetId' | 'processAll' | 'resultTagName' | 'useDatapool'>>;
  uploadInline?: Resolver<ResolversTypes['Upload'], ParentType, ContextType, RequireFields<MutationUploadInlineArgs, 'datasetId' | 'files'>>;
}>;

export type PhaseTimingResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['PhaseTiming'] = ResolversParentTypes['PhaseTiming']> = ResolversObject<{
  milliseconds?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  phase?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type PickPageResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['PickPage'] = ResolversParentTypes['PickPage']> = ResolversObject<{
  items?: Resolver<Array<ResolversTypes['SelectionPick']>, ParentType, ContextType>;
  nextCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
}>;

export type PickedSequenceResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['PickedSequence'] = ResolversParentTypes['PickedSequence']> = ResolversObject<{
  fileNames?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  firstFrame?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  lastFrame?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  video?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type PredictionTaskResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['PredictionTask'] = ResolversParentTypes['PredictionTask']> = ResolversObject<{
  categories?: Resolver<Array<ResolversTypes['Category']>, ParentType, ContextType>;
  hasObjectEmbeddings?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  scoreNames?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  type?: Resolver<ResolversTypes['TaskType'], ParentType, ContextType>;
}>;

export type PresignedPartResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['PresignedPart'] = ResolversParentTypes['PresignedPart']> = ResolversObject<{
  partNumber?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  url?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type QueryResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = ResolversObject<{
  dataset?: Resolver<ResolversTypes['Dataset'], ParentType, ContextType, RequireFields<QueryDatasetArgs, 'id'>>;
  datasets?: Resolver<ResolversTypes['DatasetPage'], ParentType, ContextType, RequireFields<QueryDatasetsArgs, 'first'>>;
  selectionRun?: Resolver<ResolversTypes['SelectionRun'], ParentType, ContextType, RequireFields<QuerySelectionRunArgs, 'id'>>;
}>;

export type SampleResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['Sample'] = ResolversParentTypes['Sample']> = ResolversObject<{
  fileName?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  thumbnailUrl?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
}>;

export type SamplePageResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['SamplePage'] = ResolversParentTypes['SamplePage']> = ResolversObject<{
  items?: Resolver<Array<ResolversTypes['Sample']>, ParentType, ContextType>;
  nextCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
}>;

export type SelectionPickResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['SelectionPick'] = ResolversParentTypes['SelectionPick']> = ResolversObject<{
  fileName?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  objectives?: Resolver<Array<ResolversTypes['StrategyObjective']>, ParentType, ContextType>;
  rank?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  score?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
}>;

export type SelectionReportResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['SelectionReport'] = ResolversParentTypes['SelectionReport']> = ResolversObject<{
  htmlUrl?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  jsonUrl?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type SelectionRunResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['SelectionRun'] = ResolversParentTypes['SelectionRun']> = ResolversObject<{
  config?: Resolver<ResolversTypes['JSON'], ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  datasetId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  executionArn?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  failureReason?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  finishedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  inputTagName?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  phase?: Resolver<Maybe<ResolversTypes['RunPhase']>, ParentType, ContextType>;
  picks?: Resolver<ResolversTypes['PickPage'], ParentType, ContextType, RequireFields<SelectionRunPicksArgs, 'first'>>;
  picksSoFar?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  preselectedTagName?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  report?: Resolver<Maybe<ResolversTypes['SelectionReport']>, ParentType, ContextType>;
  resultTag?: Resolver<Maybe<ResolversTypes['Tag']>, ParentType, ContextType>;
  resultTagName?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  shardsDone?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  shardsTotal?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  startedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  status?: Resolver<ResolversTypes['RunStatus'], ParentType, ContextType>;
  summary?: Resolver<Maybe<ResolversTypes['SelectionSummary']>, ParentType, ContextType>;
  taskTimings?: Resolver<Array<ResolversTypes['TaskTiming']>, ParentType, ContextType>;
  timings?: Resolver<Array<ResolversTypes['PhaseTiming']>, ParentType, ContextType>;
}>;

export type SelectionRunPageResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['SelectionRunPage'] = ResolversParentTypes['SelectionRunPage']> = ResolversObject<{
  items?: Resolver<Array<ResolversTypes['SelectionRun']>, ParentType, ContextType>;
  nextCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
}>;

export type SelectionSummaryResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['SelectionSummary'] = ResolversParentTypes['SelectionSummary']> = ResolversObject<{
  dropped?: Resolver<Array<ResolversTypes['DroppedRows']>, ParentType, ContextType>;
  duplicates?: Resolver<Maybe<ResolversTypes['DuplicateSummary']>, ParentType, ContextType>;
  notes?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  poolSize?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  preselected?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  requested?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  selected?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  sequences?: Resolver<Maybe<ResolversTypes['SequenceSummary']>, ParentType, ContextType>;
  stopReason?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type SequenceSummaryResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['SequenceSummary'] = ResolversParentTypes['SequenceSummary']> = ResolversObject<{
  candidates?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  incompleteTailFrames?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  length?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  picked?: Resolver<Array<ResolversTypes['PickedSequence']>, ParentType, ContextType>;
}>;

export type StrategyObjectiveResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['StrategyObjective'] = ResolversParentTypes['StrategyObjective']> = ResolversObject<{
  objective?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  strategy?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type TagResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['Tag'] = ResolversParentTypes['Tag']> = ResolversObject<{
  count?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  createdBy?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  downloadUrl?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  fileNames?: Resolver<ResolversTypes['FileNamePage'], ParentType, ContextType, RequireFields<TagFileNamesArgs, 'first'>>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  parent?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  samples?: Resolver<ResolversTypes['SamplePage'], ParentType, ContextType, RequireFields<TagSamplesArgs, 'first'>>;
}>;

export type TagPageResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['TagPage'] = ResolversParentTypes['TagPage']> = ResolversObject<{
  items?: Resolver<Array<ResolversTypes['Tag']>, ParentType, ContextType>;
  nextCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
}>;

export type TaskTimingResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['TaskTiming'] = ResolversParentTypes['TaskTiming']> = ResolversObject<{
  hop?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  milliseconds?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  peakRssMb?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  shard?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  task?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type UploadResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['Upload'] = ResolversParentTypes['Upload']> = ResolversObject<{
  commitStartedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  committedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  error?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  expiresAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  files?: Resolver<Array<ResolversTypes['UploadFile']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  samplesAdded?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  status?: Resolver<ResolversTypes['UploadStatus'], ParentType, ContextType>;
  targets?: Resolver<ResolversTypes['UploadTargetPage'], ParentType, ContextType, RequireFields<UploadTargetsArgs, 'first'>>;
}>;

export type UploadFileResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['UploadFile'] = ResolversParentTypes['UploadFile']> = ResolversObject<{
  partSize?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  parts?: Resolver<Maybe<Array<ResolversTypes['PresignedPart']>>, ParentType, ContextType>;
  path?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  size?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  url?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
}>;

export type UploadTargetPageResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['UploadTargetPage'] = ResolversParentTypes['UploadTargetPage']> = ResolversObject<{
  items?: Resolver<Array<ResolversTypes['UploadFile']>, ParentType, ContextType>;
  nextCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
}>;

export type Resolvers<ContextType = ApiContext> = ResolversObject<{
  Category?: CategoryResolvers<ContextType>;
  CorruptSample?: CorruptSampleResolvers<ContextType>;
  CorruptSamplePage?: CorruptSamplePageResolvers<ContextType>;
  Datapool?: DatapoolResolvers<ContextType>;
  DatapoolEvent?: DatapoolEventResolvers<ContextType>;
  Dataset?: DatasetResolvers<ContextType>;
  DatasetPage?: DatasetPageResolvers<ContextType>;
  DateTime?: GraphQLScalarType;
  DroppedRows?: DroppedRowsResolvers<ContextType>;
  DuplicateSample?: DuplicateSampleResolvers<ContextType>;
  DuplicateSummary?: DuplicateSummaryResolvers<ContextType>;
  FileNamePage?: FileNamePageResolvers<ContextType>;
  JSON?: GraphQLScalarType;
  MetadataKey?: MetadataKeyResolvers<ContextType>;
  Mutation?: MutationResolvers<ContextType>;
  PhaseTiming?: PhaseTimingResolvers<ContextType>;
  PickPage?: PickPageResolvers<ContextType>;
  PickedSequence?: PickedSequenceResolvers<ContextType>;
  PredictionTask?: PredictionTaskResolvers<ContextType>;
  PresignedPart?: PresignedPartResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  Sample?: SampleResolvers<ContextType>;
  SamplePage?: SamplePageResolvers<ContextType>;
  SelectionPick?: SelectionPickResolvers<ContextType>;
  SelectionReport?: SelectionReportResolvers<ContextType>;
  SelectionRun?: SelectionRunResolvers<ContextType>;
  SelectionRunPage?: SelectionRunPageResolvers<ContextType>;
  SelectionSummary?: SelectionSummaryResolvers<ContextType>;
  SequenceSummary?: SequenceSummaryResolvers<ContextType>;
  StrategyObjective?: StrategyObjectiveResolvers<ContextType>;
  Tag?: TagResolvers<ContextType>;
  TagPage?: TagPageResolvers<ContextType>;
  TaskTiming?: TaskTimingResolvers<ContextType>;
  Upload?: UploadResolvers<ContextType>;
  UploadFile?: UploadFileResolvers<ContextType>;
  UploadTargetPage?: UploadTargetPageResolvers<ContextType>;
}>;

