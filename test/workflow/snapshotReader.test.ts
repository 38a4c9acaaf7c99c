/**
 * Reading a run's snapshot columns from the S3 stand-in: the embedding matrix lands in the array the
 * caller allocates (as the kernels' WebAssembly memory would give), a ranged read takes only some rows,
 * and file names split across response chunks come back whole.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { createAwsClients } from '../../functions/store/aws.js';
import { BlobStore } from '../../functions/store/blobs.js';
import { runKeys } from '../../functions/workflow/results.js';
import type { RunSnapshot } from '../../functions/workflow/snapshot.js';
import { openRunSnapshot, SnapshotReader } from '../../functions/workflow/snapshotReader.js';

const env = inject('winnowEnv');
const blobs = new BlobStore(createAwsClients(env).s3, env.bucketName);

const ROWS = 3_001;
const DIM = 5;

async function writeSnapshot(runId: string, names: string[]): Promise<{ snapshot: RunSnapshot; matrix: Float32Array }> {
  const matrix = Float32Array.from({ length: ROWS * DIM }, (_, i) => Math.sin(i) * 10);
  const embeddings = runKeys.snapshotColumn(runId, 0);
  const fileNames = runKeys.snapshotColumn(runId, 1);
  await blobs.put(embeddings, new Uint8Array(matrix.buffer));
  // Shards of unequal size, one JSON array per line.
  const lines = [names.slice(0, 1_000), names.slice(1_000, 1_001), names.slice(1_001)].map((part) => `${JSON.stringify(part)}\n`).join('');
  await blobs.put(fileNames, lines);
  const snapshot: RunSnapshot = {
    format: 1,
    datasetId: 'd',
    datasetVersion: 1,
    rowCount: ROWS,
    embeddingDimension: DIM,
    columns: {
      'embeddings.normalized': { key: embeddings, element: 'float32', units: ROWS, width: DIM, bytes: matrix.byteLength },
      fileNames: { key: fileNames, element: 'jsonLines', units: ROWS, width: 1, bytes: Buffer.byteLength(lines) },
    },
    querySets: [],
  };
  await blobs.putJson(runKeys.snapshotManifest(runId), snapshot);
  return { snapshot, matrix };
}

describe('SnapshotReader', () => {
  it('reads the matrix into the caller’s array, a row range with one ranged GET, and every file name', async () => {
    const runId = randomUUID();
    // Names with characters JSON escapes, long enough that the body arrives in several chunks.
    const names = Array.from({ length: ROWS }, (_, i) => `dir "${i}"/ü\\${'x'.repeat(40)}\n${i}.png`);
    const { matrix } = await writeSnapshot(runId, names);
    const reader = new SnapshotReader(blobs, (await openRunSnapshot(blobs, runId))!);

    // A larger memory with the matrix at an offset, as an allocator over shared memory hands it out.
    const memory = new Float32Array(ROWS * DIM + 64);
    const asked: [number, number][] = [];
    const read = await reader.embeddingsInto((rows, dim) => {
      asked.push([rows, dim]);
      return memory.subarray(16, 16 + rows * dim);
    });
    expect(asked).toEqual([[ROWS, DIM]]);
    expect(read.rows).toBe(ROWS);
    expect(read.data.buffer).toBe(memory.buffer);
    expect(read.data.byteOffset).toBe(16 * 4);
    expect(read.data).toEqual(matrix);
    expect(memory.subarray(0, 16).every((v) => v === 0)).toBe(true);

    const someRows = new Float32Array(4 * DIM);
    await reader.unitsInto('embeddings.normalized', 1_500, 1_504, new Uint8Array(someRows.buffer));
    expect(someRows).toEqual(matrix.subarray(1_500 * DIM, 1_504 * DIM));
    await expect(reader.unitsInto('embeddings.normalized', 3_000, 3_002, new Uint8Array(2 * DIM * 4))).rejects.toThrow(/not in snapshot column/);
    await expect(reader.embeddingsInto(() => new Float32Array(3))).rejects.toThrow(/holds 3 floats/);

    // Rows in blocks (a matrix larger than one of the kernels' memories): each block filled straight
    // from the response, split where a block ends.
    const blocks = { views: [new Float32Array(1_200 * DIM), new Float32Array(1_200 * DIM), new Float32Array(601 * DIM)], rowsPerBlock: 1_200 };
    const inBlocks = await reader.embeddingsInto(() => blocks);
    expect(inBlocks.blocks).toBe(blocks);
    expect(inBlocks.rows).toBe(ROWS);
    expect(blocks.views[0]).toEqual(matrix.subarray(0, 1_200 * DIM));
    expect(blocks.views[1]).toEqual(matrix.subarray(1_200 * DIM, 2_400 * DIM));
    expect(blocks.views[2]).toEqual(matrix.subarray(2_400 * DIM));
    await expect(reader.embeddingsInto(() => ({ views: blocks.views.slice(0, 2), rowsPerBlock: 1_200 }))).rejects.toThrow(/hold 2400 rows, 3001 needed/);

    expect(await reader.fileNames()).toEqual(names);
    // Packed for a task that reads a few: the same names by row, nothing past the last.
    const list = await reader.fileNameList();
    expect(list.length).toBe(names.length);
    expect(Array.from({ length: names.length }, (_, row) => list.at(row))).toEqual(names);
    expect(list.at(names.length)).toBeUndefined();
    await blobs.deletePrefix(`runs-work/${runId}/`);
  });

  it('refuses a column whose object is shorter than its manifest says, naming it', async () => {
    const runId = randomUUID();
    const { snapshot } = await writeSnapshot(runId, Array.from({ length: ROWS }, (_, i) => `${i}`));
    await blobs.put(snapshot.columns['embeddings.normalized']!.key, new Uint8Array(8));
    await expect(new SnapshotReader(blobs, snapshot).embeddingsInto()).rejects.toThrow(/snapshot column runs-work\/.+\/snapshot\/0\.bin has 8 bytes/);
    expect(await openRunSnapshot(blobs, randomUUID())).toBeUndefined();
    await blobs.deletePrefix(`runs-work/${runId}/`);
  });
});
