/**
 * A selection end to end on the local runtime: upload (followed to COMMITTED, at any size), then
 * DIVERSITY + TYPICALITY + WEIGHTS + BALANCE through the synthesized state machine (Plan → Shards →
 * Select → Finish), with the stand-ins in another process and each task in a fresh process of its own
 * (process isolation), as on a cold Lambda, so that each task's peak memory is its own.
 *
 * Prints per task (from the run's task timings): rows, wall seconds, peak RSS; the wall time those
 * measured times model on Lambda (shards in parallel, Select hops in series) at the measured size and
 * scaled to 10M rows; and the checkpoint's size and write time, which the Select hop's safety margin
 * must cover (functions/workflow/budgets.ts).
 *
 * Size: `WINNOW_BENCH_ROWS` (default 1,000,000) × 128, n = `WINNOW_BENCH_PICKS` (default 10,000). The
 * JSON line: `{"bench":"workflow","N":…,"D":128,"k":…,"seconds":…,"peakRssMb":…,"taskPeakRssMb":{…}}`
 * (seconds: the selection's wall time, upload and commit excluded; peakRssMb: the largest peak of any
 * process that ran a task or the API; taskPeakRssMb: the largest peak per task kind).
 */
import { createWriteStream, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalRuntime, type LocalRuntime } from '../infra/local/runtime.js';
import { createStores } from '../functions/store/stores.js';
import { runKeys } from '../functions/workflow/results.js';
import { SELECT_SAFETY_MARGIN_MS, selectBudgetMs, TASK_TIMEOUT_SECONDS } from '../functions/workflow/budgets.js';
import { SHARD_ROWS } from '../functions/store/columns.js';
import { startStandInsProcess } from './support/standInsProcess.js';
import { rng } from './support/rng.js';

async function gql<T>(runtime: { url: string; apiKey: string }, query: string, variables: Record<string, unknown>): Promise<T> {
  const response = await fetch(runtime.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', connection: 'close', authorization: `Bearer ${runtime.apiKey}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown };
  if (!body.data) throw new Error(JSON.stringify(body.errors));
  return body.data;
}


/**
 * Writes the benchmark's dataset as files, so that sizes beyond one JavaScript string (1M × 128 is about
 * 1.1 GB of CSV) work: clustered unit-ish embeddings (typicality has dense regions to find), a `score`
 * for WEIGHTS and a four-valued `weather` for BALANCE.
 */
async function writeDataset(dir: string, rows: number, dim: number): Promise<{ path: string; file: string }[]> {
  const random = rng(11);
  const clusters = 64;
  const centers = Array.from({ length: clusters * dim }, () => random() * 2 - 1);
  const weather = ['sunny', 'cloudy', 'rainy', 'foggy'];
  const csvFile = join(dir, 'embeddings.csv');
  const metadataFile = join(dir, 'metadata.jsonl');
  const csv = createWriteStream(csvFile);
  const metadata = createWriteStream(metadataFile);
  const write = async (stream: NodeJS.WritableStream, text: string) => {
    if (!stream.write(text)) await once(stream, 'drain');
  };
  await write(csv, ['filenames', ...Array.from({ length: dim }, (_, d) => `embedding_${d}`), 'labels'].join(',') + '\n');
  const line: string[] = new Array<string>(dim);
  let csvChunk = '';
  let metadataChunk = '';
  for (let i = 0; i < rows; i++) {
    const name = `video_${i % 40}/frame_${i}.jpg`;
    const c = Math.floor(random() * clusters) * dim;
    for (let d = 0; d < dim; d++) line[d] = (centers[c + d]! + (random() * 2 - 1) * 0.35).toFixed(5);
    csvChunk += `${name},${line.join(',')},0\n`;
    metadataChunk += JSON.stringify({ file_name: name, type: 'image', metadata: { weather: weather[i % 4], score: random() } }) + '\n';
    if (csvChunk.length > 1 << 22) {
      await write(csv, csvChunk);
      await write(metadata, metadataChunk);
      csvChunk = '';
      metadataChunk = '';
    }
  }
  await write(csv, csvChunk);
  await write(metadata, metadataChunk);
  await Promise.all([new Promise((resolve) => csv.end(resolve)), new Promise((resolve) => metadata.end(resolve))]);
  const schemaFile = join(dir, 'schema.json');
  writeFileSync(
    schemaFile,
    JSON.stringify([
      { name: 'weather', path: 'weather', valueDataType: 'CATEGORICAL_STRING' },
      { name: 'score', path: 'score', valueDataType: 'NUMERIC_FLOAT' },
    ]),
  );
  return [
    { path: 'embeddings.csv', file: csvFile },
    { path: '.lightly/metadata/schema.json', file: schemaFile },
    { path: '.lightly/metadata/metadata.jsonl', file: metadataFile },
  ];
}

/** Bytes [start, end) of a file. */
async function readRange(file: string, start: number, end: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(end - start);
    let read = 0;
    while (read < buffer.length) {
      const { bytesRead } = await handle.read(buffer, read, buffer.length - read, start + read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    return buffer.subarray(0, read);
  } finally {
    await handle.close();
  }
}

type Runtime = { url: string; apiKey: string };

/** Creates the dataset, uploads the files to their presigned URLs and commits; returns the dataset and upload ids. */
async function upload(runtime: Runtime, files: { path: string; file: string }[]): Promise<{ datasetId: string; uploadId: string }> {
  const { createDataset } = await gql<{ createDataset: { id: string } }>(runtime, 'mutation { createDataset(name: "bench") { id } }', {});
  const { createUpload } = await gql<{ createUpload: { id: string; files: { path: string; url: string | null; parts: { partNumber: number; url: string }[] | null; partSize: number | null }[] } }>(
    runtime,
    'mutation ($d: ID!, $f: [UploadFileInput!]!) { createUpload(datasetId: $d, files: $f) { id files { path url partSize parts { partNumber url } } } }',
    { d: createDataset.id, f: files.map((f) => ({ path: f.path, size: statSync(f.file).size })) },
  );
  const multipart = [];
  for (const target of createUpload.files) {
    const file = files.find((f) => f.path === target.path)!.file;
    if (target.url) {
      const put = await fetch(target.url, { method: 'PUT', body: await readRange(file, 0, statSync(file).size) });
      if (!put.ok) throw new Error(`PUT ${target.path}: ${put.status}`);
      continue;
    }
    const parts = [];
    for (const part of target.parts!) {
      const body = await readRange(file, (part.partNumber - 1) * target.partSize!, part.partNumber * target.partSize!);
      const response = await fetch(part.url, { method: 'PUT', body });
      if (!response.ok) throw new Error(`PUT ${target.path} part ${part.partNumber}: ${response.status}`);
      parts.push({ partNumber: part.partNumber, etag: response.headers.get('etag')! });
    }
    multipart.push({ path: target.path, parts });
  }
  await gql(runtime, 'mutation ($d: ID!, $u: ID!, $m: [MultipartCompletionInput!]) { commitUpload(datasetId: $d, uploadId: $u, multipart: $m) { status } }', {
    d: createDataset.id,
    u: createUpload.id,
    m: multipart.length ? multipart : null,
  });
  return { datasetId: createDataset.id, uploadId: createUpload.id };
}

/**
 * Follows the upload until COMMITTED: a large upload is committed in the background (COMMITTING), and a
 * selection started before it ends finds no samples. A REJECTED upload throws with its reason.
 */
async function untilCommitted(runtime: Runtime, datasetId: string, uploadId: string): Promise<void> {
  for (;;) {
    const { dataset } = await gql<{ dataset: { upload: { status: string; error: string | null } } }>(
      runtime,
      'query ($d: ID!, $u: ID!) { dataset(id: $d) { upload(id: $u) { status error } } }',
      { d: datasetId, u: uploadId },
    );
    if (dataset.upload.status === 'COMMITTED') return;
    if (dataset.upload.status === 'REJECTED') throw new Error(`the upload was rejected: ${dataset.upload.error}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

interface TaskTiming {
  task: string;
  shard: number | null;
  hop: number | null;
  milliseconds: number;
  peakRssMb: number;
}
type Run = { status: string; failureReason: string | null; shardsTotal: number; summary: { selected: number } | null; taskTimings: TaskTiming[] };

const STRATEGIES = [
  { input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY' } },
  { input: { type: 'EMBEDDINGS' }, strategy: { type: 'TYPICALITY' } },
  { input: { type: 'METADATA', key: 'score' }, strategy: { type: 'WEIGHTS' } },
  { input: { type: 'METADATA', key: 'weather' }, strategy: { type: 'BALANCE', distribution: 'UNIFORM' } },
];

/** Starts the selection and waits for its end and Finish's timing (written just after SUCCEEDED). */
async function select(runtime: Runtime, datasetId: string, picks: number): Promise<{ runId: string; run: Run }> {
  const { startSelection } = await gql<{ startSelection: { id: string } }>(
    runtime,
    'mutation ($d: ID!, $c: JSON!) { startSelection(datasetId: $d, config: $c, resultTagName: "bench") { id } }',
    { d: datasetId, c: { n_samples: picks, strategies: STRATEGIES } },
  );
  const query = 'query ($id: ID!) { selectionRun(id: $id) { status failureReason shardsTotal summary { selected } taskTimings { task shard hop milliseconds peakRssMb } } }';
  let ended: number | undefined;
  for (;;) {
    const { selectionRun: run } = await gql<{ selectionRun: Run }>(runtime, query, { id: startSelection.id });
    if (run.status === 'FAILED' || run.status === 'CANCELLED') throw new Error(`run ${run.status}: ${run.failureReason}`);
    if (run.status === 'SUCCEEDED') {
      ended ??= Date.now();
      if (run.taskTimings.some((t) => t.task === 'finish') || Date.now() - ended > 30_000) return { runId: startSelection.id, run };
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Rows a task reads as its own: a shard its row range, every other task all rows. */
const taskRows = (timing: TaskTiming, rows: number) => (timing.shard === null ? rows : Math.min(SHARD_ROWS, rows - timing.shard * SHARD_ROWS));

/**
 * The checkpoint a Select hop writes before its time runs out, written again as Select writes it (JSON
 * with non-finite numbers as strings, one PUT): its bytes and seconds, which the hop's safety margin
 * must cover.
 */
async function checkpointWrite(runtime: LocalRuntime, runId: string): Promise<{ bytes: number; seconds: number } | undefined> {
  const { blobs } = createStores(runtime.env);
  const stored = await blobs.get(runKeys.checkpoint(runId));
  if (!stored) return undefined;
  const state: unknown = JSON.parse(Buffer.from(stored).toString('utf8'));
  const started = performance.now();
  const json = JSON.stringify(state, (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? String(value) : value));
  await blobs.put(`${runKeys.checkpoint(runId)}.bench`, json, 'application/json');
  return { bytes: Buffer.byteLength(json), seconds: (performance.now() - started) / 1000 };
}

/** The modelled Lambda wall time: Plan, the slowest shard (all in parallel), the Select hops in series, Finish. */
function lambdaSeconds(timings: TaskTiming[], scale: { rows: number; shards: number }): number {
  const of = (task: string) => timings.filter((t) => t.task === task).map((t) => t.milliseconds / 1000);
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  return sum(of('plan')) * scale.rows + Math.max(0, ...of('shard')) * scale.shards + sum(of('select')) * scale.rows + sum(of('finish')) * scale.rows;
}

function printTasks(timings: TaskTiming[], rows: number): void {
  console.log('  task        rows      wall s   peak RSS MB');
  for (const t of timings) {
    const name = t.shard !== null ? `shard ${t.shard}` : t.hop !== null ? `select ${t.hop}` : t.task;
    console.log(`  ${name.padEnd(10)} ${taskRows(t, rows).toLocaleString('en').padStart(10)} ${(t.milliseconds / 1000).toFixed(1).padStart(8)} ${String(t.peakRssMb).padStart(9)}`);
  }
}

function printModel(timings: TaskTiming[], rows: number, checkpoint: { bytes: number; seconds: number } | undefined): Record<string, number> {
  const target = 10_000_000;
  const s = target / rows;
  const measured = lambdaSeconds(timings, { rows: 1, shards: 1 });
  const flat = lambdaSeconds(timings, { rows: s, shards: 1 });
  const linear = lambdaSeconds(timings, { rows: s, shards: s });
  const selectAt10M = timings.filter((t) => t.task === 'select').reduce((a, t) => a + t.milliseconds, 0) * s;
  const hopMs = selectBudgetMs(TASK_TIMEOUT_SECONDS.select * 1000);
  console.log(`  model on Lambda (shards in parallel, Select hops in series): ${measured.toFixed(0)} s at ${rows.toLocaleString('en')} rows`);
  console.log(
    `  model at 10M rows (×${s.toFixed(1)}: Plan, each Select hop and Finish read every row, so their times scale linearly with N): ` +
      `${(flat / 60).toFixed(1)} min if a shard's time does not grow with N, ${(linear / 60).toFixed(1)} min if it grows linearly (exact kNN against all rows); ` +
      `Select ${(selectAt10M / 60_000).toFixed(1)} min in ≥ ${Math.ceil(selectAt10M / hopMs)} hops of ≤ ${(hopMs / 60_000).toFixed(0)} min`,
  );
  if (checkpoint) {
    const at10M = checkpoint.seconds * s;
    console.log(
      `  checkpoint: ${(checkpoint.bytes / 1e6).toFixed(1)} MB written in ${checkpoint.seconds.toFixed(2)} s; at 10M (linear) ≈ ${((checkpoint.bytes * s) / 1e6).toFixed(0)} MB in ${at10M.toFixed(1)} s, ` +
        `against a Select safety margin of ${SELECT_SAFETY_MARGIN_MS / 1000} s`,
    );
  }
  return { lambdaSeconds: Math.round(measured), lambda10MSecondsFlatShards: Math.round(flat), lambda10MSecondsLinearShards: Math.round(linear) };
}

export async function run(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const rows = Number(process.env.WINNOW_BENCH_ROWS ?? 1_000_000);
  const picks = Number(process.env.WINNOW_BENCH_PICKS ?? 10_000);
  const dim = 128;
  const dir = mkdtempSync(join(tmpdir(), 'winnow-bench-wf-'));
  const standIns = await startStandInsProcess(join(dir, 's3'));
  const runtime = await startLocalRuntime({ port: 0, standIns, dataDir: dir, logRequests: false, taskIsolation: 'process' });
  try {
    const files = await writeDataset(dir, rows, dim);
    const uploadStart = performance.now();
    const { datasetId, uploadId } = await upload(runtime, files);
    await untilCommitted(runtime, datasetId, uploadId);
    const uploadSeconds = (performance.now() - uploadStart) / 1000;

    // The API's process (this one) during the selection; the tasks' own peaks come with their timings.
    let apiPeak = process.memoryUsage().rss;
    const sampler = setInterval(() => (apiPeak = Math.max(apiPeak, process.memoryUsage().rss)), 50);
    const started = performance.now();
    const { runId, run: result } = await select(runtime, datasetId, picks);
    clearInterval(sampler);
    const wall = (performance.now() - started) / 1000;
    const timings = result.taskTimings;
    const taskPeakRssMb = Object.fromEntries(['plan', 'shard', 'select', 'finish'].map((task) => [task, Math.max(0, ...timings.filter((t) => t.task === task).map((t) => t.peakRssMb))]));
    const peakRssMb = Math.max(Math.round(apiPeak / 1e6), ...Object.values(taskPeakRssMb));
    const checkpoint = await checkpointWrite(runtime, runId);

    console.log(`selection of ${picks.toLocaleString('en')} from ${rows.toLocaleString('en')} × ${dim} (DIVERSITY + TYPICALITY + WEIGHTS + BALANCE), local runtime, each task in its own process`);
    console.log(`  upload + commit:   ${uploadSeconds.toFixed(1)} s`);
    console.log(`  wall time:         ${wall.toFixed(1)} s (${result.shardsTotal} shards of ≤ ${SHARD_ROWS.toLocaleString('en')} rows, 2 at a time here; task processes start in about a second each)`);
    console.log(`  peak RSS:          ${peakRssMb} MB largest of any process (API ${Math.round(apiPeak / 1e6)} MB; per task kind ${JSON.stringify(taskPeakRssMb)})`);
    printTasks(timings, rows);
    const model = printModel(timings, rows, checkpoint);
    console.log(
      JSON.stringify({
        bench: 'workflow',
        N: rows,
        D: dim,
        k: picks,
        seconds: Number(wall.toFixed(2)),
        uploadSeconds: Number(uploadSeconds.toFixed(2)),
        peakRssMb,
        taskPeakRssMb,
        ...model,
        ...(checkpoint ? { checkpointMb: Number((checkpoint.bytes / 1e6).toFixed(1)), checkpointWriteSeconds: Number(checkpoint.seconds.toFixed(2)) } : {}),
      }),
    );
  } finally {
    await runtime.stop();
    await standIns.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
