/**
 * Commit of an upload: a 100k × 128 embeddings CSV with metadata and one detection task, converted to
 * column shards on the local stand-ins. Prints CSV throughput (MB/s) and the process's peak RSS.
 * Targets: ≥ 50 MB/s of CSV on one core, peak RSS ≤ 512 MB whatever the file size.
 *
 * `WINNOW_BENCH_ROWS` changes the row count (e.g. 1000000 to check that memory stays flat).
 */
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { BlobStore } from '../functions/store/blobs.js';
import { DynamoDatasetRepository } from '../functions/store/datasets.js';
import { DynamoTagRepository } from '../functions/store/tags.js';
import { DynamoUploadRepository } from '../functions/store/uploads.js';
import { commitUpload } from '../functions/ingest/commitUpload.js';
import { uploadObjectKey } from '../functions/ingest/layout.js';
import { provisionStandIns } from '../infra/local/bootstrap.js';
import { startStandInsProcess } from './support/standInsProcess.js';
import { rng } from './support/rng.js';


async function writeLines(path: string, lines: () => Generator<string>): Promise<number> {
  const out = createWriteStream(path);
  let buffer = '';
  for (const line of lines()) {
    buffer += line + '\n';
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await once(out, 'drain');
      buffer = '';
    }
  }
  out.end(buffer);
  await once(out, 'finish');
  return statSync(path).size;
}

export async function run(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const rows = Number(process.env.WINNOW_BENCH_ROWS ?? 100_000);
  const dim = 128;
  const dir = mkdtempSync(join(tmpdir(), 'winnow-bench-ingest-'));
  const random = rng(42);
  const name = (i: number) => `video_${i % 50}/frame_${i}.jpg`;
  const files: Record<string, string> = {
    'embeddings.csv': join(dir, 'embeddings.csv'),
    '.lightly/metadata/schema.json': join(dir, 'schema.json'),
    '.lightly/metadata/metadata.jsonl': join(dir, 'metadata.jsonl'),
    '.lightly/predictions/tasks.json': join(dir, 'tasks.json'),
    '.lightly/predictions/det/schema.json': join(dir, 'det-schema.json'),
    '.lightly/predictions/det/predictions.jsonl': join(dir, 'predictions.jsonl'),
  };
  const header = ['filenames', ...Array.from({ length: dim }, (_, d) => `embedding_${d}`), 'labels'].join(',');
  const csvBytes = await writeLines(files['embeddings.csv']!, function* () {
    yield header;
    for (let i = 0; i < rows; i++) {
      let line = name(i);
      for (let d = 0; d < dim; d++) line += ',' + (random() * 2 - 1).toFixed(6);
      yield line + ',0';
    }
  });
  await writeLines(files['.lightly/metadata/schema.json']!, function* () {
    yield JSON.stringify([
      { name: 'weather', path: 'weather.description', defaultValue: 'unknown', valueDataType: 'CATEGORICAL_STRING' },
      { name: 'video', path: 'video_name', valueDataType: 'CATEGORICAL_STRING' },
      { name: 'speed', path: 'speed', defaultValue: 0, valueDataType: 'NUMERIC_FLOAT' },
    ]);
  });
  const weather = ['sunny', 'cloudy', 'rainy'];
  await writeLines(files['.lightly/metadata/metadata.jsonl']!, function* () {
    for (let i = 0; i < rows; i++) {
      yield JSON.stringify({ file_name: name(i), type: 'image', metadata: { weather: { description: weather[i % 3] }, video_name: `video_${i % 50}`, speed: i % 100 } });
    }
  });
  await writeLines(files['.lightly/predictions/tasks.json']!, function* () {
    yield JSON.stringify(['det']);
  });
  await writeLines(files['.lightly/predictions/det/schema.json']!, function* () {
    yield JSON.stringify({ task_type: 'object-detection', categories: [{ id: 0, name: 'car' }, { id: 1, name: 'person' }, { id: 2, name: 'bike' }] });
  });
  await writeLines(files['.lightly/predictions/det/predictions.jsonl']!, function* () {
    for (let i = 0; i < rows; i++) {
      const boxes = Array.from({ length: i % 4 }, (_, b) => {
        const p = [random(), random(), random()];
        const sum = p[0]! + p[1]! + p[2]!;
        return { category_id: b % 3, bbox: [b, b, 10, 10], score: 0.5 + random() / 2, probabilities: p.map((v) => v / sum) };
      });
      yield JSON.stringify({ file_name: name(i), predictions: boxes });
    }
  });

  const standIns = await startStandInsProcess(join(dir, 's3'));
  const { env, clients } = await provisionStandIns(standIns, { tableName: 'bench', bucketName: 'bench' });
  const blobs = new BlobStore(clients.s3, env.bucketName);
  const deps = {
    datasets: new DynamoDatasetRepository(clients.dynamo, env.tableName),
    tags: new DynamoTagRepository(clients.dynamo, env.tableName, blobs),
    uploads: new DynamoUploadRepository(clients.dynamo, env.tableName),
    blobs,
  };
  try {
    const dataset = await deps.datasets.create({ tenantId: 'bench', name: 'ingest' });
    const uploadId = 'bench-upload';
    const sizes: { path: string; size: number }[] = [];
    for (const [path, file] of Object.entries(files)) {
      const size = statSync(file).size;
      await clients.s3.send(
        new PutObjectCommand({ Bucket: env.bucketName, Key: uploadObjectKey(dataset.id, uploadId, path), Body: createReadStream(file), ContentLength: size }),
      );
      sizes.push({ path, size });
    }
    const now = new Date().toISOString();
    await deps.uploads.create({ id: uploadId, datasetId: dataset.id, status: 'PENDING', createdAt: now, expiresAt: now, files: sizes });
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const phases: string[] = [];
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const upload = await commitUpload(deps, 'bench', dataset.id, uploadId, [], (phase, ms) => phases.push(`${phase} ${(ms / 1000).toFixed(2)} s`));
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
    console.log(`commit of ${rows.toLocaleString('en')} × ${dim} embeddings (${mb(csvBytes)} MB CSV) + metadata + 1 detection task`);
    console.log(`  samples added:   ${upload.samplesAdded}`);
    console.log(`  wall time:       ${seconds.toFixed(2)} s (${phases.join(', ')})`);
    console.log(`  CPU time:        ${cpuSeconds.toFixed(2)} s of this process (GC and I/O threads included)`);
    console.log(`  CSV throughput:  ${(csvBytes / 1e6 / cpuSeconds).toFixed(1)} MB/s per CPU second of the commit, ${(csvBytes / 1e6 / seconds).toFixed(1)} MB/s of wall time against the stand-in   (target ≥ 50 MB/s on one core)`);
    console.log(`  peak RSS:        ${mb(peak)} MB during the commit (before it: ${mb(rssBefore)} MB; the stand-ins run in another process)   (target ≤ 512 MB)`);
  } finally {
    await standIns.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
