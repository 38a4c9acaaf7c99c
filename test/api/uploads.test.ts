/**
 * Uploads end to end over GraphQL against the local runtime: presigned and inline uploads of a Lightly
 * folder, the columns they become, appends, and every kind of bad input — each refused with a code and
 * the file/line/path, leaving the dataset exactly as it was.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createAwsClients } from '../../functions/store/aws.js';
import { BlobStore } from '../../functions/store/blobs.js';
import type { LocalRuntime } from '../../infra/local/runtime.js';
import { startTestRuntime } from '../support/runtime.js';
import { embeddingsCsv } from '../../infra/local/lightlyFolder.js';
import {
  createDataset,
  createUpload,
  commitUpload,
  datasetState,
  inlineUpload,
  lightlyUploadFiles,
  presignedUpload,
  tagFileNames,
} from '../support/datasets.js';
import { graphql, uniqueName } from '../support/graphql.js';
import { manifestOfVersion } from '../support/manifests.js';

const env = inject('winnowEnv');
let runtime: LocalRuntime;
let url: string;
const blobs = new BlobStore(createAwsClients(env).s3, env.bucketName);

beforeAll(async () => {
  runtime = await startTestRuntime();
  url = runtime.url;
});
afterAll(() => runtime.stop());

const SCHEMA = JSON.stringify([
  { name: 'weather', path: 'weather.description', defaultValue: 'unknown', valueDataType: 'CATEGORICAL_STRING' },
  { name: 'speed', path: 'speed', defaultValue: 0, valueDataType: 'NUMERIC_FLOAT' },
]);
const TASKS = JSON.stringify(['det']);
const TASK_SCHEMA = JSON.stringify({ task_type: 'object-detection', categories: [{ id: 0, name: 'car' }, { id: 1, name: 'person' }] });

function smallFiles(names: string[], dim = 3) {
  const data = new Float32Array(names.length * dim).map((_, i) => ((i * 7919) % 13) - 6 + 0.5);
  return [
    { path: 'embeddings.csv', content: embeddingsCsv(names, data, dim, names.map(() => 0)) },
    { path: '.lightly/metadata/schema.json', content: SCHEMA },
    {
      path: '.lightly/metadata/metadata.jsonl',
      content: names.map((n, i) => JSON.stringify({ file_name: n, type: 'image', metadata: { weather: { description: i % 2 ? 'sunny' : 'cloudy' }, speed: i } })).join('\n'),
    },
    { path: '.lightly/predictions/tasks.json', content: TASKS },
    { path: '.lightly/predictions/det/schema.json', content: TASK_SCHEMA },
    {
      path: '.lightly/predictions/det/predictions.jsonl',
      content: names
        .map((n, i) => JSON.stringify({ file_name: n, predictions: i % 3 ? [{ category_id: i % 2, bbox: [0, 0, 10, 10], score: 0.6 }] : [] }))
        .join('\n'),
    },
  ];
}

/** What must not change when an upload is refused. */
async function snapshot(datasetId: string) {
  const state = await datasetState(url, datasetId);
  const names = state.sampleCount > 0 ? await tagFileNames(url, datasetId, 'initial-tag') : [];
  const { uploads, ...rest } = state;
  return { ...rest, committed: uploads.filter((u) => u.status === 'COMMITTED').length, names };
}

describe('a Lightly folder through presigned URLs', () => {
  let datasetId: string;
  const { files, dataset } = lightlyUploadFiles({ samples: 60, dim: 8, layout: 'files' });

  beforeAll(async () => {
    datasetId = await createDataset(url, uniqueName('lightly'));
    const { commit } = await presignedUpload(url, datasetId, files);
    expect(commit.errors).toBeUndefined();
    expect(commit.data!.commitUpload).toMatchObject({ status: 'COMMITTED', samplesAdded: 60 });
  });

  it('describes the dataset: size, dimension, metadata keys, tasks, uploads', async () => {
    const state = await datasetState(url, datasetId);
    expect(state.sampleCount).toBe(60);
    expect(state.embeddingDimension).toBe(8);
    const keys = Object.fromEntries(state.metadataKeys.map((k) => [k.name, k.type]));
    expect(keys).toMatchObject({
      'weather.description': 'CATEGORICAL_STRING',
      video_name: 'CATEGORICAL_STRING',
      'lightly.sharpness': 'NUMERIC_FLOAT',
      temperature: 'NUMERIC_FLOAT',
      frame_index: 'NUMERIC_INT',
      night: 'CATEGORICAL_BOOLEAN',
    });
    expect(state.computedMetadataAvailable).toBe(false);
    const tasks = Object.fromEntries(state.tasks.map((t) => [t.name, t]));
    expect(tasks.my_object_detection_task).toMatchObject({
      type: 'OBJECT_DETECTION',
      hasObjectEmbeddings: false,
      categories: [{ id: 0, name: 'car' }, { id: 1, name: 'person' }, { id: 2, name: 'bicycle' }],
    });
    expect(tasks.my_object_detection_task!.scoreNames).toEqual(
      expect.arrayContaining(['uncertainty_entropy', 'uncertainty_least_confidence', 'uncertainty_margin', 'objectness_least_confidence']),
    );
    expect(tasks.my_object_detections!.hasObjectEmbeddings).toBe(true);
    expect(tasks.my_classification_task!.type).toBe('CLASSIFICATION');
    expect(tasks.my_segmentation_task!.type).toBe('SEMANTIC_SEGMENTATION');
    expect(tasks.my_keypoint_task!.scoreNames).toEqual(['mean_uncertainty']);
    expect(state.uploads).toEqual([expect.objectContaining({ status: 'COMMITTED', samplesAdded: 60, error: null })]);
    expect(state.tags.items).toEqual([{ name: 'initial-tag', count: 60, createdBy: 'system', parent: null }]);
  });

  it('keeps the file names in upload order, page by page', async () => {
    expect(await tagFileNames(url, datasetId, 'initial-tag', 7)).toEqual(dataset.truth.fileNames);
  });

  it('stores checksummed shards: raw embeddings as uploaded, a unit-norm copy beside them', async () => {
    const record = await graphql<{ dataset: { id: string } }>(url, 'query ($id: ID!) { dataset(id: $id) { id } }', { id: datasetId });
    expect(record.data!.dataset.id).toBe(datasetId);
    const manifest = await manifestOfVersion(blobs, datasetId, 1);
    expect(manifest.rowCount).toBe(60);
    const shard = manifest.shards[0]!;
    for (const stored of Object.values(shard.columns)) {
      const bytes = (await blobs.get(stored.key))!;
      expect(bytes.byteLength).toBe(stored.bytes);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(stored.sha256);
    }
    const raw = new Float32Array((await blobs.get(shard.columns['embeddings.raw']!.key))!.slice().buffer);
    const normalized = new Float32Array((await blobs.get(shard.columns['embeddings.normalized']!.key))!.slice().buffer);
    expect([...raw.subarray(0, 16)]).toEqual([...dataset.truth.embeddings.subarray(0, 16)]);
    for (let row = 0; row < 60; row++) {
      let norm = 0;
      for (let d = 0; d < 8; d++) norm += normalized[row * 8 + d]! ** 2;
      expect(norm).toBeCloseTo(1, 5);
    }
    const weather = manifest.metadata['weather.description']!;
    const codes = new Int32Array((await blobs.get(shard.columns['metadata/weather.description']!.key))!.slice().buffer);
    dataset.truth.weather.forEach((value, row) => expect(weather.categories![codes[row]!]).toBe(value ?? 'unknown'));
    expect(shard.objectCount?.my_object_detections).toBe(dataset.truth.boxes.my_object_detections!.reduce((a, b) => a + b, 0));
  });
});

describe('CSV and JSON-lines spellings, read from S3 as byte streams', () => {
  it('commits quoted names, CRLF, a byte-order mark, blank lines, exponents, a leading + and spaces', async () => {
    const datasetId = await createDataset(url, uniqueName('spellings'));
    const csv =
      '\ufefffilenames,embedding_0,embedding_1,labels\r\n' +
      '"dir/a,""b"".png", 1.5e2 ,+0.25,1\r\n' +
      '\r\n' +
      'ünï/日本.png,-7E-1,  +3 ,0\r\n' +
      'last.png,0.1234567891,-2.5e-3,0';
    const metadata = '\ufeff' + ['dir/a,"b".png', 'ünï/日本.png', 'last.png'].map((n, i) => JSON.stringify({ file_name: n, metadata: { speed: i * 1.5 } })).join('\r\n\r\n') + '\r\n';
    const result = await inlineUpload(url, datasetId, [
      { path: 'embeddings.csv', content: csv },
      { path: '.lightly/metadata/schema.json', content: SCHEMA },
      { path: '.lightly/metadata/metadata.jsonl', content: metadata },
    ]);
    expect(result.errors).toBeUndefined();
    expect(result.data!.uploadInline).toMatchObject({ status: 'COMMITTED', samplesAdded: 3 });
    expect(await tagFileNames(url, datasetId, 'initial-tag')).toEqual(['dir/a,"b".png', 'ünï/日本.png', 'last.png']);
    const manifest = await manifestOfVersion(blobs, datasetId, 1);
    const shard = manifest.shards[0]!;
    const raw = new Float32Array((await blobs.get(shard.columns['embeddings.raw']!.key))!.slice().buffer);
    expect([...raw]).toEqual([150, 0.25, -0.7, 3, 0.1234567891, -2.5e-3].map(Math.fround));
    const speed = new Float64Array((await blobs.get(shard.columns['metadata/speed']!.key))!.slice().buffer);
    expect([...speed]).toEqual([0, 1.5, 3]);
  });

  it('names the line of a fault after CRLF and blank lines', async () => {
    const datasetId = await createDataset(url, uniqueName('spellings-bad'));
    const result = await inlineUpload(url, datasetId, [{ path: 'embeddings.csv', content: 'filenames,embedding_0,labels\r\na.png,1,0\r\n\r\nb.png,1e,0\r\n' }]);
    expect(result.errors![0]!.extensions).toMatchObject({ file: 'embeddings.csv', line: 4 });
    expect(result.errors![0]!.message).toContain('"1e" is not a number');
    expect((await datasetState(url, datasetId)).sampleCount).toBe(0);
  });
});

describe('files sent in parts', () => {
  it('assembles a multipart embeddings file and commits it', async () => {
    const datasetId = await createDataset(url, uniqueName('multipart'));
    const names = Array.from({ length: 9000 }, (_, i) => `img_${String(i).padStart(5, '0')}.png`);
    const dim = 96;
    const data = new Float32Array(names.length * dim).map((_, i) => Math.sin(i) * 100);
    const csv = embeddingsCsv(names, data, dim, names.map(() => 1));
    expect(csv.length).toBeGreaterThan(64 * 1024 * 1024 / 8);
    // Parts are 64 MiB in production; a file just over that size exercises the multipart path.
    const padded = csv + '\n'.repeat(Math.max(0, 64 * 1024 * 1024 + 10 - csv.length));
    const { upload, commit } = await presignedUpload(url, datasetId, [{ path: 'embeddings.csv', content: padded }]);
    expect(upload.files[0]!.parts).toHaveLength(2);
    expect(commit.errors).toBeUndefined();
    expect(commit.data!.commitUpload.samplesAdded).toBe(9000);
    expect((await tagFileNames(url, datasetId, 'initial-tag')).slice(-2)).toEqual(names.slice(-2));
  });

  it('refuses a commit without the parts, naming the file', async () => {
    const datasetId = await createDataset(url, uniqueName('multipart-missing'));
    const created = await createUpload(url, datasetId, [{ path: 'embeddings.csv', size: 70 * 1024 * 1024 }]);
    const commit = await commitUpload(url, datasetId, created.data!.createUpload.id);
    expect(commit.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', file: 'embeddings.csv', path: 'multipart' });
    expect((await datasetState(url, datasetId)).sampleCount).toBe(0);
  });
});

describe('appending', () => {
  it('extends the dataset; row order, earlier tags and initial-tag stay right', async () => {
    const datasetId = await createDataset(url, uniqueName('append'));
    const first = ['a.png', 'b.png', 'c.png'];
    expect((await inlineUpload(url, datasetId, smallFiles(first))).errors).toBeUndefined();
    const tagged = await graphql(url, 'mutation ($d: ID!) { createTag(datasetId: $d, name: "ab", fileNames: ["a.png", "b.png"]) { count } }', { d: datasetId });
    expect(tagged.data).toEqual({ createTag: { count: 2 } });
    const second = ['d.png', 'e.png'];
    const appended = await inlineUpload(url, datasetId, smallFiles(second));
    expect(appended.errors).toBeUndefined();
    expect(appended.data!.uploadInline).toMatchObject({ status: 'COMMITTED', samplesAdded: 2 });
    expect(await tagFileNames(url, datasetId, 'initial-tag')).toEqual([...first, ...second]);
    expect(await tagFileNames(url, datasetId, 'ab')).toEqual(['a.png', 'b.png']);
    const state = await datasetState(url, datasetId);
    expect(state.sampleCount).toBe(5);
    expect(state.tags.items.find((t) => t.name === 'initial-tag')!.count).toBe(5);
    expect(state.uploads.map((u) => u.samplesAdded)).toEqual([3, 2]);
  });

  it('applies earlier schema defaults to appended rows without metadata', async () => {
    const datasetId = await createDataset(url, uniqueName('append-defaults'));
    await inlineUpload(url, datasetId, smallFiles(['a.png']));
    const onlyEmbeddings = smallFiles(['z.png']).slice(0, 1);
    const result = await inlineUpload(url, datasetId, onlyEmbeddings);
    expect(result.errors).toBeUndefined();
    const dataset = await graphql<{ dataset: { id: string } }>(url, 'query ($id: ID!) { dataset(id: $id) { id } }', { id: datasetId });
    const manifest = await manifestOfVersion(blobs, dataset.data!.dataset.id, 2);
    const shard = manifest.shards[1]!;
    const codes = new Int32Array((await blobs.get(shard.columns['metadata/weather.description']!.key))!.slice().buffer);
    expect(manifest.metadata['weather.description']!.categories![codes[0]!]).toBe('unknown');
  });
});

describe('bad input leaves the dataset as it was', () => {
  const base = ['a.png', 'b.png', 'c.png', 'd.png'];
  let datasetId: string;
  let before: Awaited<ReturnType<typeof snapshot>>;

  beforeAll(async () => {
    datasetId = await createDataset(url, uniqueName('bad-input'));
    expect((await inlineUpload(url, datasetId, smallFiles(base))).errors).toBeUndefined();
    before = await snapshot(datasetId);
  });

  const replace = (files: { path: string; content: string }[], path: string, content: string) =>
    files.map((f) => (f.path === path ? { path, content } : f));
  const newNames = ['x.png', 'y.png', 'z.png'];
  const good = () => smallFiles(newNames);
  const csvLines = () => good()[0]!.content.split('\n');

  const cases: [string, () => { path: string; content: string }[], Record<string, unknown>, RegExp][] = [
    [
      'a malformed CSV line',
      () => replace(good(), 'embeddings.csv', [...csvLines().slice(0, 2), '"y.png,1,2,3,0', ...csvLines().slice(3)].join('\n')),
      { file: 'embeddings.csv', line: 3 },
      /quote|malformed/i,
    ],
    [
      'a wrong column count',
      () => replace(good(), 'embeddings.csv', [...csvLines().slice(0, 2), 'y.png,1,2,0', ...csvLines().slice(3)].join('\n')),
      { file: 'embeddings.csv', line: 3 },
      /column/i,
    ],
    ['a NaN', () => replace(good(), 'embeddings.csv', [...csvLines().slice(0, 3), 'z.png,1,nan,3,0'].join('\n')), { file: 'embeddings.csv', line: 4 }, /finite|number/i],
    ['an Inf', () => replace(good(), 'embeddings.csv', [...csvLines().slice(0, 3), 'z.png,inf,2,3,0'].join('\n')), { file: 'embeddings.csv', line: 4 }, /finite|number/i],
    [
      'an embedding value beyond float32 (it would be Infinity once stored)',
      () => replace(good(), 'embeddings.csv', [...csvLines().slice(0, 3), 'z.png,1,-1e39,3,0'].join('\n')),
      { file: 'embeddings.csv', line: 4 },
      /^embeddings\.csv:4: column 3 \(embedding_1\): -1e39 is out of range for float32/,
    ],
    [
      'an object embedding value beyond float32',
      () => [...good(), { path: 'embeddings/det.csv', content: 'filenames,embedding_0,embedding_1,labels\ny.png#0,1,2,0\nz.png#0,3.5e38,0.5,1\n' }],
      { file: 'embeddings/det.csv', line: 3 },
      /column 2 \(embedding_0\): 3\.5e38 is out of range for float32/,
    ],
    [
      'a duplicate file name within the upload',
      () => replace(good(), 'embeddings.csv', [...csvLines().slice(0, 3), 'x.png,1,2,3,0'].join('\n')),
      { file: 'embeddings.csv', line: 4 },
      /x\.png/,
    ],
    [
      'a file name the dataset already has',
      () => replace(good(), 'embeddings.csv', [...csvLines().slice(0, 3), 'a.png,1,2,3,0'].join('\n')),
      { file: 'embeddings.csv', line: 4 },
      /already in the dataset/,
    ],
    [
      'two file names the dataset already has: the upload\'s first is named',
      () => replace(good(), 'embeddings.csv', [...csvLines().slice(0, 2), 'd.png,1,2,3,0', 'a.png,1,2,3,0', ''].join('\n')),
      { file: 'embeddings.csv', line: 3 },
      /"d\.png" is already in the dataset/,
    ],
    [
      'a file name the dataset already has, between rows read together',
      () => replace(good(), 'embeddings.csv', [...csvLines().slice(0, 2), 'a.png,1,2,3,0', ...csvLines().slice(3), ''].join('\n')),
      { file: 'embeddings.csv', line: 3 },
      /already in the dataset/,
    ],
    [
      'a metadata value of the wrong type',
      () =>
        replace(
          good(),
          '.lightly/metadata/metadata.jsonl',
          [
            JSON.stringify({ file_name: 'x.png', type: 'image', metadata: { speed: 1 } }),
            JSON.stringify({ file_name: 'y.png', type: 'image', metadata: { speed: 'fast' } }),
          ].join('\n'),
        ),
      { file: '.lightly/metadata/metadata.jsonl', line: 2, path: '$.metadata.speed' },
      /number|NUMERIC/i,
    ],
    [
      'an unknown category id',
      () =>
        replace(
          good(),
          '.lightly/predictions/det/predictions.jsonl',
          JSON.stringify({ file_name: 'x.png', predictions: [{ category_id: 7, bbox: [0, 0, 1, 1], score: 0.5 }] }),
        ),
      { file: '.lightly/predictions/det/predictions.jsonl', line: 1, path: '$.predictions[0].category_id' },
      /7/,
    ],
    [
      'a file name in predictions that is not in the dataset',
      () =>
        replace(
          good(),
          '.lightly/predictions/det/predictions.jsonl',
          [JSON.stringify({ file_name: 'x.png', predictions: [] }), JSON.stringify({ file_name: 'ghost.png', predictions: [] })].join('\n'),
        ),
      { file: '.lightly/predictions/det/predictions.jsonl', line: 2, path: '$.file_name' },
      /ghost\.png/,
    ],
  ];

  it.each(cases)('%s', async (_name, files, location, message) => {
    const result = await inlineUpload(url, datasetId, files());
    expect(result.data).toBeNull();
    expect(result.errors).toHaveLength(1);
    expect(result.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', ...location });
    expect(result.errors![0]!.message).toMatch(message);
    expect(await snapshot(datasetId)).toEqual(before);
    const uploads = (await datasetState(url, datasetId)).uploads;
    expect(uploads.at(-1)).toMatchObject({ status: 'REJECTED', error: result.errors![0]!.message });
  });

  it('an upload whose file was never PUT', async () => {
    const created = await createUpload(url, datasetId, [{ path: 'embeddings.csv', size: 100 }]);
    const commit = await commitUpload(url, datasetId, created.data!.createUpload.id);
    expect(commit.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', file: 'embeddings.csv' });
    expect(commit.errors![0]!.message).toMatch(/never uploaded/);
    expect(await snapshot(datasetId)).toEqual(before);
    const again = await commitUpload(url, datasetId, created.data!.createUpload.id);
    expect(again.errors![0]!.extensions).toMatchObject({ code: 'CONFLICT' });
  });

  it('an oversized inline upload', async () => {
    const big = good().map((f) => (f.path === 'embeddings.csv' ? { ...f, content: f.content + ' '.repeat(4.5 * 1024 * 1024) } : f));
    const result = await inlineUpload(url, datasetId, big);
    expect(result.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', path: 'files' });
    expect(result.errors![0]!.message).toMatch(/at most 4194304 bytes/);
    expect(await snapshot(datasetId)).toEqual(before);
  });

  it('a path outside the Lightly layout, and an upload without embeddings', async () => {
    const outside = await createUpload(url, datasetId, [{ path: 'embeddings.csv', size: 1 }, { path: '../etc/passwd', size: 1 }]);
    expect(outside.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', path: 'files[1].path' });
    const noEmbeddings = await createUpload(url, datasetId, [{ path: '.lightly/metadata/schema.json', size: 1 }]);
    expect(noEmbeddings.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', path: 'files' });
    expect(await snapshot(datasetId)).toEqual(before);
  });

  it('a dataset of another dimension', async () => {
    const result = await inlineUpload(url, datasetId, smallFiles(newNames, 4));
    expect(result.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', file: 'embeddings.csv', line: 1 });
    expect(await snapshot(datasetId)).toEqual(before);
  });
});

describe('a dataset name where an id is wanted', () => {
  it('answers NOT_FOUND saying that datasetId takes the id, not the name', async () => {
    const name = uniqueName('first-steps');
    await createDataset(url, name);
    const result = await inlineUpload(url, name, [{ path: 'embeddings.csv', content: 'filenames,embedding_0,labels\na.png,1,0\n' }]);
    expect(result.errors![0]!.extensions).toEqual({ code: 'NOT_FOUND' });
    expect(result.errors![0]!.message).toBe(`dataset '${name}' not found: an argument datasetId takes the dataset's id (a UUID, as createDataset and datasets give it), not its name`);
    // A well-formed id that is no dataset gets no such hint.
    const unknown = await inlineUpload(url, '00000000-0000-4000-8000-000000000000', [{ path: 'embeddings.csv', content: 'filenames,embedding_0,labels\na.png,1,0\n' }]);
    expect(unknown.errors![0]!.message).toBe("dataset '00000000-0000-4000-8000-000000000000' not found");
  });
});
