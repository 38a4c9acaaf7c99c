/**
 * The files of an upload in S3: reading them for the conversion (as a {@link FolderReader}), assembling
 * those sent in parts, and checking that every announced file arrived with its announced size.
 */
import type { BlobStore } from '../../store/blobs.js';
import { mapLimit } from '../../store/mapLimit.js';
import type { Upload } from '../../store/uploads.js';
import { UploadValidationError } from '../errors.js';
import { uploadObjectKey } from '../layout.js';
import type { FolderReader } from '../lightlyFolder.js';

export interface MultipartCompletion {
  readonly path: string;
  readonly parts: readonly { readonly partNumber: number; readonly etag: string }[];
}

/** Announced files' sizes are read with at most this many requests in flight. */
const SIZE_CONCURRENCY = 16;

/** An upload's files by layout path; errors name the layout path. */
export class UploadReader implements FolderReader {
  constructor(
    private readonly blobs: BlobStore,
    private readonly upload: Upload,
  ) {}

  key(path: string): string {
    return uploadObjectKey(this.upload.datasetId, this.upload.id, path);
  }

  name(path: string): string {
    return path;
  }

  async stream(path: string): Promise<AsyncIterable<Uint8Array>> {
    const stream = await this.blobs.stream(this.key(path));
    if (!stream) throw neverUploaded(path);
    return stream;
  }

  async bytes(path: string): Promise<Uint8Array> {
    const bytes = await this.blobs.get(this.key(path));
    if (!bytes) throw neverUploaded(path);
    return bytes;
  }

  async text(path: string): Promise<string> {
    return Buffer.from(await this.bytes(path)).toString('utf8');
  }

  /** Completes the files sent in parts, each with the ETags of all its parts. */
  async completeMultipart(multipart: readonly MultipartCompletion[]): Promise<void> {
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
        throw new UploadValidationError(`'${file.path}' was sent in parts: pass the ETag of each part in multipart`, { file: file.path, path: 'multipart' });
      }
      const expected = Math.ceil(file.size / file.partSize!);
      const numbers = completion.parts.map((p) => p.partNumber).sort((a, b) => a - b);
      if (numbers.length !== expected || numbers.some((n, i) => n !== i + 1)) {
        throw new UploadValidationError(`'${file.path}' needs parts 1 to ${expected}, got ${numbers.join(', ') || 'none'}`, { file: file.path, path: 'multipart' });
      }
      try {
        await this.blobs.completeMultipart(this.key(file.path), file.multipartUploadId, [...completion.parts].sort((a, b) => a.partNumber - b.partNumber));
      } catch (error) {
        throw new UploadValidationError(`'${file.path}': the parts could not be assembled (${(error as Error).name}); were all parts uploaded?`, { file: file.path });
      }
    }
  }

  /** Every announced file must be in S3 with the size it was announced with. */
  async checkFilesPresent(): Promise<void> {
    const sizes = await mapLimit(this.upload.files, SIZE_CONCURRENCY, (file) => this.blobs.size(this.key(file.path)));
    this.upload.files.forEach((file, index) => {
      const size = sizes[index];
      if (size === undefined) throw neverUploaded(file.path);
      if (size !== file.size) {
        throw new UploadValidationError(`'${file.path}' has ${size} bytes but ${file.size} were announced; upload it again`, { file: file.path });
      }
    });
  }
}

const neverUploaded = (path: string) => new UploadValidationError(`'${path}' was never uploaded`, { file: path });
