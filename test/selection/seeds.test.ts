/**
 * Every seed example, read from its fixture file as written (comments, float(1e9)), run by the engine on
 * one synthetic dataset that has what the examples name, and checked against what its text says it does.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { selectionConfig } from '../../functions/selection/config.js';
import { parseJsonc } from '../../functions/selection/jsonc.js';
import { randomColumn } from '../../functions/selection/random.js';
import { runSelection } from '../../functions/selection/select.js';
import { gaussian, normalize, rng, syntheticSource } from './source.js';

const ROWS = 600;
const random = rng(600);
const cluster = Array.from({ length: ROWS }, (_, i) => i % 6);
const centres = Array.from({ length: 6 }, () => Array.from({ length: 8 }, () => gaussian(random)));
const vectors = cluster.map((c) => centres[c]!.map((x) => x + 0.3 * gaussian(random)));
const sharpness = Array.from({ length: ROWS }, () => random() * 40);
const uniformRows = Array.from({ length: ROWS }, () => random() * 0.05);
const weather = Array.from({ length: ROWS }, () => {
  const x = random();
  return x < 0.6 ? 'sunny' : x < 0.7 ? 'cloudy' : 'rainy';
});
const video = Array.from({ length: ROWS }, (_, i) => `video_${i < 250 ? 0 : i < 400 ? 1 : i < 520 ? 2 : 3}`);
const entropy = Array.from({ length: ROWS }, () => random());
const CLASSES = ['car', 'bicycle', 'bus', 'motorcycle', 'person', 'train', 'truck', 'dog'];
const classOf = Array.from({ length: ROWS }, () => Math.floor(random() * random() * CLASSES.length));
const objectRows = Array.from({ length: ROWS }, (_, i) => i).flatMap((i) => Array.from({ length: i % 3 }, () => i));
const source = syntheticSource({
  rows: ROWS,
  embeddings: vectors,
  numeric: { 'lightly.sharpness': sharpness, 'lightly.uniformRowRatio': uniformRows },
  categorical: { 'weather.description': weather, video_name: video },
  scores: { my_object_detection_task: { uncertainty_entropy: entropy } },
  classCounts: { lightly_pretagging: { classes: CLASSES, rows: classOf.map((c) => CLASSES.map((_, k) => (k === c ? 1 : 0))) } },
  objects: { my_object_detections: { vectors: objectRows.map((r) => vectors[r]!.map((x) => x + 0.1 * gaussian(random))), sampleRow: objectRows } },
  queries: { 'query-dataset/query-tag': [centres[2]!, centres[2]!.map((x) => x + 0.05)] },
});

const seeds = join(import.meta.dirname, '../fixtures/seeds');
const seed = (file: string, replace: Record<string, string> = {}) => {
  let text = readFileSync(join(seeds, file), 'utf8');
  for (const [from, to] of Object.entries(replace)) text = text.replace(from, to);
  return runSelection(selectionConfig(parseJsonc(text, file)), source);
};
const { data, dim } = normalize(vectors);
const distance = (i: number, j: number) => {
  let s = 0;
  for (let d = 0; d < dim; d++) s += (data[i * dim + d]! - data[j * dim + d]!) ** 2;
  return Math.sqrt(s);
};
const minPairwise = (rows: readonly number[]) => Math.min(...rows.flatMap((a, i) => rows.slice(i + 1).map((b) => distance(a, b))));
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const topRows = (values: ArrayLike<number>, n: number, pool = (_: number) => true) =>
  Array.from({ length: values.length }, (_, i) => i)
    .filter(pool)
    .sort((a, b) => values[b]! - values[a]! || a - b)
    .slice(0, n);

describe('the seed examples, as written', () => {
  it('01 visual diversity: 100 samples spread out far more than the first 100 rows', () => {
    const result = seed('01-visual-diversity.jsonc');
    expect(result.rows).toHaveLength(100);
    expect(minPairwise(result.rows)).toBeGreaterThan(2 * minPairwise(Array.from({ length: 100 }, (_, i) => i)));
  });

  it('02 typicality with diversity: 100 distinct samples, from every cluster', () => {
    const result = seed('02-typicality.jsonc');
    expect(new Set(result.rows).size).toBe(100);
    expect(new Set(result.rows.map((r) => cluster[r])).size).toBe(6);
  });

  it('03 active learning: the 100 highest uncertainty_entropy scores', () => {
    expect(seed('03-active-learning.jsonc').rows).toEqual(topRows(entropy, 100));
  });

  it('04 diversity and active learning: diverse, and more uncertain than average', () => {
    const result = seed('04-diversity-and-active-learning.jsonc');
    expect(result.rows).toHaveLength(100);
    expect(mean(result.rows.map((r) => entropy[r]!))).toBeGreaterThan(mean(entropy) + 0.1);
  });

  it('05 sharpness threshold: only samples with lightly.sharpness > 20', () => {
    const result = seed('05-sharpness-threshold.jsonc');
    expect(result.rows).toHaveLength(100);
    expect(result.rows.every((r) => sharpness[r]! > 20)).toBe(true);
    expect(result.summary.dropped).toEqual([{ reason: expect.stringContaining('lightly.sharpness > 20'), count: sharpness.filter((v) => !(v > 20)).length }]);
  });

  it('06 uniform rows threshold: only samples under 2.5 % uniform rows', () => {
    const result = seed('06-uniform-rows-threshold.jsonc');
    expect(result.rows.every((r) => uniformRows[r]! < 0.025)).toBe(true);
  });

  it('07 object balancing: the picked class shares approach the target where the pool allows', () => {
    const result = seed('07-object-balancing.jsonc');
    const share = (name: string) => result.rows.filter((r) => CLASSES[classOf[r]!] === name).length / result.rows.length;
    const available = (name: string) => classOf.filter((c) => CLASSES[c] === name).length;
    expect(available('bicycle')).toBeGreaterThan(50);
    expect(share('bicycle')).toBeCloseTo(0.5, 1);
    expect(share('car')).toBeCloseTo(0.1, 1);
    // 'dog' is not named: it is in "other", whose target is 1 − Σ target = 0.
    expect(share('dog')).toBe(0);
  });

  it('08 metadata balancing: 20 % sunny, 40 % cloudy, the rest other', () => {
    const result = seed('08-metadata-balancing.jsonc');
    const count = (v: string) => result.rows.filter((r) => weather[r] === v).length;
    expect(count('sunny')).toBe(20);
    expect(count('cloudy')).toBe(40);
    expect(count('rainy')).toBe(40);
  });

  it('09 video balancing: the same number of frames from every video, diverse within each', () => {
    const result = seed('09-video-balancing.jsonc');
    expect(['video_0', 'video_1', 'video_2', 'video_3'].map((v) => result.rows.filter((r) => video[r] === v).length)).toEqual([25, 25, 25, 25]);
  });

  it('10 similarity search: the query images\' neighbours', () => {
    const result = seed('10-similarity-search.jsonc', { DATASET_ID_OF_THE_QUERY_IMAGES: 'query-dataset', TAG_NAME_OF_THE_QUERY_IMAGES: 'query-tag' });
    const queries = normalize([centres[2]!, centres[2]!.map((x) => x + 0.05)]).data;
    const nearest = Array.from({ length: ROWS }, (_, i) =>
      Math.min(
        ...[0, 1].map((q) => {
          let s = 0;
          for (let d = 0; d < dim; d++) s += (data[i * dim + d]! - queries[q * dim + d]!) ** 2;
          return Math.sqrt(s);
        }),
      ),
    );
    // The 100 nearest to a query, nearest first; most of them from the query's cluster.
    expect(result.rows).toEqual(topRows(nearest.map((d) => -d), 100));
    expect(result.rows.filter((r) => cluster[r] === 2).length).toBeGreaterThan(80);
  });

  it('11 object diversity: images with objects, each once', () => {
    const result = seed('11-object-diversity.jsonc');
    expect(result.rows).toHaveLength(100);
    expect(new Set(result.rows).size).toBe(100);
    expect(result.rows.every((r) => r % 3 !== 0)).toBe(true);
    expect(result.summary.dropped).toEqual([{ reason: expect.stringMatching(/^no objects in my_object_detections/), count: ROWS / 3 }]);
  });

  it('12 object typicality: images with objects, each once', () => {
    const result = seed('12-object-typicality.jsonc');
    expect(new Set(result.rows).size).toBe(100);
    expect(result.rows.every((r) => r % 3 !== 0)).toBe(true);
  });

  it('13 random: the 100 highest RANDOM values of seed 42, the same on every run', () => {
    const result = seed('13-random.jsonc');
    expect(result.rows).toEqual(topRows(randomColumn(42, 0, ROWS), 100));
    expect(seed('13-random.jsonc').rows).toEqual(result.rows);
  });
});
