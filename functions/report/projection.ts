/**
 * The 2-D picture of the embeddings: PCA (the two leading components, pca.ts) fitted on
 * a bounded sample — a seeded sample of the pool's rows that were not picked plus the first picks — and
 * every sampled row projected onto it. Memory is the sample, whatever the size of the dataset.
 */
import { randomValue } from '../selection/random.js';
import { principalComponents2 } from './pca.js';

/** Normalised image embeddings of the given rows (ascending), `rows.length × dim`, row-major. */
export type EmbeddingRows = (rows: readonly number[]) => Promise<{ readonly dim: number; readonly data: Float32Array }>;

export interface ProjectedPoint {
  readonly row: number;
  readonly fileName: string;
  readonly x: number;
  readonly y: number;
  readonly picked: boolean;
}

export interface Projection {
  readonly method: 'PCA';
  /** Share of the sample's variance along each axis. */
  readonly explainedVariance: readonly number[];
  readonly poolTotal: number;
  /** Pool rows drawn that were not picked. */
  readonly poolShown: number;
  readonly picksTotal: number;
  readonly picksShown: number;
  readonly points: readonly ProjectedPoint[];
}

export interface ProjectionOptions {
  readonly poolCap: number;
  readonly pickCap: number;
  readonly seed: number;
}

/**
 * The `cap` pool rows (not picked) with the smallest seeded hash: a uniform sample that the same run always
 * draws the same way. Rows whose hash is above a threshold are skipped without being kept, so only about
 * 2 × cap candidates are held at any time.
 */
export function samplePoolRows(pool: Uint8Array, picked: ReadonlySet<number>, cap: number, seed: number): { rows: number[]; total: number } {
  let total = 0;
  for (let row = 0; row < pool.length; row++) if (pool[row] && !picked.has(row)) total++;
  if (total <= cap) {
    const rows: number[] = [];
    for (let row = 0; row < pool.length; row++) if (pool[row] && !picked.has(row)) rows.push(row);
    return { rows, total };
  }
  // A threshold that keeps about 2 × cap rows in expectation; if the hash falls short, widen and retry.
  for (let threshold = Math.min(1, (2 * cap) / total); ; threshold = Math.min(1, threshold * 2)) {
    const kept: { row: number; hash: number }[] = [];
    for (let row = 0; row < pool.length; row++) {
      if (!pool[row] || picked.has(row)) continue;
      const hash = randomValue(seed, row);
      if (hash < threshold) kept.push({ row, hash });
    }
    if (kept.length >= cap || threshold === 1) {
      kept.sort((a, b) => a.hash - b.hash || a.row - b.row);
      return { rows: kept.slice(0, cap).map((k) => k.row).sort((a, b) => a - b), total };
    }
  }
}

const finiteOr0 = (v: number) => (Number.isFinite(v) ? v : 0);

export async function projectEmbeddings(
  embeddingRows: EmbeddingRows,
  pool: Uint8Array,
  picked: readonly number[],
  fileName: (row: number) => string,
  options: ProjectionOptions,
): Promise<Projection> {
  const pickedSet = new Set(picked);
  const shownPicks = picked.slice(0, options.pickCap);
  const sample = samplePoolRows(pool, pickedSet, options.poolCap, options.seed);
  const rows = [...new Set([...sample.rows, ...shownPicks])].sort((a, b) => a - b);
  const base = { method: 'PCA' as const, poolTotal: sample.total + picked.length, poolShown: sample.rows.length, picksTotal: picked.length, picksShown: shownPicks.length };
  if (rows.length === 0) return { ...base, explainedVariance: [], points: [] };
  const { dim, data } = await embeddingRows(rows);
  let coordinates: Float64Array;
  let explainedVariance: number[] = [];
  if (rows.length < 3 || dim < 2) {
    // Too little to fit two components: the first two dimensions as they are.
    coordinates = new Float64Array(rows.length * 2);
    rows.forEach((_, i) => {
      coordinates[i * 2] = data[i * dim] ?? 0;
      coordinates[i * 2 + 1] = dim > 1 ? data[i * dim + 1]! : 0;
    });
  } else {
    const pca = principalComponents2(data, rows.length, dim);
    coordinates = pca.coordinates;
    explainedVariance = pca.explainedVariance.map(finiteOr0);
  }
  const points = rows.map((row, i) => ({
    row,
    fileName: fileName(row),
    x: finiteOr0(coordinates[i * 2]!),
    y: finiteOr0(coordinates[i * 2 + 1]!),
    picked: pickedSet.has(row),
  }));
  // Picks last, so they are drawn on top of the pool.
  points.sort((a, b) => Number(a.picked) - Number(b.picked) || a.row - b.row);
  return { ...base, explainedVariance, points };
}
