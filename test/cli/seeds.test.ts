/**
 * Every seed example (test/fixtures/seeds/*.jsonc) run end to end through `winnow select` on a generated
 * Lightly folder, checking that the selection does what the example's text says:
 * thresholds hold for every pick, balancing moves shares towards the target, video balancing takes the
 * same number of frames from every video, similarity picks the query's nearest neighbours, random
 * selection is deterministic, active learning picks high scores, object diversity/typicality picks images
 * that have objects, diversity spreads over the clusters and typicality raises typicality.
 *
 * The checks are derived from each config's strategies, so a new example is covered when it combines
 * known strategies; an example with nothing to check fails.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLightlyFolder } from '../../functions/cli/folder.js';
import type { MemorySource } from '../../functions/selection/memorySource.js';
import { parseJsonc } from '../../functions/selection/jsonc.js';
import { generateQueryFiles, writeFiles, writeLightlyFolder, type WrittenLightlyFolder } from '../../infra/local/lightlyFolder.js';
import { runCli } from './support.js';

const SEEDS_DIR = join(import.meta.dirname, '../fixtures/seeds');
const seedFiles = (() => {
  try {
    return readdirSync(SEEDS_DIR)
      .filter((f) => f.endsWith('.jsonc'))
      .sort();
  } catch {
    return [];
  }
})();

type Json = Record<string, unknown>;
interface Entry {
  input: Json;
  strategy: Json;
}

const get = (obj: Json, snake: string, camel: string): unknown => obj[snake] ?? obj[camel];

let folder: WrittenLightlyFolder;
let source: MemorySource;
const scratch: string[] = [];
let configDir: string;

beforeAll(async () => {
  folder = writeLightlyFolder({ seed: 11, samples: 480, dim: 8, clusters: 4, videos: 4 });
  scratch.push(folder.dir);
  source = (await loadLightlyFolder(folder.dir)).source;
  configDir = mkdtempSync(join(tmpdir(), 'winnow-seeds-'));
  scratch.push(configDir);
});
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

function entries(config: Json): Entry[] {
  return (config.strategies as Json[]).map((e) => ({ input: e.input as Json, strategy: e.strategy as Json }));
}

/** Writes a config (adapted to the generated data where an example holds placeholders) and runs it. */
async function select(name: string, config: Json, extraArgs: string[] = []) {
  const file = join(configDir, `${name}.json`);
  writeFileSync(file, JSON.stringify(config, null, 2));
  const explain = join(configDir, `${name}.explain.json`);
  const args = ['select', '--config', file, '--input', folder.dir, '--explain', explain, ...extraArgs];
  for (const { input } of entries(config)) {
    const datasetId = get(input, 'dataset_id', 'datasetId') as string | undefined;
    if (datasetId === undefined) continue;
    const tagName = (get(input, 'tag_name', 'tagName') as string | undefined) ?? 'initial-tag';
    const query = generateQueryFiles(folder.truth, { datasetId, tagName, cluster: 0, samples: 6, tagged: 3 });
    const dir = mkdtempSync(join(tmpdir(), 'winnow-query-'));
    scratch.push(dir);
    writeFiles(dir, query.files);
    args.push('--dataset', `${datasetId}=${dir}`);
  }
  const run = await runCli(args);
  expect(run.stderr).not.toMatch(/error/i);
  expect(run.code).toBe(0);
  const rows = run.lines.map((n) => source.rowOf(n)!);
  expect(rows.every((r) => r !== undefined)).toBe(true);
  expect(new Set(rows).size).toBe(rows.length);
  return { run, rows, explain: JSON.parse(readFileSync(explain, 'utf8')) as Json };
}

/** The seed's video example holds a target over "all videos": make it the generated videos'. */
function adapt(config: Json): Json {
  const copy = structuredClone(config);
  for (const { input, strategy } of entries(copy)) {
    if (strategy.type === 'BALANCE' && input.type === 'METADATA' && input.key === 'video_name') {
      const target = (strategy.target ?? {}) as Json;
      if (!folder.truth.videos.every((v) => v in target)) {
        strategy.target = Object.fromEntries(folder.truth.videos.map((v) => [v, 1 / folder.truth.videos.length]));
      }
    }
  }
  return copy;
}

const numeric = (key: string) => {
  const column = source.metadata(key);
  if (column?.kind !== 'numeric') throw new Error(`${key} is not numeric`);
  return column.values;
};
const compare = (value: number, op: string, threshold: number) =>
  op === 'SMALLER' ? value < threshold : op === 'SMALLER_EQUAL' ? value <= threshold : op === 'BIGGER' ? value > threshold : value >= threshold;

function distance(a: Float32Array, i: number, b: Float32Array, j: number, dim: number): number {
  let s = 0;
  for (let k = 0; k < dim; k++) {
    const d = a[i * dim + k]! - b[j * dim + k]!;
    s += d * d;
  }
  return Math.sqrt(s);
}

/** Typicality as defined for the engine, computed by brute force: mean exp(−d/τ) over the K nearest. */
function typicality(k = 20): Float64Array {
  const e = source.embeddings()!;
  const n = e.rows;
  const knn: number[][] = [];
  let total = 0;
  for (let i = 0; i < n; i++) {
    const d: number[] = [];
    for (let j = 0; j < n; j++) if (j !== i) d.push(distance(e.data, i, e.data, j, e.dim));
    d.sort((x, y) => x - y);
    knn.push(d.slice(0, k));
    total += d.slice(0, k).reduce((a, b) => a + b, 0);
  }
  const tau = total / (n * k);
  return Float64Array.from(knn.map((d) => d.reduce((a, x) => a + Math.exp(-x / tau), 0) / k));
}

const mean = (values: Iterable<number>) => {
  let s = 0;
  let c = 0;
  for (const v of values) {
    s += v;
    c++;
  }
  return s / c;
};

/** Class shares of a set of rows, with classes not in `target` in one "other" bucket. */
function shares(counts: (row: number) => Record<string, number>, rows: Iterable<number>, target: Record<string, number>): Record<string, number> {
  const sum: Record<string, number> = { __other: 0 };
  for (const c of Object.keys(target)) sum[c] = 0;
  let total = 0;
  for (const row of rows) {
    for (const [c, v] of Object.entries(counts(row))) {
      sum[c in target ? c : '__other']! += v;
      total += v;
    }
  }
  return Object.fromEntries(Object.entries(sum).map(([c, v]) => [c, v / total]));
}
const distanceToTarget = (s: Record<string, number>, target: Record<string, number>) => {
  const other = Math.max(0, 1 - Object.values(target).reduce((a, b) => a + b, 0));
  return Object.keys(s).reduce((d, c) => d + Math.abs(s[c]! - (c === '__other' ? other : target[c]!)), 0);
};

describe('seed examples through the CLI', () => {
  it('has seed fixtures to run', () => {
    expect(seedFiles.length).toBeGreaterThan(0);
  });

  it.each(seedFiles)('%s does what it says', async (seedFile) => {
    const config = adapt(parseJsonc(readFileSync(join(SEEDS_DIR, seedFile), 'utf8'), seedFile) as Json);
    const n = get(config, 'n_samples', 'nSamples') as number;
    const list = entries(config);
    const name = seedFile.replace(/\.jsonc$/, '');
    const { run, rows } = await select(name, config);
    const all = Array.from({ length: source.rowCount }, (_, i) => i);
    let checks = 0;

    // Thresholds: every pick satisfies every threshold; as many picks as the filtered pool allows.
    let pool = all;
    for (const { input, strategy } of list) {
      if (strategy.type !== 'THRESHOLD' || input.type !== 'METADATA') continue;
      const values = numeric(input.key as string);
      const op = strategy.operation as string;
      const threshold = strategy.threshold as number;
      for (const row of rows) expect(compare(values[row]!, op, threshold), `${source.fileName(row)}: ${values[row]} ${op} ${threshold}`).toBe(true);
      pool = pool.filter((r) => compare(values[r]!, op, threshold));
      checks++;
    }
    const nonThreshold = list.filter((e) => e.strategy.type !== 'THRESHOLD');
    const objectTasks = list.filter((e) => e.input.type === 'EMBEDDINGS' && e.input.task !== undefined);
    if (objectTasks.length === 0) expect(rows.length).toBe(Math.min(n, pool.length));

    for (const { input, strategy } of list) {
      const sole = nonThreshold.length === 1;
      if (strategy.type === 'BALANCE' && input.type === 'METADATA') {
        const key = input.key as string;
        const column = source.metadata(key);
        if (column?.kind !== 'categorical') throw new Error(`${key} is not categorical`);
        const target = strategy.target as Record<string, number>;
        const counts = (row: number): Record<string, number> => ({ [column.categories[column.codes[row]!]!]: 1 });
        if (key === 'video_name') {
          // Equal frames per video.
          const perVideo = folder.truth.videos.map((v) => rows.filter((r) => folder.truth.video[r] === v).length);
          expect(Math.max(...perVideo) - Math.min(...perVideo), `frames per video: ${perVideo.join(', ')}`).toBeLessThanOrEqual(1);
        } else {
          const picked = shares(counts, rows, target);
          const before = shares(counts, pool, target);
          expect(distanceToTarget(picked, target)).toBeLessThan(distanceToTarget(before, target) / 2);
          for (const [c, share] of Object.entries(target)) expect(Math.abs(picked[c]! - share), `share of ${c}`).toBeLessThan(0.05);
        }
        checks++;
      } else if (strategy.type === 'BALANCE' && input.type === 'PREDICTIONS') {
        const task = input.task as string;
        const cc = source.classCounts(task)!;
        const k = cc.classes.length;
        const counts = (row: number) => Object.fromEntries(cc.classes.map((c, j) => [c, cc.counts[row * k + j]!]));
        const target = strategy.target as Record<string, number>;
        const picked = shares(counts, rows, target);
        const before = shares(counts, pool, target);
        expect(distanceToTarget(picked, target)).toBeLessThan(distanceToTarget(before, target));
        // The rarest class with the largest target gains share.
        expect(picked.bicycle!).toBeGreaterThan(before.bicycle! * 2);
        checks++;
      } else if (strategy.type === 'SIMILARITY') {
        const e = source.embeddings()!;
        const datasetId = get(input, 'dataset_id', 'datasetId') as string;
        const tagName = (get(input, 'tag_name', 'tagName') as string | undefined) ?? 'initial-tag';
        const query = generateQueryFiles(folder.truth, { datasetId, tagName, cluster: 0, samples: 6, tagged: 3 }).truth;
        const q = query.embeddings;
        const qn = new Float32Array(q.length);
        for (let i = 0; i < 3; i++) {
          const norm = Math.hypot(...q.subarray(i * e.dim, (i + 1) * e.dim));
          for (let j = 0; j < e.dim; j++) qn[i * e.dim + j] = q[i * e.dim + j]! / norm;
        }
        const d = all.map((r) => Math.min(...[0, 1, 2].map((j) => distance(e.data, r, qn, j, e.dim))));
        if (sole) {
          const cutoff = [...pool.map((r) => d[r]!)].sort((a, b) => a - b)[rows.length - 1]!;
          for (const row of rows) expect(d[row]!).toBeLessThanOrEqual(cutoff + 1e-5);
        }
        expect(mean(rows.map((r) => d[r]!))).toBeLessThan(mean(pool.map((r) => d[r]!)));
        // Only tagged query images count: the picks sit in the tagged images' cluster.
        expect(rows.filter((r) => folder.truth.cluster[r] === 0).length).toBeGreaterThan(rows.length * 0.9);
        checks++;
      } else if (input.type === 'RANDOM') {
        const again = await select(`${name}-again`, config);
        expect(again.run.stdout).toBe(run.stdout);
        const reseeded = structuredClone(config);
        const randomInput = entries(reseeded).find((e) => e.input.type === 'RANDOM')!.input;
        randomInput.random_seed = ((get(randomInput, 'random_seed', 'randomSeed') as number | undefined) ?? 0) + 1;
        delete randomInput.randomSeed;
        const other = await select(`${name}-reseeded`, reseeded);
        expect(other.run.stdout).not.toBe(run.stdout);
        checks++;
      } else if (input.type === 'SCORES' && strategy.type === 'WEIGHTS') {
        const scores = source.score(input.task as string, input.score as string)!;
        const picked = new Set(rows);
        if (sole) {
          const minPicked = Math.min(...rows.map((r) => scores[r]!));
          const maxOther = Math.max(...pool.filter((r) => !picked.has(r)).map((r) => scores[r]!));
          expect(minPicked).toBeGreaterThanOrEqual(maxOther - 1e-9);
        }
        expect(mean(rows.map((r) => scores[r]!))).toBeGreaterThan(mean(pool.map((r) => scores[r]!)) + 0.05);
        checks++;
      } else if (input.type === 'EMBEDDINGS' && input.task !== undefined) {
        const objects = source.objectEmbeddings(input.task as string)!;
        const withObjects = new Set(objects.sampleRow);
        expect(withObjects.size).toBeLessThan(source.rowCount);
        for (const row of rows) expect(withObjects.has(row), `${source.fileName(row)} has objects`).toBe(true);
        expect(rows.length).toBeGreaterThan(0);
        expect(rows.length).toBeLessThanOrEqual(n);
        checks++;
      } else if (input.type === 'EMBEDDINGS' && strategy.type === 'DIVERSITY') {
        const clusters = new Set(rows.map((r) => folder.truth.cluster[r]));
        expect(clusters.size).toBe(4);
        if (sole) {
          // Farthest-point order: the first picks land in distinct clusters.
          expect(new Set(rows.slice(0, 4).map((r) => folder.truth.cluster[r])).size).toBe(4);
        }
        checks++;
      } else if (input.type === 'EMBEDDINGS' && strategy.type === 'TYPICALITY') {
        const typ = typicality(get(strategy, 'num_nearest_neighbors', 'numNearestNeighbors') as number | undefined);
        const diversityOnly = { ...config, strategies: [{ input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY' } }] };
        const baseline = await select(`${name}-diversity-only`, diversityOnly);
        expect(mean(rows.map((r) => typ[r]!))).toBeGreaterThan(mean(baseline.rows.map((r) => typ[r]!)));
        checks++;
      }
    }
    expect(checks, 'the example has something to check').toBeGreaterThan(0);
  });
});
