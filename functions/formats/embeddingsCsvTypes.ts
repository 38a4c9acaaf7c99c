/** The shapes the embeddings CSV parser is used through: the header it reads, the sink it feeds, its options. */

export interface EmbeddingsCsvHeader {
  /** Embedding dimension D. */
  readonly dim: number;
  /** All column names in order. */
  readonly columns: readonly string[];
}

/** Receives rows as they are parsed. `values` is a reused buffer: copy it if you keep it. */
export interface EmbeddingsRowSink {
  header?(header: EmbeddingsCsvHeader): void;
  row(fileName: string, values: Float32Array, label: number, line: number): void;
  /**
   * Optional: consecutive rows at once, lines `firstLine`, `firstLine` + 1, …; `values` holds their
   * embeddings one after the other, `labels` their labels. All three are reused buffers, `fileNames`
   * included: copy what you keep. Must do what `row` for each in turn would. Rows the WebAssembly reader
   * took come this way when it is there.
   */
  rows?(fileNames: readonly string[], values: Float32Array, labels: Int32Array, firstLine: number): void;
}

export interface EmbeddingsCsvOptions {
  /** Object-level embeddings: file names must be `<file_name>#<i>`. */
  readonly objectLevel?: boolean;
  /**
   * Who reads the usual data line: `webassembly` (the default whenever the runtime has WebAssembly
   * SIMD, see {@link WasmRowReader}) or `typescript` (the reference, and the fallback). Both give
   * the same rows and the same errors; the TypeScript path always takes the lines WebAssembly hands back.
   */
  readonly rowReader?: 'webassembly' | 'typescript';
}
