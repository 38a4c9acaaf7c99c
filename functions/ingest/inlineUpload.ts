/**
 * The inline variant of an upload, for small data: the files' contents come in the request, are stored
 * as the presigned PUTs would have stored them, and the upload is committed at once.
 */
import { randomUUID } from 'node:crypto';
import type { Upload } from '../store/uploads.js';
import { commitUpload, type IngestDeps } from './commitUpload.js';
import { UploadValidationError } from './errors.js';
import { uploadObjectKey } from './layout.js';
import { checkRequestedFiles } from './startUpload.js';

/** Total content of an inline upload, in bytes (UTF-8); well inside the 6 MiB request limit. */
export const INLINE_UPLOAD_MAX_BYTES = 4 * 1024 * 1024;

export async function uploadInline(
  deps: IngestDeps,
  tenantId: string,
  datasetId: string,
  files: readonly { path: string; content: string }[],
): Promise<Upload> {
  const dataset = await deps.datasets.get(tenantId, datasetId);
  const sized = files.map((file) => ({ ...file, bytes: Buffer.from(file.content, 'utf8') }));
  const total = sized.reduce((sum, file) => sum + file.bytes.byteLength, 0);
  if (total > INLINE_UPLOAD_MAX_BYTES) {
    throw new UploadValidationError(
      `inline uploads hold at most ${INLINE_UPLOAD_MAX_BYTES} bytes, got ${total}; use createUpload and the presigned URLs`,
      { path: 'files' },
    );
  }
  checkRequestedFiles(sized.map((file) => ({ path: file.path, size: file.bytes.byteLength })));
  const now = new Date();
  const upload: Upload = {
    id: randomUUID(),
    datasetId: dataset.id,
    status: 'PENDING',
    createdAt: now.toISOString(),
    expiresAt: now.toISOString(),
    files: sized.map((file) => ({ path: file.path, size: file.bytes.byteLength })),
  };
  await Promise.all(sized.map((file) => deps.blobs.put(uploadObjectKey(dataset.id, upload.id, file.path), file.bytes)));
  await deps.uploads.create(upload);
  return commitUpload(deps, tenantId, dataset.id, upload.id);
}
