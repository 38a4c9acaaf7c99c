/**
 * Starting an upload: check the requested files, record the upload, and presign one PUT URL per file
 * (or one per part for large files) — the first page of them in the answer, the rest on request
 * (uploadTargets.ts). Bytes never pass through the API.
 */
import { randomUUID } from 'node:crypto';
import type { BlobStore } from '../store/blobs.js';
import type { Upload, UploadFile, UploadRepository } from '../store/uploads.js';
import { UploadValidationError } from './errors.js';
import { classifyUploadPath, uploadObjectKey } from './layout.js';
import { mapLimit } from '../store/mapLimit.js';
import { presignTargets } from './uploadTargets.js';

/** Files above this size are sent in parts of this size (S3 allows at most 10,000 parts). */
export const PART_SIZE = 64 * 1024 * 1024;
export const MAX_PARTS = 10_000;
export const MAX_FILES_PER_UPLOAD = 10_000;
export const PRESIGNED_URL_SECONDS = 60 * 60;

export interface RequestedFile {
  readonly path: string;
  readonly size: number;
}

/** Throws {@link UploadValidationError} naming the first bad file (`files[i].path` / `files[i].size`). */
export function checkRequestedFiles(files: readonly RequestedFile[]): void {
  if (files.length === 0) throw new UploadValidationError('an upload needs at least one file', { path: 'files' });
  if (files.length > MAX_FILES_PER_UPLOAD) {
    throw new UploadValidationError(
      `an upload holds at most ${MAX_FILES_PER_UPLOAD} files; send per-file JSONs as metadata.jsonl / predictions.jsonl instead`,
      { path: 'files' },
    );
  }
  const seen = new Set<string>();
  files.forEach((file, index) => {
    const kind = classifyUploadPath(file.path);
    if ('error' in kind) throw new UploadValidationError(`'${file.path}' ${kind.error}`, { path: `files[${index}].path` });
    if (seen.has(file.path)) throw new UploadValidationError(`'${file.path}' is listed twice`, { path: `files[${index}].path` });
    seen.add(file.path);
    if (!Number.isSafeInteger(file.size) || file.size < 0 || file.size > PART_SIZE * MAX_PARTS) {
      throw new UploadValidationError(`size of '${file.path}' must be an integer from 0 to ${PART_SIZE * MAX_PARTS} bytes`, {
        path: `files[${index}].size`,
      });
    }
  });
  if (!seen.has('embeddings.csv')) {
    throw new UploadValidationError('an upload must contain embeddings.csv (it defines the samples it adds)', { path: 'files' });
  }
}

export async function startUpload(
  deps: { blobs: BlobStore; uploads: UploadRepository },
  datasetId: string,
  requested: readonly RequestedFile[],
  now = new Date(),
): Promise<Upload> {
  checkRequestedFiles(requested);
  const id = randomUUID();
  // Files sent in parts get their multipart upload now; the URLs are presigned page by page
  // (uploadTargets.ts), the first page here, in the answer.
  const files: UploadFile[] = await mapLimit(requested, 16, async ({ path, size }): Promise<UploadFile> => {
    if (size <= PART_SIZE) return { path, size };
    const multipartUploadId = await deps.blobs.startMultipart(uploadObjectKey(datasetId, id, path));
    return { path, size, multipartUploadId, partSize: PART_SIZE };
  });
  const upload: Upload = {
    id,
    datasetId,
    status: 'PENDING',
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + PRESIGNED_URL_SECONDS * 1000).toISOString(),
    files,
  };
  await deps.uploads.create(upload);
  const first = await presignTargets(deps.blobs, upload);
  const targets = new Map(first.items.map((item) => [item.path, item]));
  return { ...upload, files: files.map((file) => ({ ...file, ...targets.get(file.path) })) };
}
