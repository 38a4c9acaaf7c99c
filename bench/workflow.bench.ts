/**
 * A selection end to end on the local runtime: upload, then DIVERSITY + TYPICALITY + WEIGHTS + BALANCE
 * through the synthesized state machine (Plan → Shards → Select), with the stand-ins in another process.
 * Prints wall time per phase, peak RSS, per-shard and per-pick throughput, and the wall time those
 * rates model for a 10M-sample run on Lambda.
 *
 * Size: `WINNOW_BENCH_ROWS` (default 1,000,000) × 128, n = `WINNOW_BENCH_PICKS` (default 10,000); the
 * target is a wall time of at most 5 minutes for the selection on 2 cores. The last line is the shared
 * JSON shape: `{"bench":"workflow","N":…,"D":128,"k":…,"seconds":…}` (seconds: the selection's wall time,
 * upload and commit excluded).
 */
import { createWriteStream, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalRuntime } from '../infra/local/runtime.js';
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

export async function run(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const rows = Number(process.env.WINNOW_BENCH_ROWS ?? 1_000_000);
  const picks = Number(process.env.WINNOW_BENCH_PICKS ?? 10_000);
  const dim = 128;
  const dir = mkdtempSync(join(tmpdir(), 'winnow-bench-wf-'));
  const standIns = await startStandInsProcess(join(dir, 's3'));
  const runtime = await startLocalRuntime({ port: 0, standIns, dataDir: dir, logRequests: false });
  try {
    const files = await writeDataset(dir, rows, dim);
    const { createDataset } = await gql<{ createDataset: { id: string } }>(runtime, 'mutation { createDataset(name: "bench") { id } }', {});
    const uploadStart = performance.now();
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
      }
      else {
        const parts = [];
        for (const part of target.parts!) {
          const body = await readRange(file, (part.partNumber - 1) * target.partSize!, part.partNumber * target.partSize!);
          const response = await fetch(part.url, { method: 'PUT', body });
          if (!response.ok) throw new Error(`PUT ${target.path} part ${part.partNumber}: ${response.status}`);
          parts.push({ partNumber: part.partNumber, etag: response.headers.get('etag')! });
        }
        multipart.push({ path: target.path, parts });
      }
    }
    await gql(runtime, 'mutation ($d: ID!, $u: ID!, $m: [MultipartCompletionInput!]) { commitUpload(datasetId: $d, uploadId: $u, multipart: $m) { status } }', {
      d: createDataset.id,
      u: createUpload.id,
      m: multipart.length ? multipart : null,
    });
    const uploadSeconds = (performance.now() - uploadStart) / 1000;

    let peak = process.memoryUsage().rss;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    const started = performance.now();
    const { startSelection } = await gql<{ startSelection: { id: string } }>(
      runtime,
      'mutation ($d: ID!, $c: JSON!) { startSelection(datasetId: $d, config: $c, resultTagName: "bench") { id } }',
      {
        d: createDataset.id,
        c: {
          n_samples: picks,
          strategies: [
            { input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY' } },
            { input: { type: 'EMBEDDINGS' }, strategy: { type: 'TYPICALITY' } },
            { input: { type: 'METADATA', key: 'score' }, strategy: { type: 'WEIGHTS' } },
            { input: { type: 'METADATA', key: 'weather' }, strategy: { type: 'BALANCE', distribution: 'UNIFORM' } },
          ],
        },
      },
    );
    type Run = { status: string; failureReason: string | null; shardsTotal: number; timings: { phase: string; milliseconds: number }[]; summary: { selected: number } | null };
    let result: Run;
    for (;;) {
      ({ selectionRun: result } = await gql<{ selectionRun: Run }>(
        runtime,
        'query ($id: ID!) { selectionRun(id: $id) { status failureReason shardsTotal timings { phase milliseconds } summary { selected } } }',
        { id: startSelection.id },
      ));
      if (['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(result.status)) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    clearInterval(sampler);
    const wall = (performance.now() - started) / 1000;
    if (result.status !== 'SUCCEEDED') throw new Error(`run ${result.status}: ${result.failureReason}`);
    const ms = Object.fromEntries(result.timings.map((t) => [t.phase, t.milliseconds]));
    const shardSeconds = ms.shards! / 1000;
    const selectSeconds = ms.select! / 1000;
    // Shard tasks ran on this machine's cores; on Lambda each shard is its own function.
    const perShard = (shardSeconds * Math.min(2, result.shardsTotal)) / result.shardsTotal;
    const perPickMs = (ms.select! / result.summary!.selected);
    console.log(`selection of ${picks.toLocaleString('en')} from ${rows.toLocaleString('en')} × ${dim} (DIVERSITY + TYPICALITY + WEIGHTS + BALANCE), local runtime`);
    console.log(JSON.stringify({ bench: 'workflow', N: rows, D: dim, k: picks, seconds: Number(wall.toFixed(2)), uploadSeconds: Number(uploadSeconds.toFixed(2)), peakRssMb: Math.round(peak / 1e6) }));
    console.log(`  upload + commit:   ${uploadSeconds.toFixed(1)} s`);
    console.log(`  wall time:         ${wall.toFixed(1)} s  (plan ${(ms.plan! / 1000).toFixed(2)} s, shards ${shardSeconds.toFixed(1)} s, select ${selectSeconds.toFixed(1)} s)`);
    console.log(`  peak RSS:          ${(peak / 1e6).toFixed(0)} MB (API + workflow process; stand-ins in another process)`);
    console.log(`  shards:            ${result.shardsTotal} of ≤ ${SHARD_ROWS.toLocaleString('en')} rows, ${perShard.toFixed(1)} s each (${((rows / result.shardsTotal) / perShard).toFixed(0)} rows/s per shard)`);
    console.log(`  picks:             ${perPickMs.toFixed(2)} ms per pick at N = ${rows.toLocaleString('en')}`);
    // Model: kNN per shard grows with N (each shard's rows against all rows); the pick loop is linear in N.
    const target = 10_000_000;
    const scale = target / rows;
    const shardAt10M = perShard * scale;
    const pickAt10M = perPickMs * scale;
    console.log(
      `  model, 10M rows on Lambda (${Math.ceil(target / SHARD_ROWS)} shards in parallel, n = 10,000): shard ≈ ${(shardAt10M / 60).toFixed(0)} min each (exact kNN), ` +
        `select ≈ ${((pickAt10M * 10_000) / 60000).toFixed(0)} min at ${pickAt10M.toFixed(0)} ms per pick, in ${Math.ceil((pickAt10M * 10_000) / 840_000)} Select invocations`,
    );
  } finally {
    await runtime.stop();
    await standIns.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
