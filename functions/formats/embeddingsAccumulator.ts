/** The in-memory side of the embeddings CSV parser: a sink that keeps every row, and what it returns. */
import type { EmbeddingsCsvHeader, EmbeddingsRowSink } from './embeddingsCsvTypes.js';

/** An embeddings file held in memory: raw (not normalized) values. */
export interface ParsedEmbeddings {
  readonly file: string;
  readonly dim: number;
  readonly fileNames: string[];
  /** Row-major `fileNames.length × dim`, the values as written. */
  readonly data: Float32Array;
  readonly labels: Int32Array;
  /** The 1-based line each row came from. */
  readonly lines: Int32Array;
}

/** A sink that keeps every row in growing typed arrays. */
export class EmbeddingsAccumulator implements EmbeddingsRowSink {
  private dim = 0;
  private count = 0;
  private data = new Float32Array(0);
  private labels = new Int32Array(0);
  private lines = new Int32Array(0);
  private readonly names: string[] = [];

  header(header: EmbeddingsCsvHeader): void {
    this.dim = header.dim;
    this.grow(1024);
  }

  row(fileName: string, values: Float32Array, label: number, line: number): void {
    if (this.count === this.labels.length) this.grow(this.count * 2);
    this.data.set(values, this.count * this.dim);
    this.labels[this.count] = label;
    this.lines[this.count] = line;
    this.names.push(fileName);
    this.count++;
  }

  result(file: string): ParsedEmbeddings {
    return {
      file,
      dim: this.dim,
      fileNames: this.names,
      data: this.data.slice(0, this.count * this.dim),
      labels: this.labels.slice(0, this.count),
      lines: this.lines.slice(0, this.count),
    };
  }

  private grow(capacity: number): void {
    const data = new Float32Array(capacity * this.dim);
    data.set(this.data);
    this.data = data;
    const labels = new Int32Array(capacity);
    labels.set(this.labels);
    this.labels = labels;
    const lines = new Int32Array(capacity);
    lines.set(this.lines);
    this.lines = lines;
  }
}
