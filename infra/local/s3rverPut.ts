/**
 * s3rver 3.7.1 answers a PUT before the object's file is written: its store resolves when the request
 * body has passed through, while the file stream may still be flushing, and it writes the object's file
 * in place. A GET right after the PUT can then read a truncated object — a run's checkpoint rewritten by
 * one Select hop and read by the next, or a snapshot column — which S3 (read-after-write consistent,
 * objects replaced whole) never shows. This store method writes to a file beside the object and renames
 * it into place once it is complete, so a reader sees the old object or the new one, whole.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import FilesystemStore from 's3rver/lib/stores/filesystem.js';

interface StoredObjectInput {
  readonly bucket: string;
  readonly key: string;
  readonly content: Buffer | Readable;
  readonly metadata: Record<string, string>;
}

interface Store {
  getResourcePath(bucket: string, key: string, resourceType: string): string;
  putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5: string): Promise<void>;
}

async function putObjectWhole(this: Store, object: StoredObjectInput): Promise<{ size: number; md5: string }> {
  const objectPath = this.getResourcePath(object.bucket, object.key, 'object');
  await mkdir(dirname(objectPath), { recursive: true });
  // Not ending in s3rver's object suffix, so listings never show the file while it is written.
  const partial = `${objectPath}.partial-${randomUUID()}`;
  const md5 = createHash('md5');
  let size = 0;
  const measure = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      md5.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  try {
    await pipeline(Buffer.isBuffer(object.content) ? Readable.from([object.content]) : object.content, measure, createWriteStream(partial));
    await rename(partial, objectPath);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
  const digest = md5.digest('hex');
  await this.putMetadata(object.bucket, object.key, object.metadata, digest);
  return { size, md5: digest };
}

let installed = false;

/** Replaces s3rver's object write with {@link putObjectWhole} (once per process). */
export function installWholeObjectPuts(): void {
  if (installed) return;
  (FilesystemStore as unknown as { prototype: { putObject: typeof putObjectWhole } }).prototype.putObject = putObjectWhole;
  installed = true;
}
