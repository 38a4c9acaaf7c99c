/** Tags over GraphQL: from file names, arithmetic, rename, delete, paging and download. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../infra/local/runtime.js';
import { startTestRuntime } from '../support/runtime.js';
import { createDataset, datasetState, inlineUpload, tagFileNames } from '../support/datasets.js';
import { graphql, uniqueName } from '../support/graphql.js';
import { embeddingsCsv } from '../../infra/local/lightlyFolder.js';

let runtime: LocalRuntime;
let url: string;
let datasetId: string;
let otherDatasetId: string;
const names = Array.from({ length: 10 }, (_, i) => `frame_${i}.jpg`);

function embeddingsOnly(fileNames: string[]) {
  const data = new Float32Array(fileNames.length * 2).map((_, i) => i + 1);
  return [{ path: 'embeddings.csv', content: embeddingsCsv(fileNames, data, 2, fileNames.map(() => 0)) }];
}

const CREATE = 'mutation ($d: ID!, $n: String!, $f: [String!]!) { createTag(datasetId: $d, name: $n, fileNames: $f) { name count createdBy parent } }';
const COMBINE =
  'mutation ($n: String!, $op: TagOperation!, $l: TagRefInput!, $r: TagRefInput!) { combineTags(name: $n, operation: $op, left: $l, right: $r) { name count parent } }';
const RENAME = 'mutation ($d: ID!, $n: String!, $to: String!) { renameTag(datasetId: $d, name: $n, newName: $to) { name count } }';
const DELETE = 'mutation ($d: ID!, $n: String!) { deleteTag(datasetId: $d, name: $n) }';

beforeAll(async () => {
  runtime = await startTestRuntime();
  url = runtime.url;
  datasetId = await createDataset(url, uniqueName('tags'));
  expect((await inlineUpload(url, datasetId, embeddingsOnly(names))).errors).toBeUndefined();
  otherDatasetId = await createDataset(url, uniqueName('tags-other'));
  expect((await inlineUpload(url, otherDatasetId, embeddingsOnly(['x.jpg']))).errors).toBeUndefined();
});
afterAll(() => runtime.stop());

describe('tags', () => {
  it('creates a tag from file names and lists its members in row order', async () => {
    const created = await graphql(url, CREATE, { d: datasetId, n: 'odd', f: ['frame_5.jpg', 'frame_1.jpg', 'frame_3.jpg', 'frame_7.jpg', 'frame_9.jpg'] });
    expect(created.data).toEqual({ createTag: { name: 'odd', count: 5, createdBy: expect.stringMatching(/^user:tenant-/), parent: 'file names' } });
    expect(await tagFileNames(url, datasetId, 'odd', 2)).toEqual(['frame_1.jpg', 'frame_3.jpg', 'frame_5.jpg', 'frame_7.jpg', 'frame_9.jpg']);
  });

  it('refuses a file name that is not in the dataset, and a taken name', async () => {
    const unknown = await graphql(url, CREATE, { d: datasetId, n: 'bad', f: ['frame_1.jpg', 'nope.jpg'] });
    expect(unknown.errors![0]!.extensions).toEqual({ code: 'BAD_USER_INPUT', path: 'fileNames[1]' });
    await graphql(url, CREATE, { d: datasetId, n: 'first-two', f: ['frame_0.jpg', 'frame_1.jpg'] });
    const taken = await graphql(url, CREATE, { d: datasetId, n: 'first-two', f: ['frame_2.jpg'] });
    expect(taken.errors![0]!.extensions).toEqual({ code: 'CONFLICT' });
    expect(await tagFileNames(url, datasetId, 'first-two')).toEqual(['frame_0.jpg', 'frame_1.jpg']);
    const state = await datasetState(url, datasetId);
    expect(state.tags.items.map((t) => t.name)).not.toContain('bad');
  });

  it('does UNION, INTERSECTION and DIFFERENCE', async () => {
    await graphql(url, CREATE, { d: datasetId, n: 'low', f: ['frame_0.jpg', 'frame_1.jpg', 'frame_2.jpg', 'frame_3.jpg'] });
    await graphql(url, CREATE, { d: datasetId, n: 'odd-2', f: ['frame_1.jpg', 'frame_3.jpg', 'frame_5.jpg'] });
    const ref = (tagName: string) => ({ datasetId, tagName });
    const union = await graphql(url, COMBINE, { n: 'u', op: 'UNION', l: ref('low'), r: ref('odd-2') });
    expect(union.data).toEqual({ combineTags: { name: 'u', count: 5, parent: 'UNION(low, odd-2)' } });
    await graphql(url, COMBINE, { n: 'i', op: 'INTERSECTION', l: ref('low'), r: ref('odd-2') });
    await graphql(url, COMBINE, { n: 'd', op: 'DIFFERENCE', l: ref('low'), r: ref('odd-2') });
    await graphql(url, COMBINE, { n: 'all-but-low', op: 'DIFFERENCE', l: ref('initial-tag'), r: ref('low') });
    expect(await tagFileNames(url, datasetId, 'u')).toEqual(['frame_0.jpg', 'frame_1.jpg', 'frame_2.jpg', 'frame_3.jpg', 'frame_5.jpg']);
    expect(await tagFileNames(url, datasetId, 'i')).toEqual(['frame_1.jpg', 'frame_3.jpg']);
    expect(await tagFileNames(url, datasetId, 'd')).toEqual(['frame_0.jpg', 'frame_2.jpg']);
    expect(await tagFileNames(url, datasetId, 'all-but-low')).toEqual(names.slice(4));
  });

  it('refuses arithmetic across datasets and writes nothing', async () => {
    const result = await graphql(url, COMBINE, {
      n: 'mixed',
      op: 'UNION',
      l: { datasetId, tagName: 'initial-tag' },
      r: { datasetId: otherDatasetId, tagName: 'initial-tag' },
    });
    expect(result.errors![0]!.extensions).toEqual({ code: 'BAD_USER_INPUT', path: 'right.datasetId' });
    const tag = await graphql(url, 'query ($id: ID!) { dataset(id: $id) { tag(name: "mixed") { name } } }', { id: datasetId });
    expect(tag.errors![0]!.extensions).toEqual({ code: 'NOT_FOUND' });
  });

  it('renames a tag, refusing taken names and initial-tag', async () => {
    await graphql(url, CREATE, { d: datasetId, n: 'before', f: ['frame_4.jpg'] });
    const renamed = await graphql(url, RENAME, { d: datasetId, n: 'before', to: 'after' });
    expect(renamed.data).toEqual({ renameTag: { name: 'after', count: 1 } });
    expect(await tagFileNames(url, datasetId, 'after')).toEqual(['frame_4.jpg']);
    const gone = await graphql(url, 'query ($id: ID!) { dataset(id: $id) { tag(name: "before") { name } } }', { id: datasetId });
    expect(gone.errors![0]!.extensions).toEqual({ code: 'NOT_FOUND' });
    const taken = await graphql(url, RENAME, { d: datasetId, n: 'after', to: 'odd' });
    expect(taken.errors![0]!.extensions).toEqual({ code: 'CONFLICT' });
    const initial = await graphql(url, RENAME, { d: datasetId, n: 'initial-tag', to: 'everything' });
    expect(initial.errors![0]!.extensions).toEqual({ code: 'BAD_USER_INPUT', path: 'name' });
  });

  it('deletes a tag but never initial-tag', async () => {
    await graphql(url, CREATE, { d: datasetId, n: 'doomed', f: ['frame_8.jpg'] });
    expect((await graphql(url, DELETE, { d: datasetId, n: 'doomed' })).data).toEqual({ deleteTag: true });
    expect((await graphql(url, DELETE, { d: datasetId, n: 'doomed' })).errors![0]!.extensions).toEqual({ code: 'NOT_FOUND' });
    expect((await graphql(url, DELETE, { d: datasetId, n: 'initial-tag' })).errors![0]!.extensions).toEqual({ code: 'BAD_USER_INPUT', path: 'name' });
    expect(await tagFileNames(url, datasetId, 'initial-tag')).toEqual(names);
  });

  it('downloads a tag as a text file through a presigned URL', async () => {
    const result = await graphql<{ dataset: { tag: { downloadUrl: string } } }>(url, 'query ($id: ID!) { dataset(id: $id) { tag(name: "odd") { downloadUrl } } }', {
      id: datasetId,
    });
    // One lifetime for every presigned URL of the API, as documented: one hour.
    expect(new URL(result.data!.dataset.tag.downloadUrl).searchParams.get('X-Amz-Expires')).toBe('3600');
    const response = await fetch(result.data!.dataset.tag.downloadUrl);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('frame_1.jpg\nframe_3.jpg\nframe_5.jpg\nframe_7.jpg\nframe_9.jpg\n');
    expect(response.headers.get('content-disposition')).toContain('odd.txt');
  });

  it('bounds file-name pages and refuses bad cursors and names', async () => {
    const big = await graphql(url, 'query ($id: ID!) { dataset(id: $id) { tag(name: "odd") { fileNames(first: 1001) { items } } } }', { id: datasetId });
    expect(big.errors![0]!.extensions).toEqual({ code: 'BAD_USER_INPUT', path: 'first' });
    const cursor = await graphql(url, 'query ($id: ID!) { dataset(id: $id) { tag(name: "odd") { fileNames(after: "zzz") { items } } } }', { id: datasetId });
    expect(cursor.errors![0]!.extensions).toEqual({ code: 'BAD_USER_INPUT', path: 'after' });
    const badName = await graphql(url, CREATE, { d: datasetId, n: ' padded ', f: ['frame_1.jpg'] });
    expect(badName.errors![0]!.extensions).toEqual({ code: 'BAD_USER_INPUT', path: 'name' });
  });
});
