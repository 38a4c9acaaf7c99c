/**
 * A selection end to end on the local runtime: upload, then DIVERSITY + TYPICALITY + WEIGHTS + BALANCE
 * through the synthesized state machine (Plan → Shards → Select), with the stand-ins in another process.
 * Prints wall time per phase, peak RSS, per-shard and per-pick throughput, and the wall time those
 * rates model for a 10M-sample run on Lambda.
 *
 * Size: `WINNOW_BENCH_ROWS` (default 20,000) × 128, n = `WINNOW_BENCH_PICKS` (default 1,000). The
 * issue's reference size is 1M × 128 with n = 10,000; exact typicality kNN is quadratic in N, so that size
 * needs the fast kernels and approximate kNN before it fits a benchmark run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalRuntime } from '../infra/local/runtime.js';
import { SHARD_ROWS } from '../functions/store/columns.js';
import { startStandInsProcess } from './support/standInsProcess.js';
import { rng } from './support/rng.js';

async function gql<T>(url: string, query: string, variables: Record<string, unknown>): Promise<T> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', connection: 'close' }, body: JSON.stringify({ query, variables }) });
  const body = (await response.json()) as { data?: T; errors?: unknown };
  if (!body.data) throw new Error(JSON.stringify(body.errors));
  return body.data;
}


export async function run(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const rows = Number(process.env.WINNOW_BENCH_ROWS ?? 20_000);
  const picks = Number(process.env.WINNOW_BENCH_PICKS ?? 1_000);
  const dim = 128;
  const dir = mkdtempSync(join(tmpdir(), 'winnow-bench-wf-'));
  const standIns = await startStandInsProcess(join(dir, 's3'));
  const runtime = await startLocalRuntime({ port: 0, standIns, dataDir: dir });
  try {
    const random = rng(11);
    const names = Array.from({ length: rows }, (_, i) => `video_${i % 40}/frame_${i}.jpg`);
    const header = ['filenames', ...Array.from({ length: dim }, (_, d) => `embedding_${d}`), 'labels'].join(',');
    const lines = [header];
    for (let i = 0; i < rows; i++) lines.push(`${names[i]},${Array.from({ length: dim }, () => (random() * 2 - 1).toFixed(5)).join(',')},0`);
    const csv = lines.join('\n');
    const weather = ['sunny', 'cloudy', 'rainy', 'foggy'];
    const metadata = names.map((name, i) => JSON.stringify({ file_name: name, type: 'image', metadata: { weather: weather[i % 4], score: random() } })).join('\n');
    const schema = JSON.stringify([
      { name: 'weather', path: 'weather', valueDataType: 'CATEGORICAL_STRING' },
      { name: 'score', path: 'score', valueDataType: 'NUMERIC_FLOAT' },
    ]);
    const { createDataset } = await gql<{ createDataset: { id: string } }>(runtime.url, 'mutation { createDataset(name: "bench") { id } }', {});
    const files = [
      { path: 'embeddings.csv', body: csv },
      { path: '.lightly/metadata/schema.json', body: schema },
      { path: '.lightly/metadata/metadata.jsonl', body: metadata },
    ];
    const uploadStart = performance.now();
    const { createUpload } = await gql<{ createUpload: { id: string; files: { path: string; url: string | null; parts: { partNumber: number; url: string }[] | null; partSize: number | null }[] } }>(
      runtime.url,
      'mutation ($d: ID!, $f: [UploadFileInput!]!) { createUpload(datasetId: $d, files: $f) { id files { path url partSize parts { partNumber url } } } }',
      { d: createDataset.id, f: files.map((f) => ({ path: f.path, size: Buffer.byteLength(f.body) })) },
    );
    const multipart = [];
    for (const target of createUpload.files) {
      const body = Buffer.from(files.find((f) => f.path === target.path)!.body);
      if (target.url) {
        const put = await fetch(target.url, { method: 'PUT', body });
        if (!put.ok) throw new Error(`PUT ${target.path}: ${put.status}`);
      }
      else {
        const parts = [];
        for (const part of target.parts!) {
          const response = await fetch(part.url, { method: 'PUT', body: body.subarray((part.partNumber - 1) * target.partSize!, part.partNumber * target.partSize!) });
          parts.push({ partNumber: part.partNumber, etag: response.headers.get('etag')! });
        }
        multipart.push({ path: target.path, parts });
      }
    }
    await gql(runtime.url, 'mutation ($d: ID!, $u: ID!, $m: [MultipartCompletionInput!]) { commitUpload(datasetId: $d, uploadId: $u, multipart: $m) { status } }', {
      d: createDataset.id,
      u: createUpload.id,
      m: multipart.length ? multipart : null,
    });
    const uploadSeconds = (performance.now() - uploadStart) / 1000;

    let peak = process.memoryUsage().rss;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    const started = performance.now();
    const { startSelection } = await gql<{ startSelection: { id: string } }>(
      runtime.url,
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
        runtime.url,
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
