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
import { randomUUID } from 'node:crypto';
import type { BlobStore } from '../store/blobs.js';
import { mapLimit } from '../store/mapLimit.js';
import { EMPTY_MANIFEST, manifestKey, type DatasetManifest, type MetadataKeyManifest, type TaskManifest } from '../store/columns.js';
import type { Dataset, DatasetRepository } from '../store/datasets.js';
import type { TagRepository } from '../store/tags.js';
import type { Upload, UploadRepository } from '../store/uploads.js';
import { FormatError } from '../formats/index.js';
import { ImageDecodeError, UploadStateError, UploadValidationError } from './errors.js';
import { COMMIT_LEASE_MS } from './limits.js';
import { lightlyFolderFiles } from './lightlyFolder.js';
import { ShardWriter } from './shardWriter.js';
import { checkNewNames, convertObjectEmbeddings, streamEmbeddings } from './commit/convertEmbeddings.js';
import { convertImages } from './commit/convertImages.js';
import { convertMetadata } from './commit/convertMetadata.js';
import { convertPredictions } from './commit/convertPredictions.js';
import type { ConversionStep } from './commit/step.js';
import { UploadReader, type MultipartCompletion } from './commit/uploadFiles.js';

export interface IngestDeps {
  readonly datasets: DatasetRepository;
  readonly tags: TagRepository;
  readonly uploads: UploadRepository;
  readonly blobs: BlobStore;
}

/** Called with the wall time of each phase of a commit (for benchmarks and logs). */
export type PhaseTimer = (phase: string, milliseconds: number) => void;

export type { MultipartCompletion };

/** Objects of a failed conversion deleted with at most this many requests in flight. */
const DELETE_CONCURRENCY = 16;

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

/**
 * One commit's conversion: the steps in order (each timed as a phase), and what they wrote, so that a
 * failure can delete it.
 */
class UploadConversion {
  private writer: ShardWriter | undefined;
  private readonly written: string[] = [];
  private readonly reader: UploadReader;

  constructor(
    private readonly deps: IngestDeps,
    private readonly dataset: Dataset,
    private readonly upload: Upload,
    private readonly onPhase: PhaseTimer = () => undefined,
  ) {
    this.reader = new UploadReader(deps.blobs, upload);
  }

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
    await mapLimit(keys, DELETE_CONCURRENCY, (key) => this.deps.blobs.delete(key).catch(() => undefined));
  }

  /** Converts the upload and commits it; returns the number of rows it added. */
  async run(multipart: readonly MultipartCompletion[]): Promise<number> {
    await this.phase('check files', async () => {
      await this.reader.completeMultipart(multipart);
      await this.reader.checkFilesPresent();
    });
    const files = lightlyFolderFiles(this.upload.files.map((file) => file.path));
    const manifest = this.dataset.manifestKey ? ((await this.deps.blobs.getJson<DatasetManifest>(this.dataset.manifestKey)) ?? EMPTY_MANIFEST) : EMPTY_MANIFEST;

    // 1. Embeddings: the samples this upload adds; none may be in the dataset already.
    const { parser, writer } = await this.phase('embeddings', () =>
      streamEmbeddings(this.reader, manifest, (dim) => (this.writer = new ShardWriter(this.deps.blobs, this.dataset.id, dim, manifest.rowCount))),
    );
    if (manifest.rowCount > 0) await this.phase('names against the dataset', () => checkNewNames(this.deps.blobs, manifest, parser));
    const step: ConversionStep = { reader: this.reader, files, manifest, writer, rows: writer.rowCount, rowOf: parser.rowFinder() };

    // 2. Metadata, 3. predictions and object embeddings, 4. computed metadata from images.
    const metadata = { ...manifest.metadata } as Record<string, MetadataKeyManifest>;
    const tasks = { ...manifest.tasks } as Record<string, TaskManifest>;
    const hasImages = files.images.length > 0;
    await this.phase('metadata', () => convertMetadata(step, metadata, hasImages));
    const objectCounts = await this.phase('predictions', () => convertPredictions(step, tasks));
    await this.phase('object embeddings', () => convertObjectEmbeddings(step, tasks, objectCounts));
    const corrupt = hasImages ? await this.phase('images', () => convertImages(step, metadata)) : [];

    // 5. Manifest, then the pointer to it.
    const next: DatasetManifest = {
      version: manifest.version + 1,
      rowCount: manifest.rowCount + step.rows,
      embeddingDimension: writer.dim,
      shards: [...manifest.shards, ...writer.manifests()],
      metadata,
      tasks,
      computedMetadata: manifest.computedMetadata || hasImages,
      ...(manifest.corruptSamples || corrupt.length > 0 ? { corruptSamples: [...(manifest.corruptSamples ?? []), ...corrupt] } : {}),
    };
    await this.commitManifest(next, step.rows);
    return step.rows;
  }

  /**
   * Writes the manifest, then one transaction: the dataset moves to it, the upload becomes COMMITTED —
   * only if it is still this commit's (one taken over after its lease must not add its rows) — and
   * `initial-tag` exists. A crash before it leaves the dataset as it was; after it, the commit is complete.
   */
  private async commitManifest(next: DatasetManifest, rows: number): Promise<void> {
    const { blobs, uploads, tags, datasets } = this.deps;
    const key = manifestKey(this.dataset.id, next.version, randomUUID());
    this.written.push(key);
    await blobs.putJson(key, next);
    await datasets.commitVersion(
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
  }
}
