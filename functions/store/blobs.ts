/**
 * S3 access for everything that grows with the number of samples. Keys (see DESIGN.md):
 * `datasets/{id}/uploads/…`, `datasets/{id}/columns/…`, `datasets/{id}/manifests/…`,
 * `datasets/{id}/tags/{tagId}.bits`, `runs/{id}/…`.
 *
 * Reads never list a prefix: a manifest that names its objects is both faster and consistent. Only
 * {@link BlobStore.deletePrefix} lists, to remove everything under a prefix whoever wrote it. Writes are
 * whole objects, so a reader sees an object entirely or not at all.
 */
import { createHash } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsCommand,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { BatchDeleteError } from './errors.js';

export interface StoredObject {
  readonly key: string;
  readonly bytes: number;
  readonly sha256: string;
}

/** An object as a listing shows it. */
export interface ListedObject {
  readonly key: string;
  readonly lastModified: Date;
}

/** S3's smallest part of a multipart upload (all parts but the last). */
export const S3_MIN_PART_BYTES = 5 * 1024 * 1024;
/**
 * Parts of {@link BlobStore.putStream}: 16 MiB keeps memory small and a 10M × 128 float32 column (5 GB)
 * at about 300 parts, far below S3's 10,000.
 */
export const STREAM_PART_BYTES = 16 * 1024 * 1024;

/** S3's limit of keys per listing page and per DeleteObjects request. */
export const S3_PAGE_MAX = 1000;

export class BlobStore {
  constructor(
    readonly client: S3Client,
    readonly bucket: string,
  ) {}

  async put(key: string, body: Uint8Array | string, contentType = 'application/octet-stream'): Promise<StoredObject> {
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const command = new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: bytes, ContentType: contentType });
    // Request signing hashes the body unless x-amz-content-sha256 is given (S3 checks it against the body);
    // giving it the digest computed for the manifest hashes every object once instead of twice.
    command.middlewareStack.add(
      (next) => (args) => {
        (args.request as { headers: Record<string, string> }).headers['x-amz-content-sha256'] = sha256;
        return next(args);
      },
      { step: 'build', name: 'winnowPayloadSha256' },
    );
    await this.client.send(command);
    return { key, bytes: bytes.byteLength, sha256 };
  }

  putJson(key: string, value: unknown): Promise<StoredObject> {
    return this.put(key, JSON.stringify(value), 'application/json');
  }

  /** The object's bytes, or undefined when it does not exist. */
  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      const result = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return await result.Body!.transformToByteArray();
    } catch (error) {
      if (error instanceof NoSuchKey) return undefined;
      throw error;
    }
  }

  async getJson<T>(key: string): Promise<T | undefined> {
    const bytes = await this.get(key);
    return bytes ? (JSON.parse(Buffer.from(bytes).toString('utf8')) as T) : undefined;
  }

  /** The object's body as a stream of chunks (for files too large to hold). */
  async stream(key: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    try {
      const result = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return result.Body as AsyncIterable<Uint8Array>;
    } catch (error) {
      if (error instanceof NoSuchKey) return undefined;
      throw error;
    }
  }

  /** Size in bytes, or undefined when the object does not exist. */
  async size(key: string): Promise<number | undefined> {
    try {
      const result = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return result.ContentLength ?? 0;
    } catch (error) {
      if (error instanceof NotFound || error instanceof NoSuchKey) return undefined;
      if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return undefined;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  /**
   * One page of the objects whose key starts with `prefix`, in key order, after `marker` (the last key of
   * the page before). Pages are requested with ListObjects (v1) and a marker: the v2 listing's
   * continuation tokens make s3rver fail on every truncated page under OpenSSL 3, while the marker pages
   * alike on S3, LocalStack and s3rver. No delimiter: s3rver returns no common prefixes.
   */
  async listPage(prefix: string, marker?: string, pageSize = S3_PAGE_MAX): Promise<{ objects: ListedObject[]; nextMarker?: string }> {
    const page = await this.client.send(
      new ListObjectsCommand({ Bucket: this.bucket, Prefix: prefix, MaxKeys: Math.min(pageSize, S3_PAGE_MAX), ...(marker ? { Marker: marker } : {}) }),
    );
    const objects = (page.Contents ?? []).map((object) => ({ key: object.Key!, lastModified: object.LastModified ?? new Date(0) }));
    const last = objects.at(-1)?.key;
    return { objects, ...(page.IsTruncated && last ? { nextMarker: last } : {}) };
  }

  /** Deletes the keys (at most {@link S3_PAGE_MAX}) with one request; throws when S3 refuses any. */
  async deleteKeys(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    const result = await this.client.send(
      new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true } }),
    );
    const failures = (result.Errors ?? []).map((e) => ({ key: e.Key ?? '', code: e.Code ?? 'unknown' }));
    if (failures.length > 0) throw new BatchDeleteError(failures);
  }

  /**
   * Deletes every object whose key starts with `prefix`, a page at a time (one listing, one batch delete);
   * returns how many.
   */
  async deletePrefix(prefix: string, pageSize = S3_PAGE_MAX): Promise<number> {
    if (!prefix.endsWith('/')) throw new RangeError(`a prefix to delete must end with '/': '${prefix}'`);
    let deleted = 0;
    let marker: string | undefined;
    do {
      const page = await this.listPage(prefix, marker, pageSize);
      await this.deleteKeys(page.objects.map((object) => object.key));
      deleted += page.objects.length;
      marker = page.nextMarker;
    } while (marker);
    return deleted;
  }

  /**
   * Writes one object from a stream of chunks (async or not) without holding it: the chunks are gathered into parts of
   * `partBytes` (S3 wants at least 5 MiB for every part but the last) and sent as a multipart upload, one
   * part at a time, so memory stays one part. A stream shorter than one part is sent with one PUT.
   * Either way the object appears whole or not at all; a failed upload is aborted.
   */
  async putStream(key: string, chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, partBytes = STREAM_PART_BYTES): Promise<{ key: string; bytes: number }> {
    if (partBytes < S3_MIN_PART_BYTES) throw new RangeError(`a part must have at least ${S3_MIN_PART_BYTES} bytes, not ${partBytes}`);
    // One part buffer, filled again once its part is sent (the send has resolved: the client holds it no
    // more): a new one per part left a 5 GB column's parts, or a checkpoint's, to the garbage collector
    // — about 100 MB more at the end of a 10M Select hop.
    const part = new Uint8Array(partBytes);
    let filled = 0;
    let total = 0;
    let uploadId: string | undefined;
    const parts: { partNumber: number; etag: string }[] = [];
    const sendPart = async (body: Uint8Array) => {
      uploadId ??= await this.startMultipart(key);
      const partNumber = parts.length + 1;
      const result = await this.client.send(new UploadPartCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId, PartNumber: partNumber, Body: body }));
      parts.push({ partNumber, etag: result.ETag! });
    };
    try {
      for await (const chunk of chunks) {
        for (let offset = 0; offset < chunk.byteLength; ) {
          const take = Math.min(partBytes - filled, chunk.byteLength - offset);
          part.set(chunk.subarray(offset, offset + take), filled);
          filled += take;
          offset += take;
          if (filled === partBytes) {
            await sendPart(part);
            filled = 0;
          }
        }
        total += chunk.byteLength;
      }
      if (uploadId === undefined) {
        await this.put(key, part.subarray(0, filled));
        return { key, bytes: total };
      }
      if (filled > 0) await sendPart(part.subarray(0, filled));
      await this.completeMultipart(key, uploadId, parts);
      return { key, bytes: total };
    } catch (error) {
      if (uploadId !== undefined) await this.abortMultipart(key, uploadId).catch(() => undefined);
      throw error;
    }
  }

  /** Bytes `start` to `end` (exclusive) of an object, or undefined when it does not exist. */
  async getRange(key: string, start: number, end: number): Promise<Uint8Array | undefined> {
    if (end <= start) return new Uint8Array(0);
    try {
      const result = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: `bytes=${start}-${end - 1}` }));
      return await result.Body!.transformToByteArray();
    } catch (error) {
      if (error instanceof NoSuchKey) return undefined;
      throw error;
    }
  }

  presignGet(key: string, expiresIn: number, downloadName?: string): Promise<string> {
    return getSignedUrl(
      this.client,
      new GetObjectCommand({
        Bucket: this.bucket,
        Key: key,
        ...(downloadName ? { ResponseContentDisposition: `attachment; filename="${downloadName.replace(/"/g, '')}"` } : {}),
      }),
      { expiresIn },
    );
  }

  presignPut(key: string, expiresIn: number): Promise<string> {
    return getSignedUrl(this.client, new PutObjectCommand({ Bucket: this.bucket, Key: key }), { expiresIn });
  }

  async startMultipart(key: string): Promise<string> {
    const result = await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: key }));
    return result.UploadId!;
  }

  presignPart(key: string, uploadId: string, partNumber: number, expiresIn: number): Promise<string> {
    return getSignedUrl(
      this.client,
      new UploadPartCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId, PartNumber: partNumber }),
      { expiresIn },
    );
  }

  async abortMultipart(key: string, uploadId: string): Promise<void> {
    await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId }));
  }

  async completeMultipart(key: string, uploadId: string, parts: { partNumber: number; etag: string }[]): Promise<void> {
    await this.client.send(
      new CompleteMultipartUploadCommand({
        Bucket: this.bucket,
        Key: key,
        UploadId: uploadId,
        MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })) },
      }),
    );
  }
}
