/**
 * End to end, over GraphQL and presigned URLs only: a dataset is created, a generated Lightly folder is
 * uploaded through the presigned URLs (one file large enough to go in parts, the others in one PUT) and
 * committed, several examples of Lightly's documentation run as selections, their result tags are read
 * and checked against what the generated data makes true, bad input is refused with a code and a path,
 * requests without a valid key are refused with 401, and the datasets are deleted. One file, so that the
 * local target (a whole runtime) starts once.
 *
 * The target comes from the environment (test/e2e/target.ts): the local runtime by default, or the
 * deployment at `WINNOW_API_URL` with `WINNOW_API_KEY`. Nothing here reads the target's table or bucket.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApiKey } from '../../functions/store/apiKeys.js';
import { parseJsonc } from '../../functions/selection/jsonc.js';
import { generateQueryFiles, type GeneratedDataset } from '../../infra/local/lightlyFolder.js';
import { datasetState, inlineUpload, lightlyUploadFiles, presignedUpload, tagFileNames } from '../support/datasets.js';
import { graphql } from '../support/graphql.js';
import { startSelection, waitForRun, type RunView } from '../support/runs.js';
import { CreatedDatasets } from './cleanup.js';
import { connectE2eTarget, type E2eConnection } from './connect.js';

const SEEDS = join(import.meta.dirname, '../fixtures/seeds');
/** Parts are 64 MiB: a file just over that goes through the multipart path. */
const PART_SIZE = 64 * 1024 * 1024;
const N = 160;

let target: E2eConnection;
let created: CreatedDatasets;
let datasetId: string;
let queryDatasetId: string;
let data: GeneratedDataset;
let query: ReturnType<typeof generateQueryFiles>;
/** Deployed selections wait for cold starts and real Step Functions; local ones take a second or two. */
let runTimeoutMs: number;

beforeAll(async () => {
  target = await connectE2eTarget();
  created = new CreatedDatasets(target.url);
  runTimeoutMs = target.deployed ? 600_000 : 120_000;
});
afterAll(async () => {
  try {
    await created?.deleteAll();
  } finally {
    await target?.close();
  }
});

function seedConfig(file: string, nSamples: number): Record<string, unknown> {
  const text = readFileSync(join(SEEDS, file), 'utf8')
    .replace('DATASET_ID_OF_THE_QUERY_IMAGES', queryDatasetId)
    .replace('TAG_NAME_OF_THE_QUERY_IMAGES', query.tagName);
  return { ...(parseJsonc(text, file) as Record<string, unknown>), n_samples: nSamples };
}

let runsStarted = 0;

/** Runs a seed example to its end; returns the run and the rows of its result tag. */
async function runSeed(file: string, nSamples: number): Promise<{ run: RunView; rows: number[] }> {
  const resultTag = `result-${++runsStarted}-${file.replace('.jsonc', '')}`;
  const started = await startSelection(target.url, { d: datasetId, c: seedConfig(file, nSamples), t: resultTag });
  expect(started.errors, JSON.stringify(started.errors)).toBeUndefined();
  const run = await waitForRun(target.url, started.data!.startSelection.id, runTimeoutMs);
  expect(run.status, run.failureReason ?? '').toBe('SUCCEEDED');
  const rowOf = new Map(data.truth.fileNames.map((name, row) => [name, row]));
  const rows = (await tagFileNames(target.url, datasetId, run.resultTagName)).map((name) => rowOf.get(name)!);
  expect(rows).toHaveLength(run.resultTag!.count);

  // The run's report: a self-contained HTML page and its figures, both through presigned URLs.
  const names = new Set(rows.map((row) => data.truth.fileNames[row]!));
  const report = await graphql<{ selectionRun: { report: { htmlUrl: string; jsonUrl: string } | null } }>(
    target.url,
    'query ($id: ID!) { selectionRun(id: $id) { report { htmlUrl jsonUrl } } }',
    { id: run.id },
  );
  expect(report.errors, JSON.stringify(report.errors)).toBeUndefined();
  const urls = report.data!.selectionRun.report;
  expect(urls).not.toBeNull();
  const html = await fetch(urls!.htmlUrl);
  expect(html.status).toBe(200);
  const page = await html.text();
  expect(page).toMatch(/^<!DOCTYPE html>/i);
  expect(page).toContain('<svg');
  const figures = (await (await fetch(urls!.jsonUrl)).json()) as {
    run: { id: string };
    summary: { selected: number };
    projection: { picksTotal: number; points: { fileName: string; picked: boolean }[] };
  };
  expect(figures.run.id).toBe(run.id);
  expect(figures.summary.selected).toBe(run.resultTag!.count);
  expect(figures.projection.picksTotal).toBe(run.resultTag!.count);
  for (const point of figures.projection.points) expect(names.has(point.fileName)).toBe(point.picked);

  return { run, rows };
}

describe('a dataset from upload to selections, end to end', () => {
  it('uploads a Lightly folder through presigned URLs, in one PUT and in parts, and commits it', async () => {
    const upload = lightlyUploadFiles({ seed: 21, samples: N, dim: 8, clusters: 4, videos: 4, layout: 'jsonl' });
    data = upload.dataset;
    datasetId = await created.create('lightly-folder');
    // Trailing newlines are blank lines to the CSV reader: the samples stay the same, the size crosses a part.
    const files = upload.files.map((f) => (f.path === 'embeddings.csv' ? { ...f, content: f.content + '\n'.repeat(PART_SIZE + 1 - f.content.length) } : f));
    const { upload: presigned, commit } = await presignedUpload(target.url, datasetId, files);

    const inParts = presigned.files.filter((f) => f.parts !== null);
    expect(inParts.map((f) => [f.path, f.parts!.length])).toEqual([['embeddings.csv', 2]]);
    expect(presigned.files.filter((f) => f.url !== null).length).toBe(files.length - 1);
    expect(commit.errors, JSON.stringify(commit.errors)).toBeUndefined();
    expect(commit.data!.commitUpload).toMatchObject({ status: 'COMMITTED', samplesAdded: N });

    const state = await datasetState(target.url, datasetId);
    expect(state).toMatchObject({ sampleCount: N, embeddingDimension: 8 });
    expect(state.metadataKeys.map((k) => k.name)).toEqual(expect.arrayContaining(['weather.description', 'video_name', 'lightly.sharpness']));
    expect(state.tasks.map((t) => t.name)).toEqual(expect.arrayContaining(['my_object_detection_task', 'lightly_pretagging']));
    expect(await tagFileNames(target.url, datasetId, 'initial-tag')).toEqual(data.truth.fileNames);
  });

  it('uploads a query dataset and tags its query images', async () => {
    query = generateQueryFiles(data.truth, { cluster: 2 });
    queryDatasetId = await created.create('query');
    const { commit } = await presignedUpload(target.url, queryDatasetId, [{ path: 'embeddings.csv', content: query.files.get('embeddings.csv')! }]);
    expect(commit.errors).toBeUndefined();
    const tag = await graphql(target.url, 'mutation ($d: ID!, $n: String!, $f: [String!]!) { createTag(datasetId: $d, name: $n, fileNames: $f) { count } }', {
      d: queryDatasetId,
      n: query.tagName,
      f: query.truth.tags[query.tagName],
    });
    expect(tag.data).toEqual({ createTag: { count: query.truth.tags[query.tagName]!.length } });
  });

  it('visual diversity (01) reaches every cluster', async () => {
    const { rows, run } = await runSeed('01-visual-diversity.jsonc', 8);
    expect(new Set(rows.map((r) => data.truth.cluster[r])).size).toBe(4);
    expect(run.summary).toMatchObject({ poolSize: N, requested: 8, selected: 8, stopReason: 'TARGET_REACHED' });
  });

  it('active learning (03) prefers images with more detections to be unsure about', async () => {
    const { rows } = await runSeed('03-active-learning.jsonc', 20);
    const boxes = data.truth.boxes.my_object_detection_task!;
    const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    expect(mean(rows.map((r) => boxes[r]!))).toBeGreaterThan(mean(boxes));
  });

  it('the sharpness threshold (05) keeps exactly the sharp images', async () => {
    const { rows, run } = await runSeed('05-sharpness-threshold.jsonc', N);
    const sharp = data.truth.sharpness.flatMap((s, row) => (s > 20 ? [row] : []));
    expect(rows).toEqual(sharp);
    expect(run.summary!.stopReason).toBe('POOL_EXHAUSTED');
  });

  it('video balancing (09) takes as many frames from every video', async () => {
    const { rows } = await runSeed('09-video-balancing.jsonc', 20);
    expect(data.truth.videos.map((v) => rows.filter((r) => data.truth.video[r] === v).length)).toEqual([5, 5, 5, 5]);
  });

  it("similarity search (10) picks from the query images' cluster", async () => {
    const { rows } = await runSeed('10-similarity-search.jsonc', 10);
    expect(rows.map((r) => data.truth.cluster[r])).toEqual(new Array(10).fill(2));
  });

  it('random selection (13) is the same twice', async () => {
    const first = await runSeed('13-random.jsonc', 15);
    const second = await runSeed('13-random.jsonc', 15);
    expect(second.rows).toEqual(first.rows);
    expect(new Set(first.rows).size).toBe(15);
  });
});

describe('bad input, end to end', () => {
  it('refuses an unknown strategy type, naming the field', async () => {
    const config = { n_samples: 5, strategies: [{ input: { type: 'EMBEDDINGS' }, strategy: { type: 'MOST_BEAUTIFUL' } }] };
    const refused = await startSelection(target.url, { d: datasetId, c: config, t: 'never' });
    expect(refused.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', path: 'config.strategies[0].strategy.type' });
  });

  it('refuses an empty dataset name', async () => {
    const refused = await graphql(target.url, 'mutation { createDataset(name: "") { id } }');
    expect(refused.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', path: 'name' });
  });

  it('rejects an upload with a bad number, naming file and line, and leaves the dataset as it was', async () => {
    const header = ['filenames', ...Array.from({ length: 8 }, (_, i) => `embedding_${i}`), 'labels'].join(',');
    const bad = `${header}\nnew_1.jpg,${'0.5,'.repeat(8)}0\nnew_2.jpg,0.5,0.5,not-a-number,0.5,0.5,0.5,0.5,0.5,0\n`;
    const refused = await inlineUpload(target.url, datasetId, [{ path: 'embeddings.csv', content: bad }]);
    expect(refused.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', file: 'embeddings.csv', line: 3 });
    expect((await datasetState(target.url, datasetId)).sampleCount).toBe(N);
  });

  it('answers NOT_FOUND for a dataset that does not exist', async () => {
    const missing = await graphql(target.url, 'query { dataset(id: "00000000-0000-4000-8000-000000000000") { id } }');
    expect(missing.errors![0]!.extensions).toEqual({ code: 'NOT_FOUND' });
  });
});

async function post(headers: Record<string, string>): Promise<{ status: number; body: { data?: unknown; errors?: { extensions?: { code?: string } }[] } }> {
  const response = await fetch(target.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query: '{ datasets { items { id name } } }' }),
  });
  return { status: response.status, body: (await response.json()) as { data?: unknown; errors?: { extensions?: { code?: string } }[] } };
}

describe('authentication, end to end', () => {
  const refusals: [string, (key: string) => Record<string, string>][] = [
    ['no key', () => ({})],
    ['a well-formed key that was never issued', () => ({ authorization: `Bearer ${newApiKey().key}` })],
    ['a malformed key', () => ({ authorization: 'Bearer not-a-key' })],
    ['the right key without the Bearer scheme', (key) => ({ authorization: key })],
  ];
  it.each(refusals)('refuses %s with 401 UNAUTHENTICATED and no data', async (_name, headers) => {
    const { status, body } = await post(headers(target.apiKey));
    expect(status).toBe(401);
    expect(body.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
    expect(body.data ?? null).toBeNull();
  });

  it('serves the same request with the key', async () => {
    const { status, body } = await post({ authorization: `Bearer ${target.apiKey}` });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ datasets: { items: expect.any(Array) } });
  });
});

describe('deleting, end to end', () => {
  it('deletes a dataset with its uploads, tags and runs; it is gone from reads and listings', async () => {
    const runs = await graphql<{ dataset: { selectionRuns: { items: { id: string }[] } } }>(target.url, 'query ($d: ID!) { dataset(id: $d) { selectionRuns(first: 1) { items { id } } } }', { d: datasetId });
    const runId = runs.data!.dataset.selectionRuns.items[0]!.id;
    expect(await created.delete(datasetId)).toBe(true);
    for (const [query, variables] of [
      ['query ($id: ID!) { dataset(id: $id) { id } }', { id: datasetId }],
      ['query ($id: ID!) { selectionRun(id: $id) { id } }', { id: runId }],
    ] as const) {
      expect((await graphql(target.url, query, variables)).errors![0]!.extensions).toEqual({ code: 'NOT_FOUND' });
    }
    expect(await created.listedIds()).not.toContain(datasetId);
  });
});
