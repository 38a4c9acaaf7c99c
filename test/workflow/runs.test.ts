/**
 * Selection runs over GraphQL: checks before anything starts, idempotency, the typed config, cancelling,
 * concurrent runs, the resumable select loop, and faults in the workflow's tasks (injected by wrapping the
 * task handlers — a crash or a hang cannot be caused otherwise).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { TransientError } from '../../functions/workflow/errors.js';
import type { LocalRuntime } from '../../infra/local/runtime.js';
import { startTestRuntime } from '../support/runtime.js';
import type { LocalTaskHandler } from '../../infra/local/stepFunctions.js';
import { createDataset, datasetState, inlineUpload, lightlyUploadFiles, tagFileNames } from '../support/datasets.js';
import { graphql, uniqueName } from '../support/graphql.js';
import { RUN_FIELDS, startSelection, waitForRun, type RunView } from '../support/runs.js';

const DIVERSITY = { n_samples: 8, strategies: [{ input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY' } }, { input: { type: 'EMBEDDINGS' }, strategy: { type: 'TYPICALITY', num_nearest_neighbors: 5 } }] };

/** Per-test fault plans: state name → what to do on the k-th call (1-based). */
type Fault = (call: number, input: unknown) => Promise<void> | void;
const faults = new Map<string, Fault>();
const calls = new Map<string, number>();
const wrapTask = (state: string, handler: LocalTaskHandler): LocalTaskHandler => async (input) => {
  const call = (calls.get(state) ?? 0) + 1;
  calls.set(state, call);
  await faults.get(state)?.(call, input);
  return handler(input);
};
/** An error as Lambda reports it to the state machine (its `errorType` is the name Retry and Catch match). */
const lambdaError = (name: string, message: string) => Object.assign(new Error(message), { name });
/** Shorter waits than in the cloud: 1 s task timeouts where a test asks, 0 s between retries. */
const shortTimeouts = (definition: StateMachineDefinition): StateMachineDefinition => {
  const json = JSON.stringify(definition).replace(/"IntervalSeconds":\d+/g, '"IntervalSeconds":0');
  const edited = JSON.parse(json) as StateMachineDefinition & { States: Record<string, { ItemProcessor?: { States: Record<string, { TimeoutSeconds?: number }> } }> };
  edited.States.Shards!.ItemProcessor!.States.Shard!.TimeoutSeconds = 2;
  return edited;
};

let runtime: LocalRuntime;
let url: string;
let datasetId: string;

async function run(config: unknown = DIVERSITY, extra: Record<string, unknown> = {}): Promise<RunView> {
  const started = await startSelection(url, { d: datasetId, c: config, t: uniqueName('result'), ...extra });
  expect(started.errors, JSON.stringify(started.errors)).toBeUndefined();
  return waitForRun(url, started.data!.startSelection.id);
}

beforeAll(async () => {
  runtime = await startTestRuntime({ selectBudgetMs: 1, wrapTask, editDefinition: shortTimeouts });
  url = runtime.url;
  datasetId = await createDataset(url, uniqueName('runs'));
  expect((await inlineUpload(url, datasetId, lightlyUploadFiles({ samples: 60, dim: 6, layout: 'jsonl' }).files)).errors).toBeUndefined();
});
afterAll(() => runtime.stop());

describe('starting a selection', () => {
  it.each([
    [{ n_samples: 5, strategies: [{ input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSTY' } }] }, 'config.strategies[0].strategy.type'],
    [{ n_samples: 5, strategies: [{ input: { type: 'METADATA', key: 'nope' }, strategy: { type: 'WEIGHTS' } }] }, 'config.strategies[0].input.key'],
    [{ n_samples: 5, strategies: [{ input: { type: 'SCORES', task: 'my_object_detection_task', score: 'mean_uncertainty' }, strategy: { type: 'WEIGHTS' } }] }, 'config.strategies[0].input.score'],
    [{ n_samples: 5, strategies: [{ input: { type: 'EMBEDDINGS', dataset_id: 'nope', tag_name: 'x' }, strategy: { type: 'SIMILARITY' } }] }, 'config.strategies[0].input'],
  ])('refuses a bad config with its JSON path, starting nothing: %j', async (config, path) => {
    const before = (await datasetState(url, datasetId)).tags.items.length;
    const result = await startSelection(url, { d: datasetId, c: config, t: uniqueName('never') });
    expect(result.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', path });
    const runs = await graphql<{ dataset: { selectionRuns: { items: { status: string; config: unknown }[] } } }>(
      url,
      'query ($id: ID!) { dataset(id: $id) { selectionRuns(first: 100) { items { status config } } } }',
      { id: datasetId },
    );
    expect(runs.data!.dataset.selectionRuns.items.some((r) => JSON.stringify(r.config) === JSON.stringify(config))).toBe(false);
    expect((await datasetState(url, datasetId)).tags.items.length).toBe(before);
  });

  it('refuses a taken result tag name and a missing input tag', async () => {
    const taken = await startSelection(url, { d: datasetId, c: DIVERSITY, t: 'initial-tag' });
    expect(taken.errors![0]!.extensions).toMatchObject({ code: 'CONFLICT', path: 'resultTagName' });
    const missing = await startSelection(url, { d: datasetId, c: DIVERSITY, t: uniqueName('x'), i: 'no-such-tag' });
    expect(missing.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', path: 'inputTagName' });
  });

  it('returns the same run for a repeated idempotency key', async () => {
    const key = uniqueName('key');
    const tag = uniqueName('idem');
    const first = await startSelection(url, { d: datasetId, c: DIVERSITY, t: tag, k: key });
    const second = await startSelection(url, { d: datasetId, c: DIVERSITY, t: tag, k: key });
    expect(second.data!.startSelection.id).toBe(first.data!.startSelection.id);
    expect((await waitForRun(url, first.data!.startSelection.id)).status).toBe('SUCCEEDED');
  });

  it('takes the typed config input as well as JSON', async () => {
    const tag = uniqueName('typed');
    const result = await graphql<{ startSelection: { id: string } }>(
      url,
      `mutation ($d: ID!, $t: String!) { startSelection(datasetId: $d, resultTagName: $t, typedConfig: {
        nSamples: 6,
        strategies: [
          { input: { type: METADATA, key: "weather.description" }, strategy: { type: BALANCE, target: [{ className: "sunny", share: 0.5 }] } },
          { input: { type: EMBEDDINGS }, strategy: { type: DIVERSITY, strength: 0.5 } }
        ] }) { id } }`,
      { d: datasetId, t: tag },
    );
    expect(result.errors).toBeUndefined();
    const done = await waitForRun(url, result.data!.startSelection.id);
    expect(done).toMatchObject({ status: 'SUCCEEDED', resultTag: { name: tag, count: 6 } });
    const both = await graphql(url, 'mutation ($d: ID!) { startSelection(datasetId: $d, resultTagName: "z", config: {}, typedConfig: { nSamples: 1, strategies: [] }) { id } }', {
      d: datasetId,
    });
    expect(both.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', path: 'config' });
  });

  it('loops Select through checkpoints when its time budget runs out, and reports progress', async () => {
    calls.set('Select', 0);
    const done = await run();
    expect(done.status).toBe('SUCCEEDED');
    expect(calls.get('Select')).toBeGreaterThanOrEqual(8);
    expect(done.picksSoFar).toBe(8);
    expect(done.summary).toMatchObject({ selected: 8, stopReason: 'TARGET_REACHED' });
  });

  it('uses an input tag as the pool and counts a preselected tag', async () => {
    const names = await tagFileNames(url, datasetId, 'initial-tag');
    const pool = uniqueName('pool');
    const pre = uniqueName('pre');
    await graphql(url, 'mutation ($d: ID!, $n: String!, $f: [String!]!) { createTag(datasetId: $d, name: $n, fileNames: $f) { count } }', { d: datasetId, n: pool, f: names.slice(0, 20) });
    await graphql(url, 'mutation ($d: ID!, $n: String!, $f: [String!]!) { createTag(datasetId: $d, name: $n, fileNames: $f) { count } }', { d: datasetId, n: pre, f: names.slice(40, 43) });
    const done = await run(DIVERSITY, { i: pool, p: pre });
    expect(done.summary).toMatchObject({ poolSize: 20, preselected: 3, selected: 5 });
    const picked = await tagFileNames(url, datasetId, done.resultTagName);
    expect(picked.every((n) => names.slice(0, 20).includes(n))).toBe(true);
  });
});

describe('concurrency', () => {
  it('two selections on one dataset at once both complete', async () => {
    const [a, b] = await Promise.all([run(), run({ ...DIVERSITY, n_samples: 5 })]);
    expect([a.status, b.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(a.resultTag!.count).toBe(8);
    expect(b.resultTag!.count).toBe(5);
  });

  it('a result tag name taken while the run works fails the run cleanly', async () => {
    const tag = uniqueName('race');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    faults.set('Shard', async () => gate);
    const started = await startSelection(url, { d: datasetId, c: DIVERSITY, t: tag });
    await graphql(url, 'mutation ($d: ID!, $n: String!) { createTag(datasetId: $d, name: $n, fileNames: ["video_0/frame_0000.jpg"]) { count } }', { d: datasetId, n: tag });
    faults.delete('Shard');
    release();
    const done = await waitForRun(url, started.data!.startSelection.id);
    expect(done.status).toBe('FAILED');
    expect(done.failureReason).toMatch(/created by someone else/);
    expect(await tagFileNames(url, datasetId, tag)).toEqual(['video_0/frame_0000.jpg']);
  });
});

describe('cancelling', () => {
  it('stops a running selection: CANCELLED, and no tag', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    faults.set('Shard', async () => gate);
    const started = await startSelection(url, { d: datasetId, c: DIVERSITY, t: uniqueName('cancelled') });
    const id = started.data!.startSelection.id;
    const cancelled = await graphql<{ cancelSelection: { status: string } }>(url, 'mutation ($id: ID!) { cancelSelection(id: $id) { status } }', { id });
    expect(cancelled.data!.cancelSelection.status).toBe('CANCELLED');
    faults.delete('Shard');
    release();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const after = await waitForRun(url, id);
    expect(after.status).toBe('CANCELLED');
    const tag = await graphql(url, 'query ($id: ID!, $t: String!) { dataset(id: $id) { tag(name: $t) { name } } }', { id: datasetId, t: after.resultTagName });
    expect(tag.errors![0]!.extensions).toEqual({ code: 'NOT_FOUND' });
  });
});

describe('faults in the workflow', () => {
  async function expectNoTag(view: RunView) {
    const tag = await graphql(url, 'query ($id: ID!, $t: String!) { dataset(id: $id) { tag(name: $t) { name } } }', { id: datasetId, t: view.resultTagName });
    expect(tag.errors![0]!.extensions).toEqual({ code: 'NOT_FOUND' });
  }

  it('a shard task that throws: FAILED with the reason, no tag', async () => {
    faults.set('Shard', () => {
      throw new Error('disk on fire');
    });
    const done = await run();
    faults.delete('Shard');
    expect(done.status).toBe('FAILED');
    // The shard's own error, not the Map's "an item failed".
    expect(done.failureReason).toMatch(/^shard \d+: disk on fire$/);
    await expectNoTag(done);
  });

  it('a shard task that times out: FAILED, no tag', async () => {
    faults.set('Shard', () => new Promise((resolve) => setTimeout(resolve, 3_000)));
    const done = await run();
    faults.delete('Shard');
    expect(done.status).toBe('FAILED');
    expect(done.failureReason).toMatch(/timed out/);
    await expectNoTag(done);
  });

  it('a shard task that fails once with a transient error is retried and the run succeeds', async () => {
    let failures = 0;
    faults.set('Shard', () => {
      if (failures++ === 0) throw new TransientError('throttled');
    });
    const done = await run();
    faults.delete('Shard');
    expect(failures).toBeGreaterThan(1);
    expect(done.status).toBe('SUCCEEDED');
  });

  it('a shard throttled by Lambda is retried (its own, longer policy) and the run succeeds', async () => {
    let throttled = 0;
    faults.set('Shard', () => {
      if (throttled++ < 3) throw lambdaError('Lambda.TooManyRequestsException', 'Rate Exceeded.');
    });
    const done = await run();
    faults.delete('Shard');
    expect(throttled).toBeGreaterThan(3);
    expect(done.status).toBe('SUCCEEDED');
  });

  it('an out-of-memory task is not retried: FAILED at once, naming the memory it had', async () => {
    calls.set('Select', 0);
    faults.set('Select', () => {
      throw lambdaError('Lambda.Unknown', 'The cause could not be determined because Lambda did not return an error type.');
    });
    const done = await run();
    faults.delete('Select');
    expect(calls.get('Select')).toBe(1);
    expect(done.status).toBe('FAILED');
    expect(done.failureReason).toMatch(/^Select ended without an answer, most likely out of memory \(it had 3,008 MB of memory\) or time \(its 900-second limit\)/);
    await expectNoTag(done);
  });

  it('a timed-out task is not retried either', async () => {
    calls.set('Plan', 0);
    faults.set('Plan', () => {
      throw lambdaError('Sandbox.Timedout', 'Task timed out after 900.00 seconds');
    });
    const done = await run();
    faults.delete('Plan');
    expect(calls.get('Plan')).toBe(1);
    expect(done.failureReason).toMatch(/^Plan timed out: it ran past its 900-second limit/);
  });

  it('Finish, after the last pick, runs once in its own step; a transient fault there is retried', async () => {
    calls.set('Finish', 0);
    let finishes = 0;
    faults.set('Finish', () => {
      if (finishes++ === 0) throw new TransientError('connection reset');
    });
    const done = await run();
    faults.delete('Finish');
    expect(calls.get('Finish')).toBe(2);
    expect(done).toMatchObject({ status: 'SUCCEEDED', picksSoFar: 8, resultTag: { count: 8 } });
  });

  it('Select crashing mid-way: FAILED, and the partial selection is never visible', async () => {
    let selects = 0;
    faults.set('Select', () => {
      if (++selects === 3) throw new Error('out of memory');
    });
    const done = await run();
    faults.delete('Select');
    expect(done.status).toBe('FAILED');
    expect(done.failureReason).toMatch(/out of memory/);
    await expectNoTag(done);
  });

  it('Select interrupted by a transient fault resumes from its checkpoint with the same picks', async () => {
    const clean = await run();
    let selects = 0;
    faults.set('Select', () => {
      if (++selects === 4) throw new TransientError('connection reset');
    });
    const resumed = await run();
    faults.delete('Select');
    expect(resumed.status).toBe('SUCCEEDED');
    expect(await tagFileNames(url, datasetId, resumed.resultTagName)).toEqual(await tagFileNames(url, datasetId, clean.resultTagName));
  });

  it('every run ends SUCCEEDED, FAILED or CANCELLED, and only SUCCEEDED runs have their tag', async () => {
    const runs = await graphql<{ dataset: { selectionRuns: { items: RunView[] } } }>(
      url,
      `query ($id: ID!) { dataset(id: $id) { selectionRuns(first: 100) { items { ${RUN_FIELDS} } } } }`,
      { id: datasetId },
    );
    const items = runs.data!.dataset.selectionRuns.items;
    expect(items.length).toBeGreaterThan(10);
    const tags = new Set((await datasetState(url, datasetId)).tags.items.map((t) => t.name));
    for (const item of items) {
      const final = await waitForRun(url, item.id);
      expect(['SUCCEEDED', 'FAILED', 'CANCELLED']).toContain(final.status);
      if (final.status === 'SUCCEEDED') expect(tags.has(final.resultTagName)).toBe(true);
      if (final.status === 'FAILED') expect(final.failureReason).toBeTruthy();
    }
  });
});
