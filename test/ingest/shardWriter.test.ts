/** The shard writer against the S3 stand-in: shard boundaries, the unit-norm copy, per-row columns. */
import { describe, expect, inject, it } from 'vitest';
import { ShardWriter } from '../../functions/ingest/shardWriter.js';
import { createAwsClients } from '../../functions/store/aws.js';
import { BlobStore } from '../../functions/store/blobs.js';
import { ColumnReader, EMPTY_MANIFEST, thumbnailKey } from '../../functions/store/columns.js';

const env = inject('winnowEnv');
const blobs = new BlobStore(createAwsClients(env).s3, env.bucketName);

async function float32Of(key: string): Promise<number[]> {
  const bytes = (await blobs.get(key))!;
  return Array.from(new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)));
}

describe('shard writer', () => {
  it('cuts rows into shards, stores raw values and their unit-norm copy, and slices later columns alike', async () => {
    const dim = 2;
    const rows = [
      [3, 4],
      [0, 0],
      [-1, 0],
      [0, 2],
      [1, 1],
      [6, 8],
      [0, -5],
    ];
    const writer = new ShardWriter(blobs, `shard-writer-${Date.now()}`, dim, 100, 3);
    const vector = new Float32Array(dim);
    for (const [i, [x, y]] of rows.entries()) {
      // One reused buffer, as the parser passes it.
      vector[0] = x!;
      vector[1] = y!;
      writer.add(`r${i}.png`, vector);
      // Uploads finish before the next shard starts, so later shards refill the arrays of earlier ones.
      await writer.settle();
    }
    await writer.finishEmbeddings();
    expect(writer.rowCount).toBe(7);
    await writer.addColumn('tasks/t/score/s', Float64Array.from(rows, (_, i) => i / 10));

    const shards = writer.manifests();
    expect(shards.map((s) => [s.rowStart, s.rowCount])).toEqual([
      [100, 3],
      [103, 3],
      [106, 1],
    ]);
    const raw: number[] = [];
    const normalized: number[] = [];
    const names: string[] = [];
    const scores: number[] = [];
    for (const shard of shards) {
      raw.push(...(await float32Of(shard.columns['embeddings.raw']!.key)));
      normalized.push(...(await float32Of(shard.columns['embeddings.normalized']!.key)));
      names.push(...(JSON.parse(Buffer.from((await blobs.get(shard.columns.fileNames!.key))!).toString('utf8')) as string[]));
      const bytes = (await blobs.get(shard.columns['tasks/t/score/s']!.key))!;
      scores.push(...new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)));
      expect(shard.columns['embeddings.raw']!.bytes).toBe(shard.rowCount * dim * 4);
    }
    expect(raw).toEqual(rows.flat());
    const unit = rows.flatMap(([x, y]) => {
      const norm = Math.hypot(x!, y!);
      return norm === 0 ? [0, 0] : [Math.fround(Math.fround(x!) * (1 / norm)), Math.fround(Math.fround(y!) * (1 / norm))];
    });
    expect(normalized).toEqual(unit);
    expect(normalized.slice(2, 4)).toEqual([0, 0]); // a zero vector stays zero, not NaN
    expect(names).toEqual(rows.map((_, i) => `r${i}.png`));
    expect(scores).toEqual(rows.map((_, i) => i / 10));
    expect(new Set(writer.written).size).toBe(writer.written.length);
    expect(writer.written.length).toBe(3 * 4);
  });

  it('takes rows in blocks that cross shard boundaries as it takes them one by one', async () => {
    const dim = 3;
    const count = 11;
    const values = Float32Array.from({ length: count * dim }, (_, i) => (i % 7) - 3 + i / 100);
    const names = Array.from({ length: count }, (_, i) => `b${i}.png`);
    const contents = async (writer: ShardWriter) => {
      const shards = writer.manifests();
      const out: { rows: [number, number]; raw: number[]; names: string[] }[] = [];
      for (const shard of shards) {
        out.push({
          rows: [shard.rowStart, shard.rowCount],
          raw: await float32Of(shard.columns['embeddings.raw']!.key),
          names: JSON.parse(Buffer.from((await blobs.get(shard.columns.fileNames!.key))!).toString('utf8')) as string[],
        });
      }
      return out;
    };
    const oneByOne = new ShardWriter(blobs, `shard-writer-rows-${Date.now()}`, dim, 0, 4);
    names.forEach((name, i) => oneByOne.add(name, values.subarray(i * dim, (i + 1) * dim)));
    await oneByOne.finishEmbeddings();
    const inBlocks = new ShardWriter(blobs, `shard-writer-blocks-${Date.now()}`, dim, 0, 4);
    // Blocks of 3, 6 and 2 rows: the second spans two shard boundaries.
    for (const [from, to] of [[0, 3], [3, 9], [9, 11]] as const) inBlocks.addRows(names.slice(from, to), values.subarray(from * dim, to * dim));
    await inBlocks.finishEmbeddings();
    const expected = await contents(oneByOne);
    expect(expected.map((s) => s.rows)).toEqual([[0, 4], [4, 4], [8, 3]]);
    expect(await contents(inBlocks)).toEqual(expected);
  });

  it('stores a thumbnail beside the shard of its row, records it for discarding, and the reader finds it by the flag column', async () => {
    const datasetId = `shard-thumbnails-${Date.now()}`;
    const writer = new ShardWriter(blobs, datasetId, 1, 10, 2);
    writer.addRows(['a.png', 'b.png', 'c.png'], Float32Array.from([1, 2, 3]));
    await writer.finishEmbeddings();
    await writer.putThumbnail(12, Uint8Array.from([1, 2, 3]), 'image/webp');
    await expect(writer.putThumbnail(13, Uint8Array.from([1]), 'image/webp')).rejects.toThrow(RangeError);
    await writer.addColumn('thumbnail', Uint8Array.from([0, 0, 1]));
    const shards = writer.manifests();
    const key = thumbnailKey(datasetId, shards[1]!.id, 12);
    expect(writer.written).toContain(key);
    expect([...(await blobs.get(key))!]).toEqual([1, 2, 3]);
    const manifest = { ...EMPTY_MANIFEST, rowCount: 3, embeddingDimension: 1, shards };
    const reader = new ColumnReader(blobs, manifest);
    expect(await reader.thumbnailKeysOf(datasetId, [10, 11, 12])).toEqual([undefined, undefined, key]);
    // A shard written without the column (an upload without images) has none.
    const plain = new ShardWriter(blobs, datasetId, 1, 0, 2);
    plain.addRows(['d.png'], Float32Array.from([1]));
    await plain.finishEmbeddings();
    expect(await new ColumnReader(blobs, { ...manifest, shards: plain.manifests() }).thumbnailKeysOf(datasetId, [0])).toEqual([undefined]);
  });
});
