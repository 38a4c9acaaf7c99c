/**
 * Streaming writes and ranged reads of the blob store, against the S3 stand-in: a stream longer than a
 * part goes up as a multipart upload of bounded parts, a short one as one PUT, and a stream that fails
 * leaves the key as it was.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { createAwsClients } from '../../functions/store/aws.js';
import { BlobStore, S3_MIN_PART_BYTES } from '../../functions/store/blobs.js';

const env = inject('winnowEnv');

/** Records multipart completions and single PUTs, and forwards them. */
class RecordingBlobStore extends BlobStore {
  readonly completions: { key: string; parts: number }[] = [];
  readonly puts: string[] = [];
  override put(key: string, body: Uint8Array | string, contentType?: string) {
    this.puts.push(key);
    return super.put(key, body, contentType);
  }
  override completeMultipart(key: string, uploadId: string, parts: { partNumber: number; etag: string }[]) {
    this.completions.push({ key, parts: parts.length });
    return super.completeMultipart(key, uploadId, parts);
  }
}

const store = () => new RecordingBlobStore(createAwsClients(env).s3, env.bucketName);

/** Deterministic bytes, handed out in chunks of an odd size that does not divide a part. */
function bytesOf(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 2654435761) >>> 24;
  return bytes;
}
async function* chunksOf(bytes: Uint8Array, size: number, failAfter = Infinity): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < bytes.byteLength; offset += size) {
    if (offset >= failAfter) throw new Error('the source failed');
    yield bytes.subarray(offset, Math.min(offset + size, bytes.byteLength));
  }
}

describe('BlobStore.putStream', () => {
  it('writes a stream longer than a part as a multipart upload of whole parts, read back byte for byte', async () => {
    const blobs = store();
    const key = `test-stream/${randomUUID()}`;
    const bytes = bytesOf(2 * S3_MIN_PART_BYTES + 12_345);
    expect(await blobs.putStream(key, chunksOf(bytes, 1_000_003), S3_MIN_PART_BYTES)).toEqual({ key, bytes: bytes.byteLength });
    expect(blobs.completions).toEqual([{ key, parts: 3 }]);
    expect(blobs.puts).toEqual([]);
    expect(Buffer.from((await blobs.get(key))!).equals(Buffer.from(bytes))).toBe(true);
    // A range across the boundary of the first two parts.
    const [start, end] = [S3_MIN_PART_BYTES - 7, S3_MIN_PART_BYTES + 9];
    expect(Array.from((await blobs.getRange(key, start, end))!)).toEqual(Array.from(bytes.subarray(start, end)));
    expect(await blobs.getRange(`test-stream/${randomUUID()}`, 0, 4)).toBeUndefined();
    await blobs.delete(key);
  });

  it('writes a stream shorter than a part with one PUT', async () => {
    const blobs = store();
    const key = `test-stream/${randomUUID()}`;
    const bytes = bytesOf(70_001);
    await blobs.putStream(key, chunksOf(bytes, 4_096), S3_MIN_PART_BYTES);
    expect(blobs.puts).toEqual([key]);
    expect(blobs.completions).toEqual([]);
    expect(Buffer.from((await blobs.get(key))!).equals(Buffer.from(bytes))).toBe(true);
    await blobs.delete(key);
  });

  it('leaves the key as it was when the stream fails after a part went up', async () => {
    const blobs = store();
    const key = `test-stream/${randomUUID()}`;
    await blobs.put(key, 'before');
    await expect(blobs.putStream(key, chunksOf(bytesOf(3 * S3_MIN_PART_BYTES), 1 << 20, S3_MIN_PART_BYTES + (2 << 20)), S3_MIN_PART_BYTES)).rejects.toThrow('the source failed');
    expect(blobs.completions).toEqual([]);
    expect(Buffer.from((await blobs.get(key))!).toString()).toBe('before');
    await blobs.delete(key);
  });

  it('refuses parts smaller than S3 accepts', async () => {
    await expect(store().putStream('test-stream/never', chunksOf(bytesOf(10), 5), 1024)).rejects.toThrow(/at least 5242880 bytes/);
  });
});
