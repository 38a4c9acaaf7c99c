/**
 * The report of a run, end to end on the local runtime:
 * - a selection over GraphQL writes `runs/<id>/report.{json,html}`; `selectionRun { report }` is null before
 *   success and then gives presigned URLs that download them; the page renders in headless Chromium without
 *   console errors or any request beyond itself, and its charts hold as many points and bars as
 *   report.json says;
 * - an object-level selection holds object embeddings only, so its report reads the image embeddings it
 *   projects from the column shards;
 * - a report that cannot be written never costs the selection: the run SUCCEEDS with its tag, its summary
 *   notes why, and `report` stays null. S3 refusing a write cannot be caused on the stand-in, so that case
 *   runs the workflow's tasks with a blob store that refuses the report's page (everything else is real).
 */
import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ReportFigures } from '../../functions/report/figures.js';
import { reportKeys } from '../../functions/report/store.js';
import { createAwsClients } from '../../functions/store/aws.js';
import { BlobStore, type StoredObject } from '../../functions/store/blobs.js';
import { DynamoDatasetRepository } from '../../functions/store/datasets.js';
import { DynamoRunRepository } from '../../functions/store/runs.js';
import { DynamoTagRepository } from '../../functions/store/tags.js';
import * as tasks from '../../functions/workflow/tasks.js';
import type { LocalRuntime } from '../../infra/local/runtime.js';
import { createDataset, inlineUpload, lightlyUploadFiles, tagFileNames } from '../support/datasets.js';
import { graphql, uniqueName } from '../support/graphql.js';
import { startTestRuntime } from '../support/runtime.js';
import { startSelection, waitForRun, type RunView } from '../support/runs.js';
import { launchBrowser } from '../support/browser.js';

const N_SAMPLES = 20;
const CONFIG = {
  n_samples: N_SAMPLES,
  strategies: [
    { input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY' } },
    { input: { type: 'SCORES', task: 'my_object_detection_task', score: 'uncertainty_entropy' }, strategy: { type: 'WEIGHTS' } },
    { input: { type: 'METADATA', key: 'weather.description' }, strategy: { type: 'BALANCE', target: { sunny: 0.2, cloudy: 0.4 } } },
    { input: { type: 'METADATA', key: 'lightly.sharpness' }, strategy: { type: 'THRESHOLD', threshold: 10, operation: 'BIGGER' } },
  ],
};

const env = inject('winnowEnv');
const clients = createAwsClients(env);

/** S3 that refuses the report's HTML page. */
class ReportRefusingBlobStore extends BlobStore {
  override async put(key: string, body: Uint8Array | string, contentType?: string): Promise<StoredObject> {
    if (key.endsWith('/report.html')) throw new Error('Access Denied');
    return super.put(key, body, contentType);
  }
}

let runtime: LocalRuntime;
let run: RunView;
let reportAtStart: unknown;
let urls: { htmlUrl: string; jsonUrl: string };
let figures: ReportFigures;
let html: string;

const REPORT_QUERY = 'query ($id: ID!) { selectionRun(id: $id) { status report { htmlUrl jsonUrl } picks(first: 1000) { items { fileName } } } }';

beforeAll(async () => {
  runtime = await startTestRuntime();
  const datasetId = await createDataset(runtime.url, uniqueName('report'));
  const upload = await inlineUpload(runtime.url, datasetId, lightlyUploadFiles({ samples: 240, dim: 8, layout: 'jsonl' }).files);
  expect(upload.errors).toBeUndefined();
  const started = await graphql<{ startSelection: { id: string; status: string; report: unknown } }>(
    runtime.url,
    'mutation ($d: ID!, $c: JSON!) { startSelection(datasetId: $d, config: $c, resultTagName: "reported") { id status report { htmlUrl } } }',
    { d: datasetId, c: CONFIG },
  );
  expect(started.errors).toBeUndefined();
  reportAtStart = started.data!.startSelection.report;
  run = await waitForRun(runtime.url, started.data!.startSelection.id);
  expect(run.status).toBe('SUCCEEDED');
  const read = await graphql<{ selectionRun: { report: { htmlUrl: string; jsonUrl: string } | null } }>(runtime.url, REPORT_QUERY, { id: run.id });
  urls = read.data!.selectionRun.report!;
  figures = (await (await fetch(urls.jsonUrl)).json()) as ReportFigures;
  html = await (await fetch(urls.htmlUrl)).text();
});
afterAll(() => runtime.stop());

describe('the report of a selection run', () => {
  it('is null before the run succeeds and then a pair of presigned URLs that download it', async () => {
    expect(reportAtStart).toBeNull();
    expect(urls.htmlUrl).toMatch(/\/runs\/[^/]+\/report\.html\?.*X-Amz-Expires=3600/);
    expect(urls.jsonUrl).toMatch(/\/runs\/[^/]+\/report\.json\?/);
    const page = await fetch(urls.htmlUrl);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain(`data-run="${run.id}"`);
  });

  it('carries the summary, timings and config of the run', () => {
    expect(figures.run.id).toBe(run.id);
    expect(figures.config).toEqual(CONFIG);
    expect(figures.summary).toMatchObject({
      poolSize: run.summary!.poolSize,
      selected: N_SAMPLES,
      requested: N_SAMPLES,
      stopReason: run.summary!.stopReason,
      dropped: run.summary!.dropped,
    });
    // The threshold dropped rows: the pool the loop chose from is smaller than the pool before thresholds.
    expect(run.summary!.dropped.some((d) => d.reason.startsWith('THRESHOLD'))).toBe(true);
    const thresholdDropped = run.summary!.dropped.filter((d) => d.reason.startsWith('THRESHOLD')).reduce((n, d) => n + d.count, 0);
    expect(figures.summary.candidates).toBe(run.summary!.poolSize - thresholdDropped);
    expect(figures.timings.map((t) => t.phase)).toEqual(['plan', 'shards', 'select', 'total']);
    for (const id of ['summary', 'projection', 'contributions', 'balance', 'scores', 'metadata', 'picks', 'config']) expect(html).toContain(`<section id="${id}">`);
    // One word per figure, as the CLI prints them: "pool" counts before thresholds, "candidates" what the
    // selection chose from (every distribution's grey series).
    expect(html).toContain(`${N_SAMPLES} picked of ${figures.summary.candidates} candidates (pool ${run.summary!.poolSize})`);
    const text = html.replace(/<pre>[\s\S]*?<\/pre>/g, ' ').replace(/<[^>]*>/g, ' ');
    const poolMentions = text.match(/\bpool\b.{0,20}/g) ?? [];
    expect(poolMentions.length).toBeGreaterThan(0);
    for (const mention of poolMentions) expect(mention).toMatch(/^pool (\(before thresholds\)|\d+\)|less the rows)/);
    expect(html).toContain('Metadata: candidates vs picks');
  });

  it('projects the whole small pool with the picks highlighted', async () => {
    const { projection } = figures;
    expect(projection.picksTotal).toBe(N_SAMPLES);
    expect(projection.points.filter((p) => p.picked)).toHaveLength(N_SAMPLES);
    expect(projection.points).toHaveLength(figures.summary.candidates);
    expect(projection.explainedVariance[0]).toBeGreaterThan(projection.explainedVariance[1]!);
    const picked = await graphql<{ selectionRun: { picks: { items: { fileName: string }[] } } }>(runtime.url, REPORT_QUERY, { id: run.id });
    const pickedNames = picked.data!.selectionRun.picks.items.map((p) => p.fileName);
    expect(new Set(projection.points.filter((p) => p.picked).map((p) => p.fileName))).toEqual(new Set(pickedNames));
    expect(figures.topPicks.map((p) => p.fileName)).toEqual(pickedNames);
  });

  it('has pool-vs-picks distributions of every metadata key and score the config reads', () => {
    expect(figures.metadata.map((m) => [m.key, m.kind, m.strategies])).toEqual([
      ['weather.description', 'categorical', [2]],
      ['lightly.sharpness', 'numeric', [3]],
    ]);
    const weather = figures.metadata[0]!;
    expect(weather.categories!.reduce((n, c) => n + c.picks, 0) + weather.missing.picks).toBe(N_SAMPLES);
    expect(weather.categories!.reduce((n, c) => n + c.pool, 0) + weather.missing.pool).toBe(figures.summary.candidates);
    const sharpness = figures.metadata[1]!;
    expect(sharpness.bins).toHaveLength(figures.caps.histogramBins);
    // Every value of the pool passed the threshold (sharpness > 10).
    expect(sharpness.bins![0]!.from).toBeGreaterThan(10);
    expect(figures.scores).toHaveLength(1);
    expect(figures.scores[0]).toMatchObject({ strategy: 1, type: 'WEIGHTS', input: 'my_object_detection_task/uncertainty_entropy' });
    expect(figures.scores[0]!.bins.reduce((n, b) => n + b.picks, 0)).toBe(N_SAMPLES);
  });

  it('compares class shares with the BALANCE target and splits the score between strategies', () => {
    expect(figures.balance).toHaveLength(1);
    const balance = figures.balance[0]!;
    expect(balance.classes.map((c) => c.name)).toEqual(['sunny', 'cloudy', '(other)']);
    expect(balance.classes.map((c) => c.target)).toEqual([0.2, 0.4, expect.closeTo(0.4, 12)]);
    expect(balance.classes.reduce((n, c) => n + c.picks, 0)).toBeCloseTo(1, 12);
    // The summary's BALANCE note and the figure report the same picked shares.
    const note = run.summary!.notes.find((n) => n.includes('BALANCE'))!;
    for (const c of balance.classes) expect(note).toContain(`${c.name} ${c.picks.toFixed(3)}`);
    expect(figures.contributions.map((c) => [c.strategy, c.type])).toEqual([
      [0, 'DIVERSITY'],
      [1, 'WEIGHTS'],
      [2, 'BALANCE'],
    ]);
    expect(figures.contributions.reduce((n, c) => n + c.share, 0)).toBeCloseTo(1, 9);
    // Objectives are scaled so that a strategy's best candidate scores 1.
    for (const c of figures.contributions) {
      expect(c.meanObjective).toBeGreaterThan(0);
      expect(c.meanObjective).toBeLessThanOrEqual(1);
      expect(c.meanContribution).toBeLessThanOrEqual(0);
    }
  });

  it('renders in headless Chromium without errors or network, with one circle per point and one bar per value', async () => {
    const browser = await launchBrowser();
    try {
      const page = await browser.context.newPage();
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error' || message.type() === 'warning') errors.push(message.text());
      });
      page.on('pageerror', (error) => errors.push(error.message));
      // Only the page itself may load; anything else would need the network.
      await page.route('**/*', async (route) => {
        requests.push(route.request().url());
        if (route.request().url() === urls.htmlUrl) await route.continue();
        else await route.abort();
      });
      const response = await page.goto(urls.htmlUrl, { waitUntil: 'load' });
      expect(response?.status()).toBe(200);
      expect(await page.title()).toContain('reported');
      expect(requests).toEqual([urls.htmlUrl]);
      expect(errors).toEqual([]);

      const count = (selector: string) => page.locator(selector).count();
      expect(await count('svg[data-chart="projection"] circle')).toBe(figures.projection.points.length);
      expect(await count('svg[data-chart="projection"] circle[data-picked="true"]')).toBe(N_SAMPLES);
      for (const m of figures.metadata) {
        const values = m.kind === 'categorical' ? m.categories!.length : m.bins!.length;
        expect(await count(`svg[data-chart="metadata"][data-key="${m.key}"] rect.bar`)).toBe(2 * values);
      }
      const balance = figures.balance[0]!;
      expect(await count(`svg[data-chart="balance"][data-strategy="2"] rect.bar`)).toBe(3 * balance.classes.length);
      expect(await count(`svg[data-chart="balance"] rect.bar[data-series="target"]`)).toBe(balance.classes.length);
      expect(await count('svg[data-chart="scores"][data-strategy="1"] rect.bar')).toBe(2 * figures.scores[0]!.bins.length);
      expect(await count('svg[data-chart="contributions"] rect.bar')).toBe(figures.contributions.length);
      expect(await count('table.picks tbody tr')).toBe(N_SAMPLES);
      // The bars draw the figures: the target bar of "cloudy" carries the configured share.
      expect(await page.locator('svg[data-chart="balance"] rect.bar[data-series="target"][data-group="cloudy"]').getAttribute('data-value')).toBe('0.4');
      // Laid out: the projection has a real size on the page.
      const box = await page.locator('svg[data-chart="projection"]').boundingBox();
      expect(box!.width).toBeGreaterThan(300);
    } finally {
      await browser.close();
    }
  });
});

describe('the report of an object-level selection', () => {
  it('projects image embeddings read from the shards, the picked images highlighted', async () => {
    const datasetId = await createDataset(runtime.url, uniqueName('report-objects'));
    const { files, dataset } = lightlyUploadFiles({ samples: 80, dim: 6, layout: 'jsonl' });
    expect((await inlineUpload(runtime.url, datasetId, files)).errors).toBeUndefined();
    const config = { n_samples: 10, strategies: [{ input: { type: 'EMBEDDINGS', task: 'my_object_detections' }, strategy: { type: 'DIVERSITY' } }] };
    const started = await startSelection(runtime.url, { d: datasetId, c: config, t: 'objects' });
    const run = await waitForRun(runtime.url, started.data!.startSelection.id);
    expect(run.status).toBe('SUCCEEDED');
    expect(run.summary!.notes.filter((n) => n.startsWith('report'))).toEqual([]);
    const read = await graphql<{ selectionRun: { report: { jsonUrl: string } } }>(runtime.url, 'query ($id: ID!) { selectionRun(id: $id) { report { jsonUrl } } }', { id: run.id });
    const figures = (await (await fetch(read.data!.selectionRun.report.jsonUrl)).json()) as ReportFigures;

    const imagesWithObjects = dataset.truth.boxes.my_object_detections!.filter((b) => b > 0).length;
    expect(figures.summary.candidates).toBe(imagesWithObjects);
    expect(figures.projection.points).toHaveLength(imagesWithObjects);
    expect(figures.projection.points.filter((p) => p.picked)).toHaveLength(10);
    // Real coordinates: the image embeddings were read, not left as zeros.
    expect(new Set(figures.projection.points.map((p) => p.x.toFixed(6))).size).toBeGreaterThan(imagesWithObjects / 2);
    expect(figures.contributions).toEqual([expect.objectContaining({ strategy: 0, type: 'DIVERSITY', input: 'object embeddings of my_object_detections' })]);
  });
});

describe('a report failure', () => {
  it('leaves the run SUCCEEDED with its tag, a note in the summary, and no report', async () => {
    const datasetId = await createDataset(runtime.url, uniqueName('report-fails'));
    expect((await inlineUpload(runtime.url, datasetId, lightlyUploadFiles({ samples: 60, dim: 6, layout: 'jsonl' }).files)).errors).toBeUndefined();
    const blobs = new ReportRefusingBlobStore(clients.s3, env.bucketName);
    const deps: tasks.WorkflowDeps = {
      datasets: new DynamoDatasetRepository(clients.dynamo, env.tableName),
      tags: new DynamoTagRepository(clients.dynamo, env.tableName, blobs),
      runs: new DynamoRunRepository(clients.dynamo, env.tableName),
      blobs,
    };
    const { Item } = await clients.dynamo.send(new GetCommand({ TableName: env.tableName, Key: { pk: `DATASET#${datasetId}`, sk: 'META' } }));
    const { run } = await deps.runs.create({
      id: randomUUID(),
      tenantId: Item!.tenantId as string,
      datasetId,
      status: 'QUEUED',
      config: { n_samples: 5, strategies: [{ input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY' } }] },
      resultTagName: 'kept',
      createdAt: new Date().toISOString(),
    });

    const plan = await tasks.plan(deps, { runId: run.id });
    for (const shard of plan.shards) await tasks.shard(deps, { runId: run.id, shard });
    expect(await tasks.select(deps, { runId: run.id }, { budgetMs: 30_000 })).toEqual({ done: true });
    await tasks.finish(deps, { runId: run.id });

    const finished = await deps.runs.get(run.id);
    expect(finished.status).toBe('SUCCEEDED');
    expect(finished.summary!.selected).toBe(5);
    expect(finished.summary!.notes).toContainEqual(expect.stringMatching(/^report: not generated \(storing the report failed: Access Denied\); the selection and its tag are complete$/));
    expect(await tagFileNames(runtime.url, datasetId, 'kept')).toHaveLength(5);
    // The figures were written before the page failed; without the page there is no report to serve.
    expect(await blobs.size(reportKeys.json(run.id))).toBeGreaterThan(0);
    expect(await blobs.size(reportKeys.html(run.id))).toBeUndefined();
    const read = await graphql<{ selectionRun: { status: string; report: unknown; summary: { notes: string[] } } }>(
      runtime.url,
      'query ($id: ID!) { selectionRun(id: $id) { status report { htmlUrl } summary { notes } } }',
      { id: run.id },
    );
    expect(read.data!.selectionRun).toMatchObject({ status: 'SUCCEEDED', report: null });
    expect(read.data!.selectionRun.summary.notes.some((n) => n.startsWith('report: not generated'))).toBe(true);
  });
});
