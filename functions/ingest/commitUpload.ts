/**
 * Committing an upload: validate every file, convert to column shards, and only then make the new rows
 * visible by moving the dataset to a new manifest with a conditional update.
 *
 * Order of work. No file is held whole: memory is a few shards of embeddings, the file-name index of the
 * upload and one typed column per key or score over its rows (a 1M × 128 commit fits in 512 MB).
 * 1. multipart files are completed; every announced file must exist with its announced size;
 * 2. `embeddings.csv` streams from S3 through the byte-level parser into shards (file names unique in
 *    the upload; one dimension); then the dataset's file names, a shard at a time, must not be among
 *    the upload's;
 * 3. metadata and predictions stream line by line (JSON lines) or a batch of files at a time (per-file
 *    JSONs) into columns over the upload's rows, record by record, and are written along the same shard
 *    boundaries; object embeddings per task; `lightly.*` keys and a thumbnail from each image;
 * 4. the manifest is written, then one transaction moves the dataset record to it (conditional on the
 *    version it was read at), marks the upload COMMITTED (conditional on this commit's start) and
 *    ensures `initial-tag`.
 *
 * Any failure before step 4 deletes what was written and leaves the dataset exactly as it was. A
 * validation failure marks the upload REJECTED with the reason; an unexpected one puts it back to
 * PENDING so the commit can be retried.
 */
import type { BlobStore } from '../store/blobs.js';
import { mapLimit } from '../store/mapLimit.js';
import {
  ColumnReader,
  EMPTY_MANIFEST,
  manifestKey,
  type CorruptSample,
  type DatasetManifest,
  type MetadataKeyManifest,
  type TaskManifest,
} from '../store/columns.js';
import type { Dataset, DatasetRepository } from '../store/datasets.js';
import type { TagRepository } from '../store/tags.js';
import type { Upload, UploadRepository } from '../store/uploads.js';
import {
  CategoryCodes,
  EmbeddingsCsvParser,
  EmbeddingsFormatError,
  FormatError,
  MetadataTableBuilder,
  parseEmbeddingsCsvStream,
  parseMetadataFile,
  parseMetadataLine,
  parseMetadataSchema,
  parsePredictionFile,
  parsePredictionLine,
  parseTaskSchema,
  parseTasksJson,
  PredictionRowPlacer,
  buildObjectEmbeddings,
  EmbeddingsAccumulator,
  type MetadataRecord,
  type MetadataSchemaEntry,
  type PredictionRecord,
  type TaskSchema,
} from '../formats/index.js';
import { normalizeRows } from '../selection/memorySource.js';
import { scoreNamesFor } from '../selection/scores/index.js';
import { corruptReason, ImageDecodeError, UploadStateError, UploadValidationError } from './errors.js';
import { COMMIT_LEASE_MS } from './limits.js';
import { computeImageMetadata, IMAGE_METADATA_SCHEMA } from './imageMetadata.js';
import { classifyUploadPath, uploadObjectKey, type UploadFileKind } from './layout.js';
import { forEachLine } from './lines.js';
import { ShardWriter } from './shardWriter.js';
import { makeThumbnail, THUMBNAIL_CONTENT_TYPE } from './thumbnails.js';
import { TaskColumnsBuilder } from './taskColumns.js';

export interface IngestDeps {
  readonly datasets: DatasetRepository;
  readonly tags: TagRepository;
  readonly uploads: UploadRepository;
  readonly blobs: BlobStore;
}

/** Called with the wall time of each phase of a commit (for benchmarks and logs). */
export type PhaseTimer = (phase: string, milliseconds: number) => void;

export interface MultipartCompletion {
  readonly path: string;
  readonly parts: readonly { readonly partNumber: number; readonly etag: string }[];
}

/** Files of one kind fetched with at most this many requests in flight. */
const FETCH_CONCURRENCY = 16;

/** The dataset's file-name shards read at once when checking an upload's names against them. */
const NAME_SHARDS_IN_FLIGHT = 4;

/** Per-file JSONs are fetched this many at a time, so that only a batch of them is held. */
const FILE_BATCH = FETCH_CONCURRENCY * 16;

export async function commitUpload(
  deps: IngestDeps,
  tenantId: string,
  datasetId: string,
  uploadId: string,
  multipart: readonly MultipartCompletion[] = [],
  onPhase?: PhaseTimer,
): Promise<Upload> {
  const { dataset, upload } = await beginCommit(deps, tenantId, datasetId, uploadId);
  return finishCommit(deps, dataset, upload, multipart, onPhase);
}

/**
 * The first half of a commit: the upload must be PENDING, and becomes COMMITTING with the time its
 * commit began — or COMMITTING with a commit that began more than {@link COMMIT_LEASE_MS} ago, which
 * this one takes over.
 */
export async function beginCommit(deps: IngestDeps, tenantId: string, datasetId: string, uploadId: string, now = new Date()): Promise<{ dataset: Dataset; upload: Upload }> {
  const dataset = await deps.datasets.get(tenantId, datasetId);
  const upload = await deps.uploads.get(dataset.id, uploadId);
  const startedAt = now.toISOString();
  if (upload.status === 'PENDING') {
    return { dataset, upload: await deps.uploads.transition(dataset.id, upload.id, 'PENDING', 'COMMITTING', { commitStartedAt: startedAt }) };
  }
  if (upload.status === 'COMMITTING') {
    const began = upload.commitStartedAt === undefined ? 0 : Date.parse(upload.commitStartedAt);
    const retakeAt = new Date(began + COMMIT_LEASE_MS);
    if (now >= retakeAt) return { dataset, upload: await deps.uploads.retakeCommit(dataset.id, upload.id, upload.commitStartedAt, startedAt) };
    throw new UploadStateError(upload.id, upload.status, { since: upload.commitStartedAt!, retakeAt: retakeAt.toISOString() });
  }
  throw new UploadStateError(upload.id, upload.status);
}

/**
 * The second half: validate, convert, and move the upload to COMMITTED — or REJECTED with the reason
 * (the error is rethrown), or back to PENDING after an unexpected failure so that it can be retried.
 */
export async function finishCommit(
  deps: IngestDeps,
  dataset: Dataset,
  upload: Upload,
  multipart: readonly MultipartCompletion[] = [],
  onPhase?: PhaseTimer,
): Promise<Upload> {
  const conversion = new UploadConversion(deps, dataset, upload, onPhase);
  try {
    // The conversion ends with the transaction that makes the upload COMMITTED with the dataset's new version.
    await conversion.run(multipart);
  } catch (error) {
    await conversion.discard();
    const rejected = isRejection(error);
    await deps.uploads.transition(
      dataset.id,
      upload.id,
      'COMMITTING',
      rejected ? 'REJECTED' : 'PENDING',
      { ...(rejected ? { error: (error as Error).message } : {}) },
      upload.commitStartedAt,
    );
    throw error;
  }
  // A committed upload is kept for good (uncommitted ones expire). The commit stands either way, so a
  // failure here is only logged: the record would expire later, never the samples.
  await deps.uploads.keep(dataset.id, upload.id).catch((error: unknown) =>
    console.error(JSON.stringify({ level: 'warn', message: 'committed upload keeps its expiry', uploadId: upload.id, error: String(error) })),
  );
  return deps.uploads.get(dataset.id, upload.id);
}

/** Whether a commit failed on the upload's content (REJECTED, final) rather than on something transient. */
export function isRejection(error: unknown): boolean {
  return error instanceof UploadValidationError || error instanceof FormatError || error instanceof ImageDecodeError;
}

type FileOf<K extends UploadFileKind['kind']> = { path: string; kind: Extract<UploadFileKind, { kind: K }> };

class UploadConversion {
  private writer: ShardWriter | undefined;
  private readonly written: string[] = [];
  /** Images of this upload that cannot be decoded (absolute rows). */
  private readonly corruptSamples: CorruptSample[] = [];

  constructor(
    private readonly deps: IngestDeps,
    private readonly dataset: Dataset,
    private readonly upload: Upload,
    private readonly onPhase: PhaseTimer = () => undefined,
  ) {}

  private async phase<T>(name: string, work: () => Promise<T>): Promise<T> {
    const started = performance.now();
    const result = await work();
    this.onPhase(name, performance.now() - started);
    return result;
  }

  /** Removes every object this conversion wrote (best effort: unreferenced objects are harmless). */
  async discard(): Promise<void> {
    await this.writer?.settle();
    const keys = [...this.written, ...(this.writer?.written ?? [])];
    await mapLimit(keys, FETCH_CONCURRENCY, (key) => this.deps.blobs.delete(key).catch(() => undefined));
  }

  async run(multipart: readonly MultipartCompletion[]): Promise<number> {
    const { blobs } = this.deps;
    await this.phase('check files', async () => {
      await this.completeMultipart(multipart);
      await this.checkFilesPresent();
    });
    const files = this.upload.files.map((file) => ({ path: file.path, kind: classifyUploadPath(file.path) as UploadFileKind }));
    const only = <K extends UploadFileKind['kind']>(kind: K) => files.filter((f): f is FileOf<K> => f.kind.kind === kind);

    const manifest = this.dataset.manifestKey
      ? ((await blobs.getJson<DatasetManifest>(this.dataset.manifestKey)) ?? EMPTY_MANIFEST)
      : EMPTY_MANIFEST;

    // 1. Embeddings: the samples this upload adds; none may be in the dataset already.
    const parser = await this.phase('embeddings', () => this.streamEmbeddings(manifest));
    if (manifest.rowCount > 0) await this.phase('names against the dataset', () => this.checkNewNames(manifest, parser));
    const writer = this.writer!;
    const rows = writer.rowCount;

    // 2. Metadata.
    const metadata = { ...manifest.metadata } as Record<string, MetadataKeyManifest>;
    const imageFiles = only('image');
    await this.phase('metadata', () => this.convertMetadata(only, manifest, metadata, rows, parser.rowFinder(), imageFiles.length > 0));

    // 3. Predictions and object embeddings.
    const tasks = { ...manifest.tasks } as Record<string, TaskManifest>;
    const objectCounts = await this.phase('predictions', () => this.convertPredictions(only, manifest, tasks, rows, parser.rowFinder()));
    await this.phase('object embeddings', () => this.convertObjectEmbeddings(only, tasks, objectCounts, parser.rowFinder()));

    // 4. Computed metadata from images.
    if (imageFiles.length > 0) await this.phase('images', () => this.convertImages(imageFiles, metadata, rows, parser.rowFinder(), manifest.rowCount));

    // 5. Manifest, then the pointer to it.
    const next: DatasetManifest = {
      version: manifest.version + 1,
      rowCount: manifest.rowCount + rows,
      embeddingDimension: writer.dim,
      shards: [...manifest.shards, ...writer.manifests()],
      metadata,
      tasks,
      computedMetadata: manifest.computedMetadata || imageFiles.length > 0,
      ...(manifest.corruptSamples || this.corruptSamples.length > 0 ? { corruptSamples: [...(manifest.corruptSamples ?? []), ...this.corruptSamples] } : {}),
    };
    const key = manifestKey(this.dataset.id, next.version);
    this.written.push(key);
    await blobs.putJson(key, next);
    // One transaction: the dataset moves to the new manifest, the upload becomes COMMITTED — only if it is
    // still this commit's (one taken over after its lease must not add its rows) — and `initial-tag`
    // exists. A crash before it leaves the dataset as it was; after it, the commit is complete.
    const { uploads, tags } = this.deps;
    await this.deps.datasets.commitVersion(
      this.dataset.tenantId,
      this.dataset.id,
      this.dataset.version,
      { version: next.version, manifestKey: key, sampleCount: next.rowCount, embeddingDimension: next.embeddingDimension },
      [
        uploads.committedItem(this.dataset.id, this.upload.id, this.upload.commitStartedAt, { committedAt: new Date().toISOString(), samplesAdded: rows }),
        tags.initialTagItem(this.dataset.id),
      ],
    );
    // From here on the new version is visible; nothing may be discarded any more.
    this.written.length = 0;
    this.writer = undefined;
    return rows;
  }

  private key(path: string): string {
    return uploadObjectKey(this.dataset.id, this.upload.id, path);
  }

  private async stream(path: string): Promise<AsyncIterable<Uint8Array>> {
    const stream = await this.deps.blobs.stream(this.key(path));
    if (!stream) throw new UploadValidationError(`'${path}' was never uploaded`, { file: path });
    return stream;
  }

  /**
   * Parses record files in order: JSON-lines files streamed line by line, per-file JSONs fetched a batch
   * at a time; each record goes to `onRecord` and is not kept.
   */
  private async forEachRecord<R>(
    files: readonly { path: string; lines: boolean }[],
    parseLine: (text: string, file: string, line: number) => R,
    parseFile: (text: string, file: string) => R,
    onRecord: (record: R) => void,
  ): Promise<void> {
    for (let i = 0; i < files.length; ) {
      const file = files[i]!;
      if (file.lines) {
        await forEachLine(await this.stream(file.path), (text, line) => onRecord(parseLine(text, file.path, line)));
        i++;
        continue;
      }
      let end = i;
      while (end < files.length && end - i < FILE_BATCH && !files[end]!.lines) end++;
      const batch = files.slice(i, end);
      const texts = await mapLimit(batch, FETCH_CONCURRENCY, (f) => this.text(f.path));
      batch.forEach((f, k) => onRecord(parseFile(texts[k]!, f.path)));
      i = end;
    }
  }

  private async text(path: string): Promise<string> {
    const bytes = await this.deps.blobs.get(this.key(path));
    if (!bytes) throw new UploadValidationError(`'${path}' was never uploaded`, { file: path });
    return Buffer.from(bytes).toString('utf8');
  }

  private async completeMultipart(multipart: readonly MultipartCompletion[]): Promise<void> {
    const byPath = new Map(multipart.map((m) => [m.path, m]));
    for (const [index, m] of multipart.entries()) {
      if (!this.upload.files.some((f) => f.path === m.path && f.multipartUploadId)) {
        throw new UploadValidationError(`'${m.path}' is not a file of this upload sent in parts`, { path: `multipart[${index}].path` });
      }
    }
    for (const file of this.upload.files) {
      if (!file.multipartUploadId) continue;
      const completion = byPath.get(file.path);
      if (!completion) {
        throw new UploadValidationError(`'${file.path}' was sent in parts: pass the ETag of each part in multipart`, {
          file: file.path,
          path: 'multipart',
        });
      }
      const expected = Math.ceil(file.size / file.partSize!);
      const numbers = completion.parts.map((p) => p.partNumber).sort((a, b) => a - b);
      if (numbers.length !== expected || numbers.some((n, i) => n !== i + 1)) {
        throw new UploadValidationError(`'${file.path}' needs parts 1 to ${expected}, got ${numbers.join(', ') || 'none'}`, {
          file: file.path,
          path: 'multipart',
        });
      }
      try {
        await this.deps.blobs.completeMultipart(this.key(file.path), file.multipartUploadId, [...completion.parts].sort((a, b) => a.partNumber - b.partNumber));
      } catch (error) {
        throw new UploadValidationError(`'${file.path}': the parts could not be assembled (${(error as Error).name}); were all parts uploaded?`, {
          file: file.path,
        });
      }
    }
  }

  private async checkFilesPresent(): Promise<void> {
    const sizes = await mapLimit(this.upload.files, FETCH_CONCURRENCY, (file) => this.deps.blobs.size(this.key(file.path)));
    this.upload.files.forEach((file, index) => {
      const size = sizes[index];
      if (size === undefined) throw new UploadValidationError(`'${file.path}' was never uploaded`, { file: file.path });
      if (size !== file.size) {
        throw new UploadValidationError(`'${file.path}' has ${size} bytes but ${file.size} were announced; upload it again`, { file: file.path });
      }
    });
  }

  /**
   * No file name of the upload may be in the dataset. The dataset's names are read a shard at a time
   * and looked up among the upload's (which the parser indexes anyway), so memory follows the upload
   * and not the dataset: a set of a 10M-row dataset's names would be a gigabyte. The error names the
   * upload's first such line.
   */
  private async checkNewNames(manifest: DatasetManifest, parser: EmbeddingsCsvParser): Promise<void> {
    const reader = new ColumnReader(this.deps.blobs, manifest);
    let first: { fileName: string; line: number } | undefined;
    await mapLimit(manifest.shards, NAME_SHARDS_IN_FLIGHT, async (shard) => {
      for (const fileName of await reader.fileNames(shard)) {
        const row = parser.rowOf(fileName);
        if (row === undefined) continue;
        const line = parser.lineOf(row);
        if (!first || line < first.line) first = { fileName, line };
      }
    });
    if (first) throw new EmbeddingsFormatError('duplicate_file', { file: 'embeddings.csv', line: first.line }, `file ${JSON.stringify(first.fileName)} is already in the dataset`);
  }

  private async streamEmbeddings(manifest: DatasetManifest): Promise<EmbeddingsCsvParser> {
    const file = 'embeddings.csv';
    const stream = await this.stream(file);
    const parser = new EmbeddingsCsvParser(file, {
      header: ({ dim }) => {
        if (manifest.embeddingDimension > 0 && dim !== manifest.embeddingDimension) {
          throw new EmbeddingsFormatError('header', { file, line: 1 }, `has ${dim} embedding columns, but the dataset's embeddings have ${manifest.embeddingDimension}`);
        }
        this.writer = new ShardWriter(this.deps.blobs, this.dataset.id, dim, manifest.rowCount);
      },
      row: (fileName, values) => this.writer!.add(fileName, values),
      rows: (fileNames, values) => this.writer!.addRows(fileNames, values),
    });
    // The parser takes the body's chunks as they come (bytes, any boundaries); waiting on the writer
    // between chunks keeps the reading from running ahead of the shard uploads.
    for await (const chunk of stream) {
      parser.write(chunk);
      await this.writer?.drain();
    }
    const { rows } = parser.end();
    if (rows === 0) throw new EmbeddingsFormatError('empty_file', { file }, 'has a header but no samples');
    await this.writer!.finishEmbeddings();
    return parser;
  }

  private async convertMetadata(
    only: <K extends UploadFileKind['kind']>(kind: K) => FileOf<K>[],
    manifest: DatasetManifest,
    metadata: Record<string, MetadataKeyManifest>,
    rows: number,
    rowOf: (fileName: string) => number | undefined,
    imagesUploaded: boolean,
  ): Promise<void> {
    const schemaFile = only('metadataSchema')[0];
    const recordFiles = [...only('metadataJsonl'), ...only('metadataFile')];
    if (recordFiles.length > 0 && !schemaFile) {
      throw new UploadValidationError('metadata files need .lightly/metadata/schema.json in the same upload', { file: recordFiles[0]!.path });
    }
    // Keys of earlier uploads keep applying (with their defaults) to rows that this upload adds.
    let schema: MetadataSchemaEntry[] = Object.entries(manifest.metadata)
      .filter(([, key]) => !key.computed)
      .map(([path, key]) => ({ name: path, path, valueDataType: key.type, ...(key.defaultValue !== undefined ? { defaultValue: key.defaultValue } : {}) }));
    if (schemaFile) {
      const uploaded = parseMetadataSchema(await this.text(schemaFile.path), schemaFile.path);
      uploaded.forEach((entry, index) => {
        const known = manifest.metadata[entry.path];
        if (known && known.type !== entry.valueDataType) {
          throw new UploadValidationError(`key '${entry.path}' is ${entry.valueDataType} here but ${known.type} in the dataset`, {
            file: schemaFile.path,
            path: `$[${index}].valueDataType`,
          });
        }
      });
      const uploadedPaths = new Set(uploaded.map((e) => e.path));
      schema = [...schema.filter((e) => !uploadedPaths.has(e.path)), ...uploaded];
    }
    if (schema.length === 0 && recordFiles.length === 0) return;
    const builder = new MetadataTableBuilder(schema, rows, rowOf);
    await this.forEachRecord<MetadataRecord>(
      recordFiles.map((f) => ({ path: f.path, lines: f.kind.kind === 'metadataJsonl' })),
      parseMetadataLine,
      parseMetadataFile,
      (record) => builder.add(record),
    );
    const table = builder.finish();
    const entryOf = new Map(schema.map((e) => [e.path, e]));
    for (const [key, column] of table.columns) {
      const type = table.types.get(key)!;
      const computed = COMPUTED_KEYS.has(key);
      // Values computed from images replace supplied ones.
      if (computed && imagesUploaded) continue;
      const known = metadata[key];
      if (known && known.type !== type) {
        throw new UploadValidationError(`key '${key}' is ${type} here but ${known.type} in the dataset`, { file: schemaFile?.path ?? 'metadata' });
      }
      const defaultValue = entryOf.get(key)?.defaultValue;
      if (column.kind === 'numeric') {
        await this.writer!.addColumn(`metadata/${key}`, column.values);
        metadata[key] = { type, ...(computed ? { computed: true } : {}), ...(defaultValue !== undefined ? { defaultValue } : {}) };
      } else {
        // Codes index the dataset-wide category list, which only grows, so earlier shards stay valid.
        const categories = new CategoryCodes(known?.categories);
        const remap = column.categories.map((label) => categories.codeOf(label));
        const codes = column.codes.map((code) => (code < 0 ? -1 : remap[code]!));
        await this.writer!.addColumn(`metadata/${key}`, codes);
        metadata[key] = { type, categories: categories.labels, ...(defaultValue !== undefined ? { defaultValue } : {}) };
      }
    }
  }

  private async convertPredictions(
    only: <K extends UploadFileKind['kind']>(kind: K) => FileOf<K>[],
    manifest: DatasetManifest,
    tasks: Record<string, TaskManifest>,
    rows: number,
    rowOf: (fileName: string) => number | undefined,
  ): Promise<Map<string, Int32Array>> {
    /** Per task of this upload: the number of predictions of each of its rows (-1 = no record). */
    const result = new Map<string, Int32Array>();
    const tasksFile = only('tasks')[0];
    const schemaFiles = only('taskSchema');
    const recordFiles = [...only('predictionsJsonl'), ...only('predictionsFile')];
    if (!tasksFile) {
      const stray = schemaFiles[0] ?? recordFiles[0];
      if (stray) throw new UploadValidationError('prediction files need .lightly/predictions/tasks.json in the same upload', { file: stray.path });
      return result;
    }
    const names = parseTasksJson(await this.text(tasksFile.path), tasksFile.path);
    const schemas = new Map<string, TaskSchema>();
    for (const name of names) {
      const schemaFile = schemaFiles.find((f) => f.kind.task === name);
      if (!schemaFile) {
        throw new UploadValidationError(`task '${name}' is listed but .lightly/predictions/${name}/schema.json is missing`, { file: tasksFile.path });
      }
      const schema = parseTaskSchema(await this.text(schemaFile.path), schemaFile.path, name);
      const known = manifest.tasks[name];
      if (known) {
        const same =
          known.type === schema.type &&
          known.categories.length === schema.categories.length &&
          known.categories.every((c, i) => c.id === schema.categories[i]!.id && c.name === schema.categories[i]!.name);
        if (!same) throw new UploadValidationError(`task '${name}' differs from the dataset's (type or categories)`, { file: schemaFile.path });
      }
      schemas.set(name, schema);
    }
    for (const f of [...schemaFiles, ...recordFiles]) {
      if (!schemas.has(f.kind.task)) {
        throw new UploadValidationError(`task '${f.kind.task}' is not listed in ${tasksFile.path}`, { file: f.path });
      }
    }
    for (const [name, schema] of schemas) {
      const files = recordFiles.filter((f) => f.kind.task === name);
      const placer = new PredictionRowPlacer(schema, rows, rowOf);
      const builder = new TaskColumnsBuilder(schema, rows);
      await this.forEachRecord<PredictionRecord>(
        files.map((f) => ({ path: f.path, lines: f.kind.kind === 'predictionsJsonl' })),
        (text, file, line) => parsePredictionLine(text, file, line, schema),
        (text, file) => parsePredictionFile(text, file, schema),
        (record) => builder.add(placer.place(record), record.predictions),
      );
      const columns = builder.finish();
      result.set(name, columns.objectCount);
      const scoreNames = scoreNamesFor(schema.type);
      for (const [score, values] of columns.scores) await this.writer!.addColumn(`tasks/${name}/score/${score}`, values);
      await this.writer!.addColumn(`tasks/${name}/classCounts`, columns.classCounts, columns.classes.length);
      await this.writer!.addColumn(`tasks/${name}/present`, columns.present);
      await this.writer!.addColumn(`tasks/${name}/categoryCount`, columns.categoryCount);
      tasks[name] = {
        type: schema.type,
        categories: schema.categories.map((c) => ({ id: c.id, name: c.name })),
        classes: [...columns.classes],
        scoreNames: [...scoreNames],
        objectEmbeddings: tasks[name]?.objectEmbeddings ?? false,
      };
    }
    return result;
  }

  private async convertObjectEmbeddings(
    only: <K extends UploadFileKind['kind']>(kind: K) => FileOf<K>[],
    tasks: Record<string, TaskManifest>,
    objectCounts: ReadonlyMap<string, Int32Array>,
    rowOf: (fileName: string) => number | undefined,
  ): Promise<void> {
    const writer = this.writer!;
    for (const f of only('objectEmbeddings')) {
      const task = f.kind.task;
      if (!tasks[task]) throw new UploadValidationError(`object embeddings for task '${task}', which the dataset does not have`, { file: f.path });
      const sink = new EmbeddingsAccumulator();
      await parseEmbeddingsCsvStream(await this.stream(f.path), f.path, { objectLevel: true }, sink);
      const counts = objectCounts.get(task);
      const objects = buildObjectEmbeddings(sink.result(f.path), rowOf, counts ? (row) => (counts[row]! < 0 ? undefined : counts[row]) : undefined);
      const sampleRow = objects.sampleRow.map((row) => row + writer.rowStart);
      await writer.addObjectColumns(task, sampleRow, {
        embeddings: { values: normalizeRows(objects.data, objects.dim), width: objects.dim },
        sampleRow: { values: sampleRow, width: 1 },
        objectIndex: { values: objects.objectIndex, width: 1 },
      });
      tasks[task] = { ...tasks[task], objectEmbeddings: true, objectDim: objects.dim };
    }
  }

  private async convertImages(
    images: FileOf<'image'>[],
    metadata: Record<string, MetadataKeyManifest>,
    rows: number,
    rowOf: (fileName: string) => number | undefined,
    firstRow: number,
  ): Promise<void> {
    const columns = new Map(IMAGE_METADATA_SCHEMA.map((field) => [field.name, new Float64Array(rows).fill(NaN)]));
    const thumbnails = new Uint8Array(rows);
    const corrupt: CorruptSample[] = [];
    await mapLimit(images, 4, async (f) => {
      const row = rowOf(f.kind.fileName);
      if (row === undefined) throw new UploadValidationError(`image '${f.kind.fileName}' is not a sample of embeddings.csv`, { file: f.path });
      const bytes = await this.deps.blobs.get(this.key(f.path));
      if (!bytes) throw new UploadValidationError(`'${f.path}' was never uploaded`, { file: f.path });
      let values;
      try {
        values = await computeImageMetadata(bytes, f.path);
      } catch (error) {
        // An unreadable image is a fact about the sample, not a fault of the upload: the sample is kept,
        // marked corrupt (never selected), and its computed keys stay missing.
        if (!(error instanceof ImageDecodeError)) throw error;
        corrupt.push({ row: firstRow + row, fileName: f.kind.fileName, reason: corruptReason(bytes, error) });
        return;
      }
      for (const [name, column] of columns) column[row] = values[name];
      // A decodable image has a thumbnail for the console; should making one still fail, the sample only
      // shows without it.
      const thumbnail = await makeThumbnail(bytes, f.path).catch((error: unknown) => {
        if (error instanceof ImageDecodeError) return undefined;
        throw error;
      });
      if (!thumbnail) return;
      await this.writer!.putThumbnail(firstRow + row, thumbnail, THUMBNAIL_CONTENT_TYPE);
      thumbnails[row] = 1;
    });
    corrupt.sort((a, b) => a.row - b.row);
    this.corruptSamples.push(...corrupt);
    await this.writer!.addColumn('thumbnail', thumbnails);
    for (const field of IMAGE_METADATA_SCHEMA) {
      await this.writer!.addColumn(`metadata/${field.name}`, columns.get(field.name)!);
      metadata[field.name] = { type: field.valueDataType, computed: true };
    }
  }
}

const COMPUTED_KEYS = new Set<string>(IMAGE_METADATA_SCHEMA.map((field) => field.name));
