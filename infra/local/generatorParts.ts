/**
 * The pieces of the Lightly-folder generator that its steps share: the seeded random stream, number
 * formatting, the embeddings CSV, and the record files of either layout.
 */

/** A small, fast, seedable PRNG (mulberry32) with helpers. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  pick(weights: readonly number[]): number {
    const total = weights.reduce((a, b) => a + b, 0);
    let x = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      x -= weights[i]!;
      if (x < 0) return i;
    }
    return weights.length - 1;
  }
  /** A probability vector peaked at `top` with the given sharpness (higher = more confident). */
  probabilities(k: number, top: number, sharpness: number): number[] {
    const logits = Array.from({ length: k }, (_, i) => (i === top ? sharpness : 0) + this.normal() * 0.7);
    const max = Math.max(...logits);
    const exps = logits.map((l) => Math.exp(l - max));
    const sum = exps.reduce((a, b) => a + b, 0);
    return roundProbabilities(exps.map((e) => e / sum));
  }
}

/** Rounds to 4 decimals and puts the rounding error on the largest entry, so the sum stays 1. */
function roundProbabilities(p: number[]): number[] {
  const rounded = p.map((v) => Math.round(v * 1e4) / 1e4);
  const top = rounded.indexOf(Math.max(...rounded));
  const rest = rounded.reduce((a, b, i) => (i === top ? a : a + b), 0);
  rounded[top] = Math.round((1 - rest) * 1e4) / 1e4;
  return rounded;
}


export const fixed = (v: number, digits = 6) => Number(v.toFixed(digits));


export function embeddingsCsv(fileNames: readonly string[], data: Float32Array, dim: number, labels: readonly number[]): string {
  const header = ['filenames', ...Array.from({ length: dim }, (_, j) => `embedding_${j}`), 'labels'].join(',');
  const lines = [header];
  fileNames.forEach((name, i) => {
    const values = Array.from(data.subarray(i * dim, (i + 1) * dim), (v) => String(fixed(v)));
    lines.push([name, ...values, String(labels[i] ?? 0)].join(','));
  });
  return lines.join('\n') + '\n';
}

const jsonName = (fileName: string) => fileName.replace(/\.[^./]+$/, '') + '.json';


/** Where the generation steps write: the shared random stream, the file map and the per-sample file names. */
export interface GenerationTarget {
  readonly rng: Rng;
  readonly files: Map<string, string>;
  readonly layout: 'files' | 'jsonl';
  readonly fileNames: readonly string[];
}

export function taskSchema(taskType: string, classes: readonly string[]): string {
  return JSON.stringify({ task_type: taskType, categories: classes.map((name, id) => ({ id, name })) }, null, 2) + '\n';
}

export function writeRecords(files: Map<string, string>, folder: string, bulkName: string, records: { file_name: string }[], layout: 'files' | 'jsonl') {
  if (layout === 'jsonl') {
    files.set(`${folder}/${bulkName}`, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  } else {
    for (const record of records) files.set(`${folder}/${jsonName(record.file_name)}`, JSON.stringify(record) + '\n');
  }
}

