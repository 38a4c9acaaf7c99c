/**
 * The demo data of `npm start`: created through the API on a first start, left alone on the next, and the
 * printed commands work on it — the curl command runs as printed, and the configs the CLI commands name
 * run to SUCCEEDED with a report.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJsonc } from '../../functions/selection/jsonc.js';
import { DEMO, demoBanner, demoEnabled, ensureDemoDatasets, type DemoDatasets } from '../../infra/local/demo.js';
import type { LocalRuntime } from '../../infra/local/runtime.js';
import { datasetState } from '../support/datasets.js';
import { graphql } from '../support/graphql.js';
import { startSelection, waitForRun } from '../support/runs.js';
import { startTestRuntime } from '../support/runtime.js';

const run = promisify(execFile);
let runtime: LocalRuntime;
let dataDir: string;
let demo: DemoDatasets;
let creationMs: number;

beforeAll(async () => {
  runtime = await startTestRuntime();
  dataDir = await mkdtemp(join(tmpdir(), 'winnow-demo-'));
  const started = Date.now();
  demo = await ensureDemoDatasets(runtime.url, runtime.apiKey, dataDir);
  creationMs = Date.now() - started;
});
afterAll(async () => {
  await runtime.stop();
  await rm(dataDir, { recursive: true, force: true });
});

async function expectReport(runId: string) {
  const read = await graphql<{ selectionRun: { report: { htmlUrl: string } | null } }>(runtime.url, 'query ($id: ID!) { selectionRun(id: $id) { report { htmlUrl } } }', { id: runId });
  expect(read.data!.selectionRun.report!.htmlUrl).toContain(`/runs/${runId}/report.html`);
}

describe('the demo data', () => {
  it('is a realistic dataset and a query dataset with a tag, created through the API', async () => {
    expect(demo.created).toEqual([DEMO.datasetName, DEMO.queryDatasetName, `${DEMO.queryDatasetName}/${DEMO.queryTagName}`]);
    const main = await datasetState(runtime.url, demo.datasetId);
    expect(main.sampleCount).toBe(DEMO.samples);
    expect(main.embeddingDimension).toBe(DEMO.dim);
    expect(main.uploads).toEqual([expect.objectContaining({ status: 'COMMITTED', samplesAdded: DEMO.samples })]);
    expect(main.metadataKeys.map((k) => k.name)).toEqual(expect.arrayContaining(['weather.description', 'video_name', 'lightly.sharpness']));
    const detection = main.tasks.find((t) => t.name === 'my_object_detection_task')!;
    expect(detection.type).toBe('OBJECT_DETECTION');
    expect(detection.scoreNames).toContain('uncertainty_entropy');
    const queries = await datasetState(runtime.url, demo.queryDatasetId);
    expect(queries.tags.items.find((t) => t.name === DEMO.queryTagName)?.count).toBe(4);
  });

  it('is left alone on the next start, and can be turned off', async () => {
    const again = await ensureDemoDatasets(runtime.url, runtime.apiKey, dataDir);
    expect(again).toMatchObject({ datasetId: demo.datasetId, queryDatasetId: demo.queryDatasetId, created: [] });
    expect((await datasetState(runtime.url, demo.datasetId)).uploads).toHaveLength(1);
    expect(demoEnabled({})).toBe(true);
    expect(demoEnabled({ WINNOW_DEMO: '0' })).toBe(false);
    expect(demoEnabled({ WINNOW_DEMO: 'off' })).toBe(false);
  });

  it('prints three commands: the curl one runs as printed, the CLI ones name configs that succeed', async () => {
    const banner = await demoBanner(demo, runtime.url, runtime.apiKey, creationMs);
    const commands = banner.split('\n').filter((line) => line.startsWith('curl ') || line.startsWith('WINNOW_API_URL='));
    expect(commands).toHaveLength(3);
    expect(commands[0]).toMatch(/^curl -s http:\/\//);
    for (const command of commands.slice(1)) expect(command).toMatch(/npm run winnow -- select --dataset demo --config \S+ --tag \S+ --wait$/);

    const { stdout } = await run('bash', ['-c', commands[0]!]);
    const started = JSON.parse(stdout) as { data: { startSelection: { id: string; status: string } } };
    expect(started.data.startSelection.status).toBe('QUEUED');
    const activeLearning = await waitForRun(runtime.url, started.data.startSelection.id);
    expect(activeLearning).toMatchObject({ status: 'SUCCEEDED', resultTag: { name: 'demo-active-learning', count: 50 } });
    await expectReport(activeLearning.id);

    for (const command of commands.slice(1)) {
      const [, file, tag] = /--config (\S+) --tag (\S+)/.exec(command)!;
      const config = parseJsonc(await readFile(file!, 'utf8'), file);
      const start = await startSelection(runtime.url, { d: demo.datasetId, c: config, t: tag });
      expect(start.errors).toBeUndefined();
      const done = await waitForRun(runtime.url, start.data!.startSelection.id);
      expect(done.status, `${file}: ${done.failureReason}`).toBe('SUCCEEDED');
      expect(done.resultTag!.count).toBe((config as { n_samples: number }).n_samples);
      await expectReport(done.id);
    }
  });
});
