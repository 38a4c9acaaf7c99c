/**
 * The weekly selection loop over GraphQL on the local runtime: datapool rounds, sequences, and the
 * duplicate and corrupt-sample filters.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../infra/local/runtime.js';
import { embeddingsCsv } from '../../infra/local/lightlyFolder.js';
import { createDataset, inlineUpload, presignedUpload, tagFileNames } from '../support/datasets.js';
import { graphql, uniqueName } from '../support/graphql.js';
import { RUN_FIELDS, waitForRun, type RunView } from '../support/runs.js';
import { startTestRuntime } from '../support/runtime.js';

let runtime: LocalRuntime;
beforeAll(async () => {
  runtime = await startTestRuntime();
});
afterAll(() => runtime.stop());

const diversity = (minimumDistance?: number) => ({
  input: { type: 'EMBEDDINGS' },
  strategy: { type: 'DIVERSITY', ...(minimumDistance !== undefined ? { stopping_condition_minimum_distance: minimumDistance } : {}) },
});

/** Points around `centre` with a deterministic spread. */
function cluster(prefix: string, count: number, centre: number[], spread: number, seed: number): { names: string[]; rows: number[][] } {
  let state = seed;
  const next = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  return { names: Array.from({ length: count }, (_, i) => `${prefix}_${String(i).padStart(3, '0')}.png`), rows: Array.from({ length: count }, () => centre.map((c) => c + spread * next())) };
}

async function upload(datasetId: string, names: string[], rows: number[][]) {
  const result = await inlineUpload(runtime.url, datasetId, [{ path: 'embeddings.csv', content: embeddingsCsv(names, Float32Array.from(rows.flat()), rows[0]!.length, []) }]);
  expect(result.errors).toBeUndefined();
}

async function start(datasetId: string, config: unknown, tag: string, extra: Record<string, unknown> = {}) {
  return graphql<{ startSelection: RunView }>(
    runtime.url,
    `mutation ($d: ID!, $c: JSON, $t: String!, $u: Boolean, $a: Boolean) {
      startSelection(datasetId: $d, config: $c, resultTagName: $t, useDatapool: $u, processAll: $a) { ${RUN_FIELDS} } }`,
    { d: datasetId, c: config, t: tag, ...extra },
  );
}

async function run(datasetId: string, config: unknown, tag: string, extra: Record<string, unknown> = {}): Promise<RunView> {
  const started = await start(datasetId, config, tag, extra);
  if (!started.data) throw new Error(JSON.stringify(started.errors));
  return waitForRun(runtime.url, started.data.startSelection.id);
}

interface PoolView {
  tagName: string;
  count: number;
  newSamplesFrom: number;
  activeRunId: string | null;
  history: { event: string; runId: string | null; added: number; count: number }[];
  fileNames: { items: string[] };
}
async function pool(datasetId: string): Promise<PoolView> {
  const result = await graphql<{ dataset: { datapool: PoolView } }>(
    runtime.url,
    `query ($d: ID!) { dataset(id: $d) { datapool { tagName count newSamplesFrom activeRunId history { event runId added count } fileNames(first: 1000) { items } } } }`,
    { d: datasetId },
  );
  if (!result.data) throw new Error(JSON.stringify(result.errors));
  return result.data.dataset.datapool;
}

describe('datapool', () => {
  it('two rounds: new picks come from what is new, nothing is picked twice, the pool grows', async () => {
    const datasetId = await createDataset(runtime.url, uniqueName('pool'));
    // A and B are tight; C, the new region, is wide: covering it takes most of the new picks.
    const a = cluster('a', 50, [1, 0, 0], 0.1, 1);
    const b = cluster('b', 50, [0, 1, 0], 0.1, 2);
    await upload(datasetId, [...a.names, ...b.names], [...a.rows, ...b.rows]);
    const first = await run(datasetId, { n_samples: 10, strategies: [diversity()] }, 'round-1', { u: true });
    expect(first.status).toBe('SUCCEEDED');
    const round1 = await tagFileNames(runtime.url, datasetId, 'round-1');
    expect(round1).toHaveLength(10);
    expect((await pool(datasetId)).count).toBe(10);

    // Round 2: a new cluster C, and near-copies of A.
    const c = cluster('c', 20, [0, 0, 1], 0.4, 3);
    const nearA = { names: a.names.slice(0, 20).map((n) => n.replace('a_', 'a2_')), rows: a.rows.slice(0, 20).map((r) => r.map((x) => x + 0.001)) };
    await upload(datasetId, [...c.names, ...nearA.names], [...c.rows, ...nearA.rows]);
    const second = await run(datasetId, { n_samples: 10, strategies: [diversity()] }, 'round-2', { u: true });
    expect(second.status).toBe('SUCCEEDED');
    expect(second.summary).toMatchObject({ requested: 10, selected: 10, preselected: 10 });
    const round2 = await tagFileNames(runtime.url, datasetId, 'round-2');
    expect(round2).toHaveLength(10);
    expect(round2.filter((n) => n.startsWith('c_')).length).toBeGreaterThanOrEqual(7);
    expect(round2.some((n) => round1.includes(n))).toBe(false);
    expect(round2.every((n) => n.startsWith('c_') || n.startsWith('a2_'))).toBe(true);

    const after = await pool(datasetId);
    expect(after.count).toBe(20);
    expect(after.tagName).toBe('datapool');
    expect(after.newSamplesFrom).toBe(140);
    expect(after.activeRunId).toBeNull();
    expect(after.history.map((h) => [h.event, h.runId, h.added, h.count])).toEqual([
      ['RUN', first.id, 10, 10],
      ['RUN', second.id, 10, 20],
    ]);
    expect(new Set(after.fileNames.items)).toEqual(new Set([...round1, ...round2]));

    // processAll: every sample outside the pool is a candidate again.
    const all = await run(datasetId, { n_samples: 5, strategies: [diversity()] }, 'round-3', { u: true, a: true });
    expect(all.summary).toMatchObject({ poolSize: 120, selected: 5 });

    const reset = await graphql<{ resetDatapool: { count: number; history: { event: string }[] } }>(
      runtime.url,
      'mutation ($d: ID!) { resetDatapool(datasetId: $d) { count history { event } } }',
      { d: datasetId },
    );
    expect(reset.data?.resetDatapool.count).toBe(0);
    expect(reset.data?.resetDatapool.history.at(-1)?.event).toBe('RESET');
  });

  it('never picks a candidate closer than the minimum distance to a pool sample', async () => {
    const datasetId = await createDataset(runtime.url, uniqueName('pool-distance'));
    const a = cluster('a', 20, [1, 0, 0], 0.02, 4);
    await upload(datasetId, a.names, a.rows);
    expect((await run(datasetId, { n_samples: 3, strategies: [diversity()] }, 'r1', { u: true })).status).toBe('SUCCEEDED');
    const c = cluster('c', 10, [0, 0, 1], 0.02, 5);
    const nearA = { names: a.names.map((n) => n.replace('a_', 'a2_')), rows: a.rows.map((r) => r.map((x) => x + 0.003)) };
    await upload(datasetId, [...nearA.names, ...c.names], [...nearA.rows, ...c.rows]);
    const second = await run(datasetId, { n_samples: 10, strategies: [diversity(0.3)] }, 'r2', { u: true });
    expect(second.status).toBe('SUCCEEDED');
    const picked = await tagFileNames(runtime.url, datasetId, 'r2');
    expect(picked.length).toBeGreaterThan(0);
    expect(picked.every((n) => n.startsWith('c_'))).toBe(true);
    expect(second.summary?.stopReason).toBe('MIN_DISTANCE');
  });

  it('a cancelled or failed pool run leaves the pool unchanged; a second concurrent pool run is refused', async () => {
    const datasetId = await createDataset(runtime.url, uniqueName('pool-faults'));
    const a = cluster('a', 40, [1, 0, 0], 0.3, 6);
    await upload(datasetId, a.names, a.rows);
    expect((await run(datasetId, { n_samples: 4, strategies: [diversity()] }, 'r1', { u: true })).status).toBe('SUCCEEDED');
    await upload(datasetId, ['n_1.png', 'n_2.png'], [[0, 1, 0], [0, 0, 1]]);
    const before = await pool(datasetId);

    const started = await start(datasetId, { n_samples: 1, strategies: [diversity()] }, 'cancelled', { u: true });
    const runId = started.data!.startSelection.id;
    const second = await start(datasetId, { n_samples: 1, strategies: [diversity()] }, 'concurrent', { u: true });
    expect(second.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT' });
    expect(second.errors?.[0]?.message).toMatch(/datapool .* in use/);
    const cancelled = await graphql<{ cancelSelection: { status: string } }>(runtime.url, 'mutation ($id: ID!) { cancelSelection(id: $id) { status } }', { id: runId });
    expect(cancelled.data?.cancelSelection.status).toBe('CANCELLED');
    await waitForRun(runtime.url, runId);
    const afterCancel = await pool(datasetId);
    expect(afterCancel.count).toBe(before.count);
    expect(afterCancel.fileNames.items).toEqual(before.fileNames.items);
    expect(afterCancel.activeRunId).toBeNull();

    // Fails in the workflow: these names are not video frames.
    const failed = await run(datasetId, { n_samples: 2, selected_sequence_length: 2, strategies: [diversity()] }, 'failed', { u: true });
    expect(failed.status).toBe('FAILED');
    expect(failed.failureReason).toMatch(/frame/);
    const afterFailure = await pool(datasetId);
    expect(afterFailure.count).toBe(before.count);
    expect(afterFailure.history).toEqual(before.history);

    // The pool is free again.
    expect((await run(datasetId, { n_samples: 1, strategies: [diversity()] }, 'r2', { u: true })).status).toBe('SUCCEEDED');
    expect((await pool(datasetId)).count).toBe(before.count + 1);
  });
});

/** The rows of a table in a section of the run's HTML report, as cell texts. */
async function reportTable(runId: string, section: string): Promise<string[][]> {
  const read = await graphql<{ selectionRun: { report: { htmlUrl: string } | null } }>(runtime.url, 'query ($id: ID!) { selectionRun(id: $id) { report { htmlUrl } } }', { id: runId });
  const html = await (await fetch(read.data!.selectionRun.report!.htmlUrl)).text();
  const body = new RegExp(`<section id="${section}">([\\s\\S]*?)</section>`).exec(html)?.[1];
  if (body === undefined) return [];
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((row) => [...row[1]!.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((cell) => cell[1]!.replace(/&amp;/g, '&')));
}

const frame = (video: string, index: number) => `${video}-${String(index).padStart(4, '0')}-mp4.png`;
/** Frames whose directions differ, so DIVERSITY tells clips apart. */
const frameRows = (count: number, offset: number) => Array.from({ length: count }, (_, i) => [Math.cos((i + offset) / 3), Math.sin((i + offset) / 3)]);

interface SequencesView {
  length: number;
  incompleteTailFrames: number;
  picked: { video: string; firstFrame: number; lastFrame: number; fileNames: string[] }[];
}
async function sequencesOf(runId: string): Promise<SequencesView> {
  const listed = await graphql<{ selectionRun: { summary: { sequences: SequencesView } } }>(
    runtime.url,
    'query ($id: ID!) { selectionRun(id: $id) { summary { sequences { length incompleteTailFrames picked { video firstFrame lastFrame fileNames } } } } }',
    { id: runId },
  );
  if (!listed.data) throw new Error(JSON.stringify(listed.errors));
  return listed.data.selectionRun.summary.sequences;
}

describe('sequences and filters', () => {
  it('cuts a 12-frame video into 0–4 and 5–9, the tail counted, and lists the clips in the report', async () => {
    const datasetId = await createDataset(runtime.url, uniqueName('clips-12'));
    // Uploaded out of order: frames are ordered by their index, not by name or upload order.
    const indices = Array.from({ length: 12 }, (_, i) => (i * 5) % 12);
    await upload(datasetId, indices.map((i) => frame('drive/long', i)), indices.map((i) => frameRows(1, i)[0]!));
    const result = await run(datasetId, { n_samples: 10, selected_sequence_length: 5, strategies: [diversity()] }, 'long');
    expect(result.status).toBe('SUCCEEDED');
    const sequences = await sequencesOf(result.id);
    expect(sequences.picked.map((p) => [p.video, p.firstFrame, p.lastFrame]).sort()).toEqual([
      ['drive/long.mp4', 0, 4],
      ['drive/long.mp4', 5, 9],
    ]);
    expect(sequences.picked.find((p) => p.firstFrame === 5)?.fileNames).toEqual([5, 6, 7, 8, 9].map((i) => frame('drive/long', i)));
    expect(sequences.incompleteTailFrames).toBe(2);
    expect(result.summary?.dropped).toContainEqual({ reason: expect.stringMatching(/incomplete sequence/), count: 2 });
    expect((await tagFileNames(runtime.url, datasetId, 'long')).sort()).toEqual(Array.from({ length: 10 }, (_, i) => frame('drive/long', i)).sort());

    // The report's table of picked sequences: video, first frame, last frame, frames.
    const table = await reportTable(result.id, 'sequences');
    expect(table[0]).toEqual(['video', 'first frame', 'last frame', 'frames']);
    expect(table.slice(1).sort()).toEqual([
      ['drive/long.mp4', '0', '4', '5'],
      ['drive/long.mp4', '5', '9', '5'],
    ]);
  });

  it('cuts two 7-frame videos into one clip each, none crossing from one video to the other', async () => {
    const datasetId = await createDataset(runtime.url, uniqueName('clips-7'));
    const names = [...Array.from({ length: 7 }, (_, i) => frame('drive/a', i)), ...Array.from({ length: 7 }, (_, i) => frame('drive/b', i))];
    await upload(datasetId, names, [...frameRows(7, 0), ...frameRows(7, 20)]);
    // Asking for three clips: only two whole ones exist (frames 5–6 of a and 0–2 of b are no clip).
    const result = await run(datasetId, { n_samples: 15, selected_sequence_length: 5, strategies: [diversity()] }, 'two');
    expect(result.status).toBe('SUCCEEDED');
    const sequences = await sequencesOf(result.id);
    expect(sequences.picked.map((p) => [p.video, p.firstFrame, p.lastFrame]).sort()).toEqual([
      ['drive/a.mp4', 0, 4],
      ['drive/b.mp4', 0, 4],
    ]);
    for (const picked of sequences.picked) expect(picked.fileNames.every((n) => n.startsWith(picked.video.replace('.mp4', '-')))).toBe(true);
    expect(sequences.incompleteTailFrames).toBe(4);
    expect(result.summary).toMatchObject({ selected: 10 });
    expect(result.resultTag?.count).toBe(10);
  });

  it('selects whole sequences: 15 frames, L = 5, n = 10 → frames 0–4 and 10–14', async () => {
    const datasetId = await createDataset(runtime.url, uniqueName('frames'));
    const names = Array.from({ length: 15 }, (_, i) => `drive/cam_1-${String(i).padStart(4, '0')}-mp4.png`);
    const rows = Array.from({ length: 15 }, (_, i) => [Math.cos((i * Math.PI) / 28), Math.sin((i * Math.PI) / 28)]);
    await upload(datasetId, names, rows);
    const result = await run(datasetId, { n_samples: 10, selected_sequence_length: 5, strategies: [diversity()] }, 'clips');
    expect(result.status).toBe('SUCCEEDED');
    expect(result.resultTag?.count).toBe(10);
    expect((await tagFileNames(runtime.url, datasetId, 'clips')).sort()).toEqual([...names.slice(0, 5), ...names.slice(10)].sort());
    const listed = await graphql<{ selectionRun: { summary: { sequences: { length: number; picked: { video: string; firstFrame: number; lastFrame: number; fileNames: string[] }[] } } } }>(
      runtime.url,
      'query ($id: ID!) { selectionRun(id: $id) { summary { sequences { length picked { video firstFrame lastFrame fileNames } } } } }',
      { id: result.id },
    );
    expect(listed.data?.selectionRun.summary.sequences.picked.map((p) => [p.video, p.firstFrame, p.lastFrame, p.fileNames.length])).toEqual([
      ['drive/cam_1.mp4', 0, 4, 5],
      ['drive/cam_1.mp4', 10, 14, 5],
    ]);
    const refused = await start(datasetId, { n_samples: 7, selected_sequence_length: 5, strategies: [diversity()] }, 'bad');
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', path: 'config.n_samples' });
    expect(refused.errors?.[0]?.message).toMatch(/7 .*5/);
    const typed = await graphql(
      runtime.url,
      `mutation ($d: ID!, $c: SelectionConfigInput) { startSelection(datasetId: $d, typedConfig: $c, resultTagName: "typed") { id } }`,
      { d: datasetId, c: { nSamples: 7, selectedSequenceLength: 5, strategies: [{ input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY' } }] } },
    );
    expect(typed.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', path: 'typedConfig.nSamples' });
  });

  it('removes exact duplicates and never picks a corrupt image, which the commit marks with its reason', async () => {
    const datasetId = await createDataset(runtime.url, uniqueName('filters'));
    const jpeg = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#336699' } }).jpeg().toBuffer();
    const names = ['ok.jpg', 'cut.jpg', 'twin.jpg', 'other.jpg'];
    const csv = embeddingsCsv(names, Float32Array.from([1, 0, 0, 1, 1, 0, -1, 0]), 2, []);
    const { commit } = await presignedUpload(runtime.url, datasetId, [
      { path: 'embeddings.csv', content: csv },
      { path: 'images/ok.jpg', content: jpeg },
      { path: 'images/cut.jpg', content: jpeg.subarray(0, jpeg.length >> 1) },
      { path: 'images/twin.jpg', content: jpeg },
      { path: 'images/other.jpg', content: jpeg },
    ]);
    expect(commit.errors).toBeUndefined();
    const corrupt = await graphql<{ dataset: { sampleCount: number; corruptSamples: { items: { fileName: string; reason: string }[] } } }>(
      runtime.url,
      'query ($d: ID!) { dataset(id: $d) { sampleCount corruptSamples { items { fileName reason } } } }',
      { d: datasetId },
    );
    expect(corrupt.data?.dataset.sampleCount).toBe(4);
    expect(corrupt.data?.dataset.corruptSamples.items).toEqual([{ fileName: 'cut.jpg', reason: expect.stringMatching(/truncated|cannot be decoded/) }]);

    const result = await run(datasetId, { n_samples: 4, strategies: [diversity()] }, 'picked');
    expect(result.status).toBe('SUCCEEDED');
    const picked = await tagFileNames(runtime.url, datasetId, 'picked');
    expect(picked.sort()).toEqual(['ok.jpg', 'other.jpg']);
    const named = await graphql<{ selectionRun: { summary: { duplicates: { count: number; listed: unknown[] } } } }>(
      runtime.url,
      'query ($id: ID!) { selectionRun(id: $id) { summary { duplicates { count listed { fileName duplicateOfFileName } } } } }',
      { id: result.id },
    );
    expect(named.data?.selectionRun.summary.duplicates).toEqual({ count: 1, listed: [{ fileName: 'twin.jpg', duplicateOfFileName: 'ok.jpg' }] });
    // The report's table of removed duplicates: the removed sample and the one it duplicates.
    expect(await reportTable(result.id, 'duplicates')).toEqual([
      ['removed sample', 'duplicate of'],
      ['twin.jpg', 'ok.jpg'],
    ]);
    expect(await reportTable(result.id, 'sequences')).toEqual([]);
    expect(result.summary?.dropped).toEqual(
      expect.arrayContaining([
        { reason: expect.stringMatching(/^corrupt image: /), count: 1 },
        { reason: expect.stringMatching(/exact duplicate/), count: 1 },
      ]),
    );
  });
});
