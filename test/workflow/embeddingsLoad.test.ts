/**
 * The embedding matrix is read shard by shard straight into one matrix the engine's kernels allocated
 * in their WebAssembly memory: the kernels then read it where it is, without a second copy.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { engineKernels } from '../../functions/kernels/engine.js';
import type { FastKernels } from '../../functions/kernels/fast.js';
import { createAwsClients } from '../../functions/store/aws.js';
import { BlobStore } from '../../functions/store/blobs.js';
import { ColumnReader } from '../../functions/store/columns.js';
import { loadColumnSource, loadEmbeddings } from '../../functions/workflow/columnSource.js';
import { createDataset, inlineUpload } from '../support/datasets.js';
import { uniqueName } from '../support/graphql.js';
import { startTestRuntime } from '../support/runtime.js';
import { manifestOfVersion } from '../support/manifests.js';
import type { LocalRuntime } from '../../infra/local/runtime.js';

let runtime: LocalRuntime;
beforeAll(async () => {
  runtime = await startTestRuntime();
});
afterAll(async () => {
  await runtime.stop();
});

const csv = (rows: [string, number, number][]) => `filenames,embedding_0,embedding_1,labels\n${rows.map((r) => `${r.join(',')},0`).join('\n')}\n`;

it('reads every shard into its rows of one allocated matrix, which the kernels use without copying it', async () => {
  const blobs = new BlobStore(createAwsClients(runtime.env).s3, runtime.env.bucketName);
  const datasetId = await createDataset(runtime.url, uniqueName('allocated'));
  expect((await inlineUpload(runtime.url, datasetId, [{ path: 'embeddings.csv', content: csv([['a.png', 1, 0], ['b.png', 0, 2]]) }])).errors).toBeUndefined();
  expect((await inlineUpload(runtime.url, datasetId, [{ path: 'embeddings.csv', content: csv([['c.png', 3, 4], ['d.png', -1, 0], ['e.png', 0, -5]]) }])).errors).toBeUndefined();
  const manifest = await manifestOfVersion(blobs, datasetId, 2);
  expect(manifest.shards.length).toBe(2);
  const expected = [1, 0, 0, 1, 0.6, 0.8, -1, 0, 0, -1].map(Math.fround);

  // One allocation of all rows, the shards written into it in order.
  const allocations: [number, number][] = [];
  const plain = await loadEmbeddings(new ColumnReader(blobs, manifest), undefined, (rows, dim) => {
    allocations.push([rows, dim]);
    return new Float32Array(rows * dim);
  });
  expect(allocations).toEqual([[5, 2]]);
  expect(Array.from(plain.data)).toEqual(expected);
  // Only the second shard: its rows alone.
  const second = await loadEmbeddings(new ColumnReader(blobs, manifest), manifest.shards.slice(1), (rows, dim) => new Float32Array(rows * dim));
  expect(second.rows).toBe(3);
  expect(Array.from(second.data)).toEqual(expected.slice(4));
  // Into row blocks of 3 (the second shard straddles both): each row lands in its block, in place.
  const blocks = { views: [new Float32Array(6), new Float32Array(4)], rowsPerBlock: 3 };
  const inBlocks = await loadEmbeddings(new ColumnReader(blobs, manifest), undefined, () => blocks);
  expect(inBlocks.blocks).toBe(blocks);
  expect(blocks.views.flatMap((view) => Array.from(view))).toEqual(expected);

  // By default, in the engine's kernels' memory (the fast kernels here: WebAssembly shared memory).
  const kernels = engineKernels() as FastKernels;
  expect(kernels.stats).toBeDefined();
  const allocated = kernels.stats.allocatedMatrices;
  const matrix = (await loadColumnSource(blobs, datasetId, manifest, { embeddings: true })).embeddings()!;
  expect(kernels.stats.allocatedMatrices).toBe(allocated + 1);
  expect(matrix.data.buffer).toBeInstanceOf(SharedArrayBuffer);
  expect(Array.from(matrix.data)).toEqual(expected);
  const copies = kernels.stats.copiedMatrices;
  const knn = kernels.knnDistances(matrix.data, matrix.dim, matrix.rows, 0, matrix.rows, 1);
  expect(kernels.stats.copiedMatrices).toBe(copies);
  expect(Array.from(knn)).toEqual(Array.from(kernels.knnDistances(plain.data, plain.dim, plain.rows, 0, plain.rows, 1)));
});
