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

/**
 * Total content of an inline upload, in bytes as the Lambda request carries it (see
 * {@link inlineRequestBytes}); with the rest of the request, well inside Lambda's 6 MB.
 */
export const INLINE_UPLOAD_MAX_BYTES = 4 * 1024 * 1024;

/**
 * The bytes `content` takes in the request the API Lambda receives, where Lambda's 6 MB limit applies: the
 * content is JSON-escaped as a string of the GraphQL request body, and API Gateway escapes that body once
 * more as a string of the Lambda event. So a quote of the content takes 4 bytes there, a backslash 4, a
 * newline 3, a control character up to 7; other characters their UTF-8 bytes (as `JSON.stringify` writes
 * them; a client that writes non-ASCII as `\uXXXX` sends more, inside the limit's headroom).
 */
export function inlineRequestBytes(content: string): number {
  // The two escapings wrap the content in 6 bytes of quotes (`"\"` … `\""`), which are not the content's.
  return Buffer.byteLength(JSON.stringify(JSON.stringify(content)), 'utf8') - 6;
}

export async function uploadInline(
  deps: IngestDeps,
  tenantId: string,
  datasetId: string,
  files: readonly { path: string; content: string }[],
): Promise<Upload> {
  const dataset = await deps.datasets.get(tenantId, datasetId);
  const sized = files.map((file) => ({ ...file, bytes: Buffer.from(file.content, 'utf8') }));
  const requestBytes = files.reduce((sum, file) => sum + inlineRequestBytes(file.content), 0);
  if (requestBytes > INLINE_UPLOAD_MAX_BYTES) {
    const text = sized.reduce((sum, file) => sum + file.bytes.byteLength, 0);
    throw new UploadValidationError(
      `inline uploads hold at most ${INLINE_UPLOAD_MAX_BYTES} bytes as the request carries them (JSON-escaped twice: in the body, and in the ` +
        `Lambda event), got ${requestBytes} (${text} bytes of text); use createUpload and the presigned URLs`,
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
