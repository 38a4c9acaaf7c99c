/**
 * Thumbnails of a tag's samples: made at commit from the uploaded images, served by presigned URL from
 * `Tag.samples`, null without an image, and out of reach of another tenant.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddingsCsv } from '../../infra/local/lightlyFolder.js';
import type { LocalRuntime } from '../../infra/local/runtime.js';
import { createDataset, presignedUpload } from '../support/datasets.js';
import { graphql, uniqueName } from '../support/graphql.js';
import { startTestRuntime } from '../support/runtime.js';

let runtime: LocalRuntime;
let other: LocalRuntime;

beforeAll(async () => {
  [runtime, other] = await Promise.all([startTestRuntime(), startTestRuntime()]);
});
afterAll(async () => {
  await Promise.all([runtime?.stop(), other?.stop()]);
});

interface SamplesAnswer {
  dataset: { tag: { samples: { items: { fileName: string; thumbnailUrl: string | null }[]; nextCursor: string | null } } };
}
const SAMPLES = `query ($d: ID!, $first: Int, $after: String) {
  dataset(id: $d) { tag(name: "initial-tag") { samples(first: $first, after: $after) { items { fileName thumbnailUrl } nextCursor } } }
}`;

const solid = (width: number, height: number, rgb: { r: number; g: number; b: number }) =>
  sharp({ create: { width, height, channels: 3, background: rgb } });

/** The decoded thumbnail behind a URL: fetched as a browser would, without any credential. */
async function fetchThumbnail(url: string) {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('image/webp');
  const bytes = Buffer.from(await response.arrayBuffer());
  const metadata = await sharp(bytes).metadata();
  const { channels } = await sharp(bytes).stats();
  return { format: metadata.format, width: metadata.width, height: metadata.height, mean: channels.slice(0, 3).map((c) => Math.round(c.mean)) };
}

describe('sample thumbnails', () => {
  let imageDatasetId: string;

  beforeAll(async () => {
    // A wide red JPEG (scaled to 256 px wide), a small blue PNG (kept at its size), a sample without an
    // image and one whose image cannot be decoded.
    const names = ['wide.jpg', 'small.png', 'no-image.png', 'broken.png'];
    imageDatasetId = await createDataset(runtime.url, uniqueName('thumbnails'));
    const { commit } = await presignedUpload(runtime.url, imageDatasetId, [
      { path: 'embeddings.csv', content: embeddingsCsv(names, Float32Array.from([1, 0, 0, 1, 1, 1, 1, 2]), 2, [0, 0, 0, 0]) },
      { path: 'images/wide.jpg', content: await solid(800, 400, { r: 220, g: 30, b: 30 }).jpeg({ quality: 95 }).toBuffer() },
      { path: 'images/small.png', content: await solid(40, 30, { r: 20, g: 40, b: 200 }).png().toBuffer() },
      { path: 'images/broken.png', content: 'not an image' },
    ]);
    expect(commit.errors).toBeUndefined();
  });

  it('gives a presigned URL of each uploaded image thumbnail, and null where there is no decodable image', async () => {
    const answer = await graphql<SamplesAnswer>(runtime.url, SAMPLES, { d: imageDatasetId, first: 10 });
    expect(answer.errors).toBeUndefined();
    const { items, nextCursor } = answer.data!.dataset.tag.samples;
    expect(nextCursor).toBeNull();
    expect(items.map((s) => s.fileName)).toEqual(['wide.jpg', 'small.png', 'no-image.png', 'broken.png']);
    expect(items[2]!.thumbnailUrl).toBeNull();
    expect(items[3]!.thumbnailUrl).toBeNull();

    const wideUrl = new URL(items[0]!.thumbnailUrl!);
    // Short-lived: an hour, as every presigned URL of the API.
    expect(wideUrl.searchParams.get('X-Amz-Expires')).toBe('3600');
    const wide = await fetchThumbnail(wideUrl.href);
    expect(wide).toMatchObject({ format: 'webp', width: 256, height: 128 });
    expect(Math.abs(wide.mean[0]! - 220)).toBeLessThan(12);
    expect(wide.mean[1]!).toBeLessThan(60);

    const small = await fetchThumbnail(items[1]!.thumbnailUrl!);
    expect(small).toMatchObject({ format: 'webp', width: 40, height: 30 });
    expect(Math.abs(small.mean[2]! - 200)).toBeLessThan(12);
    expect(small.mean[0]!).toBeLessThan(60);
  });

  it('pages with the same cursors as fileNames', async () => {
    const first = await graphql<SamplesAnswer>(runtime.url, SAMPLES, { d: imageDatasetId, first: 1 });
    const page = first.data!.dataset.tag.samples;
    expect(page.items.map((s) => s.fileName)).toEqual(['wide.jpg']);
    const names = await graphql<{ dataset: { tag: { fileNames: { nextCursor: string } } } }>(
      runtime.url,
      'query ($d: ID!) { dataset(id: $d) { tag(name: "initial-tag") { fileNames(first: 1) { nextCursor } } } }',
      { d: imageDatasetId },
    );
    expect(page.nextCursor).toBe(names.data!.dataset.tag.fileNames.nextCursor);
    const second = await graphql<SamplesAnswer>(runtime.url, SAMPLES, { d: imageDatasetId, first: 1, after: page.nextCursor });
    const [sample] = second.data!.dataset.tag.samples.items;
    expect(sample!.fileName).toBe('small.png');
    expect((await fetchThumbnail(sample!.thumbnailUrl!)).width).toBe(40);
    const bad = await graphql<SamplesAnswer>(runtime.url, SAMPLES, { d: imageDatasetId, first: 0 });
    expect(bad.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('is null for every sample of a dataset uploaded without images', async () => {
    const datasetId = await createDataset(runtime.url, uniqueName('no-images'));
    const { commit } = await presignedUpload(runtime.url, datasetId, [
      { path: 'embeddings.csv', content: embeddingsCsv(['a.jpg', 'b.jpg'], Float32Array.from([1, 0, 0, 1]), 2, [0, 0]) },
    ]);
    expect(commit.errors).toBeUndefined();
    const answer = await graphql<SamplesAnswer>(runtime.url, SAMPLES, { d: datasetId });
    expect(answer.data!.dataset.tag.samples.items).toEqual([
      { fileName: 'a.jpg', thumbnailUrl: null },
      { fileName: 'b.jpg', thumbnailUrl: null },
    ]);
  });

  it('gives another tenant nothing: the dataset is not found and no URL is in the answer', async () => {
    const response = await fetch(other.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${other.apiKey}` },
      body: JSON.stringify({ query: SAMPLES, variables: { d: imageDatasetId, first: 10 } }),
    });
    const text = await response.text();
    const answer = JSON.parse(text) as { data: unknown; errors: { extensions: { code: string } }[] };
    expect(answer.data).toBeNull();
    expect(answer.errors[0]!.extensions.code).toBe('NOT_FOUND');
    expect(text).not.toContain('thumbnails/');
    expect(text).not.toContain('X-Amz-Signature');
    // And without a key, nothing at all.
    const anonymous = await graphql(runtime.url, SAMPLES, { d: imageDatasetId }, { authorization: '' });
    expect(anonymous.data ?? null).toBeNull();
    expect(anonymous.errors![0]!.extensions).toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});
