/**
 * The report of a large run, as the Select Lambda computes it: N = 200k rows (WINNOW_BENCH_ROWS), D = 128,
 * 1,000 picks, DIVERSITY + WEIGHTS + BALANCE + a numeric metadata key (fixed seed). Prints the time of the
 * figures (sampling, PCA on ≤ 3,000 rows, histograms, shares) and of the HTML, the heap the report adds,
 * and the size of both files. Then the PCA alone at D = 128 and 768 on 3,000 rows — the projection's cap.
 */
import { computeReportFigures } from '../functions/report/figures.js';
import { renderReportHtml } from '../functions/report/html.js';
import { principalComponents2 } from '../functions/report/pca.js';
import { selectionConfig } from '../functions/selection/config.js';
import { prepareSelection, type SelectionSummary } from '../functions/selection/select.js';
import type { MetadataValues } from '../functions/formats/metadata.js';
import { createMemorySource } from '../functions/selection/memorySource.js';
import type { MetadataValueType } from '../functions/selection/types.js';
import { engineKernels } from '../functions/kernels/engine.js';
import { rng } from './support/rng.js';

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const gc = () => (globalThis as { gc?: () => void }).gc?.();
/** JS heap plus typed-array buffers (which live outside the heap). */
const used = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

export async function run(): Promise<void> {
  const rows = Number(process.env.WINNOW_BENCH_ROWS ?? 200_000);
  const dim = 128;
  const picks = 1_000;
  const random = rng(11);
  const data = new Float32Array(rows * dim);
  const centres = Array.from({ length: 8 }, () => Array.from({ length: dim }, () => random() * 2 - 1));
  for (let r = 0; r < rows; r++) {
    const centre = centres[r % 8]!;
    let norm = 0;
    for (let d = 0; d < dim; d++) {
      const v = centre[d]! + (random() - 0.5);
      data[r * dim + d] = v;
      norm += v * v;
    }
    for (let d = 0; d < dim; d++) data[r * dim + d]! /= Math.sqrt(norm);
  }
  const source = createMemorySource({
    fileNames: Array.from({ length: rows }, (_, row) => `frame_${row}.jpg`),
    embeddings: { dim, data },
    metadata: {
      types: new Map<string, MetadataValueType>([
        ['score', 'NUMERIC_FLOAT'],
        ['speed', 'NUMERIC_FLOAT'],
        ['weather', 'CATEGORICAL_STRING'],
      ]),
      columns: new Map<string, MetadataValues>([
        ['score', { kind: 'numeric', values: Float64Array.from({ length: rows }, () => random()) }],
        ['speed', { kind: 'numeric', values: Float64Array.from({ length: rows }, () => random() * 120) }],
        ['weather', { kind: 'categorical', codes: Int32Array.from({ length: rows }, () => Math.floor(random() * random() * 5)), categories: ['sunny', 'cloudy', 'rainy', 'foggy', 'snowy'] }],
      ]),
    },
  });
  const rawConfig = {
    n_samples: picks,
    strategies: [
      { input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY' } },
      { input: { type: 'METADATA', key: 'score' }, strategy: { type: 'WEIGHTS' } },
      { input: { type: 'METADATA', key: 'weather' }, strategy: { type: 'BALANCE', distribution: 'UNIFORM' } },
      { input: { type: 'METADATA', key: 'speed' }, strategy: { type: 'THRESHOLD', threshold: 5, operation: 'BIGGER' } },
    ],
  };
  const config = selectionConfig(rawConfig);
  const prepared = prepareSelection(config, source, { kernels: engineKernels() });
  // The picks' rows and objectives stand in for a greedy run (the report only reads them).
  const pickRows = Array.from({ length: picks }, (_, i) => Math.floor((i * rows) / picks) + 1);
  const summary: SelectionSummary = { poolSize: rows, requested: picks, selected: picks, preselected: 0, dropped: prepared.dropped, stopReason: 'TARGET_REACHED' };
  const input = {
    run: { id: 'bench', datasetId: 'bench', datasetName: 'bench', resultTagName: 'bench', createdAt: new Date(0).toISOString(), finishedAt: new Date(0).toISOString() },
    rawConfig,
    config,
    summary,
    timings: { plan: 1, shards: 1, select: 1, total: 3 },
    source,
    prepared,
    picks: pickRows.map((row) => ({ row, score: -1, objectives: [0, 1, 2].map((strategy) => ({ strategy, objective: 0.2 + random() * 0.8 })) })),
    fileName: source.fileName,
    embeddingRows: async (wanted: readonly number[]) => {
      const matrix = source.embeddings()!;
      const out = new Float32Array(wanted.length * dim);
      wanted.forEach((row, i) => out.set(matrix.data.subarray(row * dim, (row + 1) * dim), i * dim));
      return { dim, data: out };
    },
  };

  gc();
  const heapBefore = used();
  let peak = heapBefore;
  const sampler = setInterval(() => (peak = Math.max(peak, used())), 5);
  const started = performance.now();
  const figures = await computeReportFigures(input);
  const figuresMs = performance.now() - started;
  const html = renderReportHtml(figures);
  const totalMs = performance.now() - started;
  peak = Math.max(peak, used());
  clearInterval(sampler);
  const json = JSON.stringify(figures);
  console.log(`report of N=${rows} D=${dim}, ${picks} picks: figures ${figuresMs.toFixed(0)} ms, + HTML ${(totalMs - figuresMs).toFixed(0)} ms`);
  console.log(`  memory added at peak (heap + buffers) ${mib(peak - heapBefore)} (embeddings held by the selection: ${mib(data.byteLength)})`);
  console.log(`  projection ${figures.projection.points.length} points; report.json ${mib(json.length)}, report.html ${mib(html.length)}`);

  for (const d of [128, 768]) {
    const n = 3_000;
    const sample = new Float64Array(n * d);
    const r = rng(d);
    for (let i = 0; i < sample.length; i++) sample[i] = r() - 0.5 + (i % d < 4 ? (Math.floor(i / d) % 4) * 0.3 : 0);
    const t = performance.now();
    principalComponents2(sample, n, d);
    console.log(`PCA, 2 components of ${n} × ${d}: ${(performance.now() - t).toFixed(0)} ms`);
  }
}
