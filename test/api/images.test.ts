/** Images uploaded with a dataset get the computed `lightly.*` metadata keys. */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createAwsClients } from '../../functions/store/aws.js';
import { BlobStore } from '../../functions/store/blobs.js';
import type { LocalRuntime } from '../../infra/local/runtime.js';
import { startTestRuntime } from '../support/runtime.js';
import { embeddingsCsv } from '../../infra/local/lightlyFolder.js';
import { createDataset, datasetState, presignedUpload } from '../support/datasets.js';
import { uniqueName } from '../support/graphql.js';
import { manifestOfVersion } from '../support/manifests.js';

const env = inject('winnowEnv');
let runtime: LocalRuntime;
const blobs = new BlobStore(createAwsClients(env).s3, env.bucketName);

beforeAll(async () => {
  runtime = await startTestRuntime();
});
afterAll(() => runtime.stop());

describe('computed metadata', () => {
  it('computes the lightly.* keys of uploaded images', async () => {
    const flat = await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 90, g: 90, b: 90 } } }).png().toBuffer();
    const stripes = Buffer.alloc(64 * 48);
    for (let i = 0; i < stripes.length; i++) stripes[i] = (i % 64) % 2 ? 255 : 0;
    const striped = await sharp(stripes, { raw: { width: 64, height: 48, channels: 1 } }).png().toBuffer();
    const names = ['flat.png', 'striped.png', 'no-image.png'];
    const datasetId = await createDataset(runtime.url, uniqueName('images'));
    const { commit } = await presignedUpload(runtime.url, datasetId, [
      { path: 'embeddings.csv', content: embeddingsCsv(names, Float32Array.from([1, 0, 0, 1, 1, 1]), 2, [0, 0, 0]) },
      { path: 'images/flat.png', content: flat },
      { path: 'images/striped.png', content: striped },
    ]);
    expect(commit.errors).toBeUndefined();

    const state = await datasetState(runtime.url, datasetId);
    expect(state.computedMetadataAvailable).toBe(true);
    const computed = state.metadataKeys.filter((k) => k.computed).map((k) => k.name);
    expect(computed.sort()).toEqual(
      ['lightly.contrast', 'lightly.height', 'lightly.luminance', 'lightly.sharpness', 'lightly.sizeInBytes', 'lightly.snr', 'lightly.uniformRowRatio', 'lightly.width'].sort(),
    );

    const manifest = await manifestOfVersion(blobs, datasetId, 1);
    const column = async (key: string) =>
      new Float64Array((await blobs.get(manifest.shards[0]!.columns[`metadata/${key}`]!.key))!.slice().buffer);
    expect([...(await column('lightly.width'))]).toEqual([40, 64, NaN]);
    expect([...(await column('lightly.height'))]).toEqual([30, 48, NaN]);
    expect([...(await column('lightly.sizeInBytes'))].slice(0, 2)).toEqual([flat.length, striped.length]);
    const sharpness = await column('lightly.sharpness');
    expect(sharpness[0]).toBe(0);
    expect(sharpness[1]).toBeGreaterThan(0);
    const uniform = await column('lightly.uniformRowRatio');
    expect(uniform[0]).toBe(1);
    expect(uniform[1]).toBe(0);
  });

  it('marks an image that cannot be decoded as corrupt, and refuses one of no sample', async () => {
    const datasetId = await createDataset(runtime.url, uniqueName('bad-images'));
    const csv = embeddingsCsv(['a.png'], Float32Array.from([1, 2]), 2, [0]);
    const stray = await presignedUpload(runtime.url, datasetId, [
      { path: 'embeddings.csv', content: csv },
      { path: 'images/b.png', content: await sharp({ create: { width: 2, height: 2, channels: 3, background: '#000' } }).png().toBuffer() },
    ]);
    expect(stray.commit.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', file: 'images/b.png' });
    expect((await datasetState(runtime.url, datasetId)).sampleCount).toBe(0);
    const corrupt = await presignedUpload(runtime.url, datasetId, [
      { path: 'embeddings.csv', content: csv },
      { path: 'images/a.png', content: 'not an image' },
    ]);
    expect(corrupt.commit.errors).toBeUndefined();
    expect((await datasetState(runtime.url, datasetId)).sampleCount).toBe(1);
    const manifest = await manifestOfVersion(blobs, datasetId, 1);
    expect(manifest.corruptSamples).toEqual([{ row: 0, fileName: 'a.png', reason: 'not an image (unsupported format)' }]);
  });
});

describe('where image uploads are committed', () => {
  let background: LocalRuntime;
  beforeAll(async () => {
    // As the stack configures the API: uploads with images go to the commit function, whatever their size.
    background = await startTestRuntime({ syncCommitImages: false });
  });
  afterAll(() => background.stop());

  it('an upload with images is committed by the commit function (COMMITTING at once, then COMMITTED); one without, in the request', async () => {
    const image = await sharp({ create: { width: 16, height: 12, channels: 3, background: '#406080' } }).png().toBuffer();
    const datasetId = await createDataset(background.url, uniqueName('image-commit'));
    const withImages = await presignedUpload(background.url, datasetId, [
      { path: 'embeddings.csv', content: embeddingsCsv(['a.png', 'b.png'], Float32Array.from([1, 0, 0, 1]), 2, [0, 0]) },
      { path: 'images/a.png', content: image },
      { path: 'images/b.png', content: image },
    ]);
    expect(withImages.commit.errors).toBeUndefined();
    const uploadId = withImages.upload.id;
    expect(withImages.commit.data!.commitUpload.status).toBe('COMMITTING');
    let status = 'COMMITTING';
    for (let i = 0; i < 200 && status === 'COMMITTING'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = (await datasetState(background.url, datasetId)).uploads.find((u) => u.id === uploadId)!.status;
    }
    expect(status).toBe('COMMITTED');
    const state = await datasetState(background.url, datasetId);
    expect(state.sampleCount).toBe(2);
    expect(state.computedMetadataAvailable).toBe(true);

    const plain = await presignedUpload(background.url, datasetId, [{ path: 'embeddings.csv', content: embeddingsCsv(['c.png'], Float32Array.from([1, 1]), 2, [0]) }]);
    expect(plain.commit.data!.commitUpload).toMatchObject({ status: 'COMMITTED', samplesAdded: 1 });
  });
});
