/**
 * The engine at N = 100k, D = 128, n = 1,000 with DIVERSITY + WEIGHTS + BALANCE (fixed seed). Prints the
 * total time, the share spent outside the kernels (target ≤ 20 %), and the memory the selection adds
 * relative to the float32 embedding bytes (target ≤ 1.5×).
 */
import { selectionConfig } from '../functions/selection/config.js';
import { scalarKernels, timedKernels } from '../functions/kernels/index.js';
import { prepareSelection, runGreedy } from '../functions/selection/select.js';
import type { MetadataColumn, MetadataValueType, SelectionSource } from '../functions/selection/types.js';
import { rng } from './support/rng.js';


export async function run(): Promise<void> {
  const rows = Number(process.env.WINNOW_BENCH_ROWS ?? 100_000);
  const dim = 128;
  const n = 1000;
  const random = rng(7);
  const data = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    let norm = 0;
    for (let d = 0; d < dim; d++) {
      const v = random() * 2 - 1;
      data[r * dim + d] = v;
      norm += v * v;
    }
    const inv = 1 / Math.sqrt(norm);
    for (let d = 0; d < dim; d++) data[r * dim + d]! *= inv;
  }
  const weights = Float64Array.from({ length: rows }, () => random());
  const codes = Int32Array.from({ length: rows }, () => Math.floor(random() * random() * 5));
  const metadata = new Map<string, MetadataColumn>([
    ['score', { kind: 'numeric', values: weights }],
    ['weather', { kind: 'categorical', codes, categories: ['sunny', 'cloudy', 'rainy', 'foggy', 'snowy'] }],
  ]);
  const keys = new Map<string, MetadataValueType>([
    ['score', 'NUMERIC_FLOAT'],
    ['weather', 'CATEGORICAL_STRING'],
  ]);
  const source: SelectionSource = {
    rowCount: rows,
    fileName: (row) => `${row}`,
    embeddings: () => ({ rows, dim, data }),
    objectEmbeddings: () => undefined,
    querySet: () => undefined,
    metadataKeys: () => keys,
    metadata: (key) => metadata.get(key),
    tasks: () => new Map(),
    score: () => undefined,
    scoreNames: () => [],
    classCounts: () => undefined,
    categoryCount: () => undefined,
  };
  const config = selectionConfig({
    n_samples: n,
    strategies: [
      { input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY' } },
      { input: { type: 'METADATA', key: 'score' }, strategy: { type: 'WEIGHTS' } },
      { input: { type: 'METADATA', key: 'weather' }, strategy: { type: 'BALANCE', distribution: 'UNIFORM' } },
    ],
  });
  global.gc?.();
  const before = process.memoryUsage().rss;
  const kernels = timedKernels(scalarKernels);
  const started = performance.now();
  const prepared = prepareSelection(config, source, { kernels });
  const prepareMs = performance.now() - started;
  const result = runGreedy(prepared);
  const total = performance.now() - started;
  // The loop is synchronous, so a sampling timer would never fire inside it: the kernel's peak RSS
  // (maxRSS, KiB) is the true high-water mark. Any earlier, higher peak only makes the figure larger.
  const peak = Math.max(process.resourceUsage().maxRSS * 1024, process.memoryUsage().rss);
  const embeddingBytes = data.byteLength;
  const outside = total - kernels.elapsedMs;
  console.log(`DIVERSITY + WEIGHTS + BALANCE, N=${rows.toLocaleString('en')}, D=${dim}, n=${n} (scalar kernels)`);
  console.log(`  picks:            ${result.state.picks.length} (${result.stopReason})`);
  console.log(`  total:            ${(total / 1000).toFixed(2)} s (prepare ${prepareMs.toFixed(0)} ms; ${((total - prepareMs) / n).toFixed(2)} ms per pick)`);
  console.log(`  inside kernels:   ${(kernels.elapsedMs / 1000).toFixed(2)} s`);
  console.log(`  outside kernels:  ${(outside / 1000).toFixed(2)} s = ${((100 * outside) / total).toFixed(1)} % of the total   (target ≤ 20 %)`);
  console.log(
    `  memory added:     ${((peak - before) / 1e6).toFixed(1)} MB peak RSS over ${(embeddingBytes / 1e6).toFixed(1)} MB of float32 embeddings = ${((peak - before) / embeddingBytes).toFixed(2)}×   (target ≤ 1.5×)`,
  );
  console.log(`  process peak:     ${(peak / 1e6).toFixed(1)} MB RSS, embeddings included = ${(peak / embeddingBytes).toFixed(2)}× the embedding bytes`);
}
