import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { Dataset as DatasetRecord } from '../../store/datasets.js';
import type { TagModel } from '../models.js';
import type { Upload as UploadRecord } from '../../store/uploads.js';
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

export type Category = {
  __typename?: 'Category';
  id: Scalars['Int']['output'];
  name: Scalars['String']['output'];
};

export type CompletedPartInput = {
  etag: Scalars['String']['input'];
  partNumber: Scalars['Int']['input'];
};

export type Dataset = {
  __typename?: 'Dataset';
  /** Whether the `lightly.*` keys were computed from uploaded images. */
  computedMetadataAvailable: Scalars['Boolean']['output'];
  createdAt: Scalars['DateTime']['output'];
  /** Dimension of the uploaded embeddings; null until embeddings are uploaded. */
  embeddingDimension?: Maybe<Scalars['Int']['output']>;
  id: Scalars['ID']['output'];
  /** Metadata keys with their types, computed `lightly.*` keys included. */
  metadataKeys: Array<MetadataKey>;
  name: Scalars['String']['output'];
  /** Number of samples (rows) in the dataset. */
  sampleCount: Scalars['Int']['output'];
  /** One tag; `NOT_FOUND` when the dataset has none of that name. */
  tag: Tag;
  /** Tags, by name. `first` is 1–100 (default 50). */
  tags: TagPage;
  /** Prediction tasks with their types, categories and active-learning score names. */
  tasks: Array<PredictionTask>;
  /** Uploads, oldest first. */
  uploads: Array<Upload>;
};


export type DatasetTagArgs = {
  name: Scalars['String']['input'];
};


export type DatasetTagsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

export type DatasetPage = {
  __typename?: 'DatasetPage';
  items: Array<Dataset>;
  /** Pass as `after` to get the next page; null on the last page. */
  nextCursor?: Maybe<Scalars['String']['output']>;
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
  /** Creates a tag `name` in the left tag's dataset from two tags of that same dataset. */
  combineTags: Tag;
  /**
   * Validates every file of an upload and, only if all are valid, adds its samples to the dataset. For
   * files sent in parts, pass the ETag of every part. A rejected upload leaves the dataset as it was.
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
   * `.lightly/predictions/<task>/<file_name>.json`, and `images/<file_name>`. URLs expire after 1 hour.
   */
  createUpload: Upload;
  /** Deletes a tag; `initial-tag` cannot be deleted. */
  deleteTag: Scalars['Boolean']['output'];
  renameTag: Tag;
  /** Uploads and commits small files given inline (at most 4 MiB of content in total). */
  uploadInline: Upload;
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


export type MutationDeleteTagArgs = {
  datasetId: Scalars['ID']['input'];
  name: Scalars['String']['input'];
};


export type MutationRenameTagArgs = {
  datasetId: Scalars['ID']['input'];
  name: Scalars['String']['input'];
  newName: Scalars['String']['input'];
};


export type MutationUploadInlineArgs = {
  datasetId: Scalars['ID']['input'];
  files: Array<InlineFileInput>;
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
};


export type QueryDatasetArgs = {
  id: Scalars['ID']['input'];
};


export type QueryDatasetsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

export type Tag = {
  __typename?: 'Tag';
  /** Number of samples in the tag. */
  count: Scalars['Int']['output'];
  createdAt: Scalars['DateTime']['output'];
  /** Who made it: `user:<tenant>`, `selection:<run id>` or `system`. */
  createdBy: Scalars['String']['output'];
  /** A presigned URL (valid 15 minutes) of the tag as a text file, one file name per line. */
  downloadUrl: Scalars['String']['output'];
  /** File names of the tag's samples in row order. `first` is 1–1000 (default 100). */
  fileNames: FileNamePage;
  name: Scalars['String']['output'];
  /** What it was made from. */
  parent?: Maybe<Scalars['String']['output']>;
};


export type TagFileNamesArgs = {
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

export type TaskType =
  | 'CLASSIFICATION'
  | 'INSTANCE_SEGMENTATION'
  | 'KEYPOINT_DETECTION'
  | 'OBJECT_DETECTION'
  | 'SEMANTIC_SEGMENTATION';

export type Upload = {
  __typename?: 'Upload';
  committedAt?: Maybe<Scalars['DateTime']['output']>;
  createdAt: Scalars['DateTime']['output'];
  /** Why the commit was rejected: file, line and what is wrong. */
  error?: Maybe<Scalars['String']['output']>;
  /** When the presigned URLs expire. */
  expiresAt: Scalars['DateTime']['output'];
  files: Array<UploadFile>;
  id: Scalars['ID']['output'];
  /** Samples added by the commit. */
  samplesAdded?: Maybe<Scalars['Int']['output']>;
  status: UploadStatus;
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
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  Category: ResolverTypeWrapper<Category>;
  CompletedPartInput: CompletedPartInput;
  Dataset: ResolverTypeWrapper<DatasetRecord>;
  DatasetPage: ResolverTypeWrapper<Omit<DatasetPage, 'items'> & { items: Array<ResolversTypes['Dataset']> }>;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  FileNamePage: ResolverTypeWrapper<FileNamePage>;
  Float: ResolverTypeWrapper<Scalars['Float']['output']>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  InlineFileInput: InlineFileInput;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  JSON: ResolverTypeWrapper<Scalars['JSON']['output']>;
  MetadataKey: ResolverTypeWrapper<MetadataKey>;
  MetadataValueType: MetadataValueType;
  MultipartCompletionInput: MultipartCompletionInput;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  PredictionTask: ResolverTypeWrapper<PredictionTask>;
  PresignedPart: ResolverTypeWrapper<PresignedPart>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  Tag: ResolverTypeWrapper<TagModel>;
  TagOperation: TagOperation;
  TagPage: ResolverTypeWrapper<Omit<TagPage, 'items'> & { items: Array<ResolversTypes['Tag']> }>;
  TagRefInput: TagRefInput;
  TaskType: TaskType;
  Upload: ResolverTypeWrapper<UploadRecord>;
  UploadFile: ResolverTypeWrapper<UploadFile>;
  UploadFileInput: UploadFileInput;
  UploadStatus: UploadStatus;
}>;

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = ResolversObject<{
  Boolean: Scalars['Boolean']['output'];
  Category: Category;
  CompletedPartInput: CompletedPartInput;
  Dataset: DatasetRecord;
  DatasetPage: Omit<DatasetPage, 'items'> & { items: Array<ResolversParentTypes['Dataset']> };
  DateTime: Scalars['DateTime']['output'];
  FileNamePage: FileNamePage;
  Float: Scalars['Float']['output'];
  ID: Scalars['ID']['output'];
  InlineFileInput: InlineFileInput;
  Int: Scalars['Int']['output'];
  JSON: Scalars['JSON']['output'];
  MetadataKey: MetadataKey;
  MultipartCompletionInput: MultipartCompletionInput;
  Mutation: Record<PropertyKey, never>;
  PredictionTask: PredictionTask;
  PresignedPart: PresignedPart;
  Query: Record<PropertyKey, never>;
  String: Scalars['String']['output'];
  Tag: TagModel;
  TagPage: Omit<TagPage, 'items'> & { items: Array<ResolversParentTypes['Tag']> };
  TagRefInput: TagRefInput;
  Upload: UploadRecord;
  UploadFile: UploadFile;
  UploadFileInput: UploadFileInput;
}>;

export type CategoryResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['Category'] = ResolversParentTypes['Category']> = ResolversObject<{
  id?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type DatasetResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['Dataset'] = ResolversParentTypes['Dataset']> = ResolversObject<{
  computedMetadataAvailable?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  embeddingDimension?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  metadataKeys?: Resolver<Array<ResolversTypes['MetadataKey']>, ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  sampleCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  tag?: Resolver<ResolversTypes['Tag'], ParentType, ContextType, RequireFields<DatasetTagArgs, 'name'>>;
  tags?: Resolver<ResolversTypes['TagPage'], ParentType, ContextType, RequireFields<DatasetTagsArgs, 'first'>>;
  tasks?: Resolver<Array<ResolversTypes['PredictionTask']>, ParentType, ContextType>;
  uploads?: Resolver<Array<ResolversTypes['Upload']>, ParentType, ContextType>;
}>;

export type DatasetPageResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['DatasetPage'] = ResolversParentTypes['DatasetPage']> = ResolversObject<{
  items?: Resolver<Array<ResolversTypes['Dataset']>, ParentType, ContextType>;
  nextCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
}>;

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

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
  combineTags?: Resolver<ResolversTypes['Tag'], ParentType, ContextType, RequireFields<MutationCombineTagsArgs, 'left' | 'name' | 'operation' | 'right'>>;
  commitUpload?: Resolver<ResolversTypes['Upload'], ParentType, ContextType, RequireFields<MutationCommitUploadArgs, 'datasetId' | 'uploadId'>>;
  createDataset?: Resolver<ResolversTypes['Dataset'], ParentType, ContextType, RequireFields<MutationCreateDatasetArgs, 'name'>>;
  createTag?: Resolver<ResolversTypes['Tag'], ParentType, ContextType, RequireFields<MutationCreateTagArgs, 'datasetId' | 'fileNames' | 'name'>>;
  createUpload?: Resolver<ResolversTypes['Upload'], ParentType, ContextType, RequireFields<MutationCreateUploadArgs, 'datasetId' | 'files'>>;
  deleteTag?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType, RequireFields<MutationDeleteTagArgs, 'datasetId' | 'name'>>;
  renameTag?: Resolver<ResolversTypes['Tag'], ParentType, ContextType, RequireFields<MutationRenameTagArgs, 'datasetId' | 'name' | 'newName'>>;
  uploadInline?: Resolver<ResolversTypes['Upload'], ParentType, ContextType, RequireFields<MutationUploadInlineArgs, 'datasetId' | 'files'>>;
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
}>;

export type TagResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['Tag'] = ResolversParentTypes['Tag']> = ResolversObject<{
  count?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  createdBy?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  downloadUrl?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  fileNames?: Resolver<ResolversTypes['FileNamePage'], ParentType, ContextType, RequireFields<TagFileNamesArgs, 'first'>>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  parent?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
}>;

export type TagPageResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['TagPage'] = ResolversParentTypes['TagPage']> = ResolversObject<{
  items?: Resolver<Array<ResolversTypes['Tag']>, ParentType, ContextType>;
  nextCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
}>;

export type UploadResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['Upload'] = ResolversParentTypes['Upload']> = ResolversObject<{
  committedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  error?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  expiresAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  files?: Resolver<Array<ResolversTypes['UploadFile']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  samplesAdded?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  status?: Resolver<ResolversTypes['UploadStatus'], ParentType, ContextType>;
}>;

export type UploadFileResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['UploadFile'] = ResolversParentTypes['UploadFile']> = ResolversObject<{
  partSize?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  parts?: Resolver<Maybe<Array<ResolversTypes['PresignedPart']>>, ParentType, ContextType>;
  path?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  size?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  url?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
}>;

export type Resolvers<ContextType = ApiContext> = ResolversObject<{
  Category?: CategoryResolvers<ContextType>;
  Dataset?: DatasetResolvers<ContextType>;
  DatasetPage?: DatasetPageResolvers<ContextType>;
  DateTime?: GraphQLScalarType;
  FileNamePage?: FileNamePageResolvers<ContextType>;
  JSON?: GraphQLScalarType;
  MetadataKey?: MetadataKeyResolvers<ContextType>;
  Mutation?: MutationResolvers<ContextType>;
  PredictionTask?: PredictionTaskResolvers<ContextType>;
  PresignedPart?: PresignedPartResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  Tag?: TagResolvers<ContextType>;
  TagPage?: TagPageResolvers<ContextType>;
  Upload?: UploadResolvers<ContextType>;
  UploadFile?: UploadFileResolvers<ContextType>;
}>;

