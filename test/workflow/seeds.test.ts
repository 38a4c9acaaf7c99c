/**
 * Every example of the seed, started over GraphQL against the local runtime (the synthesized state
 * machine, the stand-ins), on a generated dataset that has what it needs; each result tag is checked
 * against the example's intent.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJsonc } from '../../functions/selection/jsonc.js';
import type { LocalRuntime } from '../../infra/local/runtime.js';
import { startTestRuntime } from '../support/runtime.js';
import { generateQueryFiles, type GeneratedDataset } from '../../infra/local/lightlyFolder.js';
import { createDataset, inlineUpload, lightlyUploadFiles, tagFileNames } from '../support/datasets.js';
import { graphql, uniqueName } from '../support/graphql.js';
import { startSelection, waitForRun, type RunView } from '../support/runs.js';

const seeds = join(import.meta.dirname, '../fixtures/seeds');
let runtime: LocalRuntime;
let datasetId: string;
let queryDatasetId: string;
let data: GeneratedDataset;
let uploadedFiles: Map<string, string>;
let query: ReturnType<typeof generateQueryFiles>;
const N = 240;

beforeAll(async () => {
  runtime = await startTestRuntime();
  const upload = lightlyUploadFiles({ seed: 5, samples: N, dim: 8, clusters: 4, videos: 4, layout: 'jsonl' });
  data = upload.dataset;
  uploadedFiles = new Map(upload.files.map((f) => [f.path, f.content]));
  datasetId = await createDataset(runtime.url, uniqueName('seeds'));
  const committed = await inlineUpload(runtime.url, datasetId, upload.files);
  expect(committed.errors).toBeUndefined();
  query = generateQueryFiles(data.truth, { cluster: 2 });
  queryDatasetId = await createDataset(runtime.url, uniqueName('seeds-query'));
  expect((await inlineUpload(runtime.url, queryDatasetId, [{ path: 'embeddings.csv', content: query.files.get('embeddings.csv')! }])).errors).toBeUndefined();
  const tag = await graphql(runtime.url, 'mutation ($d: ID!, $n: String!, $f: [String!]!) { createTag(datasetId: $d, name: $n, fileNames: $f) { count } }', {
    d: queryDatasetId,
    n: query.tagName,
    f: query.truth.tags[query.tagName],
  });
  expect(tag.errors).toBeUndefined();
});
afterAll(() => runtime.stop());

function configOf(file: string): Record<string, unknown> {
  const text = readFileSync(join(seeds, file), 'utf8')
    .replace('DATASET_ID_OF_THE_QUERY_IMAGES', queryDatasetId)
    .replace('TAG_NAME_OF_THE_QUERY_IMAGES', query.tagName);
  return parseJsonc(text, file) as Record<string, unknown>;
}

async function select(file: string, n = 40): Promise<{ run: RunView; rows: number[] }> {
  const config = { ...configOf(file), n_samples: n };
  const started = await startSelection(runtime.url, { d: datasetId, c: config, t: uniqueName(file.replace('.jsonc', '')) });
  expect(started.errors, JSON.stringify(started.errors)).toBeUndefined();
  const run = await waitForRun(runtime.url, started.data!.startSelection.id);
  expect(run.status, run.failureReason ?? '').toBe('SUCCEEDED');
  const names = await tagFileNames(runtime.url, datasetId, run.resultTagName);
  const rowOf = new Map(data.truth.fileNames.map((name, row) => [name, row]));
  return { run, rows: names.map((name) => rowOf.get(name)!) };
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

describe('the seed examples, end to end', () => {
  it('runs all thirteen', () => {
    expect(readdirSync(seeds).filter((f) => f.endsWith('.jsonc'))).toHaveLength(13);
  });

  it('visual diversity covers every cluster', async () => {
    const { rows, run } = await select('01-visual-diversity.jsonc', 12);
    expect(rows).toHaveLength(12);
    expect(new Set(rows.map((r) => data.truth.cluster[r])).size).toBe(4);
    expect(run.summary).toMatchObject({ poolSize: N, requested: 12, selected: 12, stopReason: 'TARGET_REACHED' });
    expect(run.shardsDone).toBe(run.shardsTotal);
    expect(run.timings.map((t) => t.phase)).toEqual(expect.arrayContaining(['plan', 'shards', 'select', 'total']));
  });

  it('typicality with diversity still spans clusters', async () => {
    const { rows } = await select('02-typicality.jsonc', 12);
    expect(new Set(rows.map((r) => data.truth.cluster[r])).size).toBeGreaterThanOrEqual(3);
  });

  it('active learning picks the most uncertain samples', async () => {
    const { rows, run } = await select('03-active-learning.jsonc', 30);
    // Samples without boxes score 0; the picks must be uncertain ones.
    const boxes = data.truth.boxes.my_object_detection_task!;
    expect(mean(rows.map((r) => boxes[r]!))).toBeGreaterThan(mean(boxes));
    const picks = await graphql<{ selectionRun: { picks: { items: { rank: number; fileName: string; objectives: { strategy: number; objective: number }[] }[] } } }>(
      runtime.url,
      'query ($id: ID!) { selectionRun(id: $id) { picks(first: 30) { items { rank fileName objectives { strategy objective } } } } }',
      { id: run.id },
    );
    const items = picks.data!.selectionRun.picks.items;
    expect(items.map((p) => p.rank)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    const objectives = items.map((p) => p.objectives[0]!.objective);
    expect(objectives).toEqual([...objectives].sort((a, b) => b - a));
  });

  it('diversity and active learning together', async () => {
    const { rows } = await select('04-diversity-and-active-learning.jsonc', 20);
    expect(new Set(rows.map((r) => data.truth.cluster[r])).size).toBe(4);
  });

  it('the sharpness threshold holds for every pick', async () => {
    const { rows, run } = await select('05-sharpness-threshold.jsonc', 500);
    const passing = data.truth.sharpness.filter((s) => s > 20).length;
    expect(rows).toHaveLength(passing);
    for (const r of rows) expect(data.truth.sharpness[r]).toBeGreaterThan(20);
    expect(run.summary!.stopReason).toBe('POOL_EXHAUSTED');
    expect(run.summary!.dropped).toContainEqual({ reason: expect.stringMatching(/THRESHOLD strategies\[0\]: lightly\.sharpness > 20/), count: N - passing });
  });

  it('the uniform-rows threshold holds for every pick', async () => {
    const { rows } = await select('06-uniform-rows-threshold.jsonc', 500);
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(data.truth.uniformRowRatio[r]).toBeLessThan(0.025);
  });

  it('object balancing moves class shares towards the target', async () => {
    const { rows } = await select('07-object-balancing.jsonc', 40);
    expect(rows).toHaveLength(40);
    // Class counts per sample, from the uploaded predictions (category ids index the class list).
    const counts = new Map<string, number[]>();
    for (const line of uploadedFiles.get('.lightly/predictions/lightly_pretagging/predictions.jsonl')!.split('\n').filter(Boolean)) {
      const record = JSON.parse(line) as { file_name: string; predictions: { category_id: number }[] };
      const vector = new Array<number>(7).fill(0);
      for (const p of record.predictions) vector[p.category_id]!++;
      counts.set(record.file_name, vector);
    }
    const shares = (sample: number[]) => {
      const total = new Array<number>(7).fill(0);
      for (const r of sample) counts.get(data.truth.fileNames[r]!)?.forEach((c, k) => (total[k]! += c));
      const sum = total.reduce((a, b) => a + b, 0);
      return total.map((t) => t / sum);
    };
    const target = [0.1, 0.5, 0.1, 0.1, 0.1, 0.05, 0.05];
    const distance = (s: number[]) => Math.hypot(...s.map((v, k) => v - target[k]!));
    const pool = shares(Array.from({ length: N }, (_, i) => i));
    const picked = shares(rows);
    expect(distance(picked)).toBeLessThan(distance(pool));
    expect(picked[1]!).toBeGreaterThan(2 * pool[1]!);
  });

  it('metadata balancing approaches 20 % sunny and 40 % cloudy', async () => {
    const { rows, run } = await select('08-metadata-balancing.jsonc', 50);
    expect(run.summary!.notes.join('\n')).toMatch(/sunny/);
    const share = (w: string) => rows.filter((r) => (data.truth.weather[r] ?? 'unknown') === w).length / rows.length;
    expect(share('sunny')).toBeCloseTo(0.2, 1);
    expect(share('cloudy')).toBeCloseTo(0.4, 1);
  });

  it('video balancing takes the same number of frames from every video', async () => {
    const { rows } = await select('09-video-balancing.jsonc', 40);
    const perVideo = data.truth.videos.map((v) => rows.filter((r) => data.truth.video[r] === v).length);
    expect(perVideo).toEqual([10, 10, 10, 10]);
  });

  it("similarity search picks the query's cluster", async () => {
    const { rows } = await select('10-similarity-search.jsonc', 20);
    expect(rows.every((r) => data.truth.cluster[r] === 2)).toBe(true);
  });

  it('object diversity and object typicality pick images that have objects', async () => {
    const boxes = data.truth.boxes.my_object_detections!;
    for (const file of ['11-object-diversity.jsonc', '12-object-typicality.jsonc']) {
      const { rows, run } = await select(file, 15);
      expect(rows).toHaveLength(15);
      for (const r of rows) expect(boxes[r]).toBeGreaterThan(0);
      expect(run.summary!.dropped).toContainEqual({ reason: expect.stringMatching(/^no objects in my_object_detections/), count: boxes.filter((b) => b === 0).length });
    }
  });

  it('random selection is reproducible', async () => {
    const first = await select('13-random.jsonc', 25);
    const second = await select('13-random.jsonc', 25);
    expect(second.rows).toEqual(first.rows);
    expect(new Set(first.rows.map((r) => data.truth.video[r])).size).toBeGreaterThan(1);
  });
});
