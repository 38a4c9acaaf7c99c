/** Synthetic selection sources for engine tests: columns given directly, no files. */
import type { ClassCounts, EmbeddingMatrix, MetadataColumn, MetadataValueType, QuerySet, SelectionSource, TaskInfo } from '../../functions/selection/types.js';
import { rng } from '../../bench/support/rng.js';

export { rng };

export interface SyntheticData {
  rows: number;
  embeddings?: number[][];
  numeric?: Record<string, number[]>;
  categorical?: Record<string, (string | undefined)[]>;
  scores?: Record<string, Record<string, number[]>>;
  classCounts?: Record<string, { classes: string[]; rows: (number[] | undefined)[] }>;
  categoryCount?: Record<string, number[]>;
  objects?: Record<string, { vectors: number[][]; sampleRow: number[] }>;
  queries?: Record<string, number[][]>;
  selfQueries?: Record<string, number[]>;
}

export function normalize(vectors: number[][]): EmbeddingMatrix {
  const dim = vectors[0]?.length ?? 0;
  const data = new Float32Array(vectors.length * dim);
  vectors.forEach((v, r) => {
    const norm = Math.hypot(...v);
    v.forEach((x, d) => (data[r * dim + d] = norm > 0 ? x / norm : 0));
  });
  return { rows: vectors.length, dim, data };
}

export function syntheticSource(input: SyntheticData): SelectionSource {
  const embeddings = input.embeddings ? normalize(input.embeddings) : undefined;
  const keys = new Map<string, MetadataValueType>();
  const metadata = new Map<string, MetadataColumn>();
  for (const [key, values] of Object.entries(input.numeric ?? {})) {
    keys.set(key, 'NUMERIC_FLOAT');
    metadata.set(key, { kind: 'numeric', values: Float64Array.from(values) });
  }
  for (const [key, values] of Object.entries(input.categorical ?? {})) {
    keys.set(key, 'CATEGORICAL_STRING');
    const categories = [...new Set(values.filter((v): v is string => v !== undefined))];
    metadata.set(key, { kind: 'categorical', categories, codes: Int32Array.from(values.map((v) => (v === undefined ? -1 : categories.indexOf(v)))) });
  }
  const tasks = new Map<string, TaskInfo>();
  const addTask = (name: string) => tasks.set(name, { name, type: 'OBJECT_DETECTION', categories: new Map() });
  for (const name of [...Object.keys(input.scores ?? {}), ...Object.keys(input.classCounts ?? {}), ...Object.keys(input.categoryCount ?? {}), ...Object.keys(input.objects ?? {})]) addTask(name);
  return {
    rowCount: input.rows,
    fileName: (row) => `img_${row}.png`,
    embeddings: () => embeddings,
    objectEmbeddings: (task) => {
      const o = input.objects?.[task];
      if (!o) return undefined;
      return { ...normalize(o.vectors), sampleRow: Int32Array.from(o.sampleRow), objectIndex: Int32Array.from(o.sampleRow.map(() => 0)) };
    },
    querySet: (datasetId, tag): QuerySet | undefined => {
      const self = input.selfQueries?.[`${datasetId}/${tag}`];
      if (self && embeddings) {
        const data = new Float32Array(self.length * embeddings.dim);
        self.forEach((row, k) => data.set(embeddings.data.subarray(row * embeddings.dim, (row + 1) * embeddings.dim), k * embeddings.dim));
        const mark = new Uint8Array(input.rows);
        for (const row of self) mark[row] = 1;
        return { embeddings: { rows: self.length, dim: embeddings.dim, data }, inQuerySet: mark };
      }
      const q = input.queries?.[`${datasetId}/${tag}`];
      return q ? { embeddings: normalize(q) } : undefined;
    },
    metadataKeys: () => keys,
    metadata: (key) => metadata.get(key),
    tasks: () => tasks,
    score: (task, name) => {
      const column = input.scores?.[task]?.[name];
      return column ? Float64Array.from(column) : undefined;
    },
    scoreNames: (task) => Object.keys(input.scores?.[task] ?? {}),
    classCounts: (task): ClassCounts | undefined => {
      const c = input.classCounts?.[task];
      if (!c) return undefined;
      const k = c.classes.length;
      const counts = new Float64Array(input.rows * k);
      const present = new Uint8Array(input.rows);
      c.rows.forEach((v, r) => {
        if (!v) return;
        present[r] = 1;
        v.forEach((x, j) => (counts[r * k + j] = x));
      });
      return { classes: c.classes, counts, present };
    },
    categoryCount: (task) => {
      const c = input.categoryCount?.[task];
      return c ? Float64Array.from(c) : undefined;
    },
  };
}


export function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}
