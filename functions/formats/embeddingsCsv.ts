/**
 * The Lightly embeddings CSV: `filenames,embedding_0,…,embedding_{D-1},labels`, one sample per line.
 *
 * Conventions (the reference writes these files with Python's `csv` module):
 * - The first line is the header. `filenames` must be the first column and `embedding_0 … embedding_{D-1}`
 *   must follow it, contiguous and in order (D ≥ 1). `labels` is required; `masked` and `selected` may
 *   appear after the embedding columns and are ignored. Any other column, or a repeated one, is a header
 *   error.
 * - A file name may be quoted (`"a,b.png"`, `""` for a quote inside); numeric fields are not quoted.
 *   Spaces around numbers are allowed. `labels` must be an integer; `masked`/`selected` are not read.
 * - Values must be finite decimal numbers (`1`, `-0.5`, `3e-4`); `nan`, `inf` and anything else is an error.
 *   Embedding values are kept as float32, rounded once from the decimal as `Math.fround(Number(text))`
 *   would: one beyond float32's range (`1e39`, which would become Infinity) is an error naming its line
 *   and column; one below its smallest subnormal becomes ±0. Labels must fit an int32.
 * - Lines end with LF or CRLF; a UTF-8 byte-order mark before the header is skipped; blank lines are skipped
 *   (but still counted for line numbers).
 * - A file name may appear only once.
 * - Object-level files (`embeddings/<task>.csv`) have the same columns; each file name is
 *   `<file_name>#<i>` with `i` a non-negative integer, the index of the object in that file's predictions.
 *
 * The parser is incremental: feed it chunks of UTF-8 bytes (or text) with {@link EmbeddingsCsvParser.write}
 * (chunk boundaries may fall anywhere, even inside a number or a multi-byte character), and it hands every
 * row to a sink as soon as the row's line is complete, without keeping the file. Numbers are parsed by
 * hand from the bytes: the usual data line in WebAssembly (`WasmRowReader`, `wasm/csvRows.as`),
 * every other line — and every line when WebAssembly is not there — in TypeScript, with the same
 * results to the bit and the same errors.
 */
import { EmbeddingsAccumulator, type ParsedEmbeddings } from './embeddingsAccumulator.js';
import { parseEmbeddingsHeader } from './embeddingsCsvHeader.js';
import type { EmbeddingsCsvHeader, EmbeddingsCsvOptions, EmbeddingsRowSink } from './embeddingsCsvTypes.js';
import { FieldNumberReader, Role } from './embeddingsCsvNumbers.js';
import { EmbeddingsRowIndex } from './embeddingsRowIndex.js';
import { EmbeddingsLineErrors } from './embeddingsLineErrors.js';
import { csvRowsModule, READER_INPUT, WasmRowReader } from './embeddingsCsvWasm.js';

export { EmbeddingsAccumulator, type ParsedEmbeddings } from './embeddingsAccumulator.js';
export type { EmbeddingsCsvHeader, EmbeddingsCsvOptions, EmbeddingsRowSink } from './embeddingsCsvTypes.js';

// The byte codes and roles the hot loops compare with are constants of this module: an imported binding
// is read through the module namespace on every use where the code is compiled to CommonJS (tsx,
// vitest), which made the TypeScript path several times slower.
const LF = 10;
const CR = 13;
const TAB = 9;
const SPACE = 32;
const QUOTE = 34;
const COMMA = 44;
const EMBEDDING: Role = Role.Embedding;
const IGNORED: Role = Role.Ignored;

const utf8 = new TextEncoder();

/** A Buffer view of the bytes, without copying: one typed-array class keeps the hot loops monomorphic. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Hand-written rather than a CSV library: the parser works on the UTF-8 bytes as they arrive and turns
 * digits into numbers in one pass, without a string per line or per field (the file names are the only
 * strings it makes). Measured on a 124 MB, 128-column file this is several times faster than splitting
 * decoded text and calling Number() per field, which is what general CSV parsers do.
 */
export class EmbeddingsCsvParser {
  /** Bytes of an incomplete last line, waiting for the rest of it. */
  private carry: Buffer | undefined;
  private lineNo = 0;
  private header: EmbeddingsCsvHeader | undefined;
  private roles: Role[] = [];
  private values = new Float32Array(0);
  /** The rows read so far, by file name. */
  private readonly index = new EmbeddingsRowIndex();
  /** File names of the rows waiting to reach the sink together (see {@link readLines}). */
  private readonly batch: string[] = [];

  constructor(
    readonly file: string,
    private readonly sink: EmbeddingsRowSink,
    private readonly options: EmbeddingsCsvOptions = {},
  ) {
    this.errors = new EmbeddingsLineErrors(file);
  }

  /** Makes this file's errors, naming the line and column. */
  private readonly errors: EmbeddingsLineErrors;

  /** Feeds the next chunk of the file, as UTF-8 bytes or as text. The chunk may be reused afterwards. */
  write(chunk: string | Uint8Array): void {
    const bytes = asBuffer(typeof chunk === 'string' ? utf8.encode(chunk) : chunk);
    if (bytes.length === 0) return;
    let start = 0;
    if (this.carry) {
      const nl = bytes.indexOf(LF);
      if (nl === -1) {
        this.carry = Buffer.concat([this.carry, bytes]);
        return;
      }
      const line = Buffer.concat([this.carry, bytes.subarray(0, nl + 1)]);
      this.carry = undefined;
      this.lines(line, 0, line.length);
      start = nl + 1;
    }
    const last = bytes.lastIndexOf(LF);
    if (last >= start) {
      this.lines(bytes, start, last + 1);
      start = last + 1;
    }
    if (start < bytes.length) this.carry = Buffer.from(bytes.subarray(start));
  }

  /** The complete lines of bytes [start, end); `end` is just after a line feed. */
  private lines(b: Buffer, start: number, end: number): void {
    while (!this.header && start < end) {
      const nl = b.indexOf(LF, start);
      this.line(b, start, nl);
      start = nl + 1;
    }
    const reader = this.rowReader();
    if (!reader) {
      for (let nl = b.indexOf(LF, start); nl !== -1 && nl < end; nl = b.indexOf(LF, start)) {
        this.line(b, start, nl);
        start = nl + 1;
      }
      return;
    }
    while (start < end) {
      let regionEnd = end;
      if (end - start > READER_INPUT) {
        regionEnd = b.lastIndexOf(LF, start + READER_INPUT - 1) + 1;
        if (regionEnd <= start) {
          // One line longer than the reader's input area.
          const nl = b.indexOf(LF, start);
          this.line(b, start, nl);
          start = nl + 1;
          continue;
        }
      }
      reader.load(b, start, regionEnd);
      for (let offset = 0; offset < regionEnd - start; ) offset = this.readLines(reader, b, start, offset, regionEnd - start - offset);
      start = regionEnd;
    }
  }

  /**
   * Reads in WebAssembly the lines of the reader's input area from `offset` on (`length` bytes), as many
   * as it takes at once; the area holds `b` from `start`. Returns the offset after the last line read.
   */
  private readLines(reader: WasmRowReader, b: Buffer, start: number, offset: number, length: number): number {
    const count = reader.read(offset, length);
    const meta = reader.lines;
    // Consecutive rows read here go to a sink with `rows` together: their values lie one after the
    // other in the reader's memory.
    const batch = this.batch;
    let batchStart = 0;
    let batchLine = 0;
    const flush = () => {
      if (batch.length === 0) return;
      const n = batch.length;
      try {
        this.sink.rows!(batch, reader.values.subarray(batchStart * reader.dim, (batchStart + n) * reader.dim), reader.labels.subarray(batchStart, batchStart + n), batchLine);
      } finally {
        batch.length = 0;
      }
    };
    for (let i = 0; i < count; i++) {
      const lineStart = start + meta[4 * i]!;
      const lf = start + meta[4 * i + 1]!;
      if (meta[4 * i + 3] !== 0) {
        flush();
        this.line(b, lineStart, lf);
        continue;
      }
      this.lineNo++;
      this.webAssemblyRows++;
      const fileName = b.toString('utf8', lineStart, start + meta[4 * i + 2]!);
      if (!this.sink.rows) {
        this.acceptRow(fileName, reader.rows[i]!, reader.labels[i]!);
        continue;
      }
      // The rows before a duplicate reach the sink first, as they would one by one.
      if (this.index.has(fileName)) flush();
      this.register(fileName);
      if (batch.length === 0) {
        batchStart = i;
        batchLine = this.lineNo;
      }
      batch.push(fileName);
    }
    flush();
    return meta[4 * (count - 1) + 1]! + 1;
  }

  private reader: WasmRowReader | null | undefined;

  /** The WebAssembly row reader for this file's columns, once the header is known; null without it. */
  private rowReader(): WasmRowReader | null {
    if (this.reader !== undefined) return this.reader;
    // Before the header (blank lines may come first) there is nothing to read rows with yet.
    if (!this.header) return null;
    // Object-level names are checked before the numbers are read, so those files stay in TypeScript.
    const module = this.options.rowReader === 'typescript' || this.options.objectLevel ? null : csvRowsModule();
    this.reader = module ? new WasmRowReader(module, this.header.dim, this.roles) : null;
    return this.reader;
  }

  /** Ends the input; returns the header and the number of rows. */
  end(): { header: EmbeddingsCsvHeader; rows: number } {
    if (this.carry) {
      const line = this.carry;
      this.carry = undefined;
      this.line(line, 0, line.length);
    }
    if (!this.header) throw this.errors.at('empty_file', undefined, 'is empty: expected a header line "filenames,embedding_0,…,labels"');
    return { header: this.header, rows: this.index.count };
  }

  /** Rows the WebAssembly reader took (the others went through the TypeScript parser). */
  webAssemblyRows = 0;

  /** A lookup of rows by file name, fastest for names in the file's own order: {@link EmbeddingsRowIndex.rowFinder}. */
  rowFinder(): (fileName: string) => number | undefined {
    return this.index.rowFinder();
  }

  /** The 1-based line of a row seen so far. */
  lineOf(row: number): number {
    return this.index.lineOf(row);
  }

  /** The 0-based row of a file name seen so far (the order in which rows reached the sink). */
  rowOf(fileName: string): number | undefined {
    return this.index.rowOf(fileName);
  }

  private line(b: Buffer, start: number, end: number): void {
    this.lineNo++;
    if (end > start && b[end - 1] === CR) end--;
    if (this.lineNo === 1 && end - start >= 3 && b[start] === 0xef && b[start + 1] === 0xbb && b[start + 2] === 0xbf) start += 3;
    let p = start;
    while (p < end && (b[p] === SPACE || b[p] === TAB)) p++;
    if (p === end) return; // a blank line
    if (!this.header) {
      this.acceptHeader(b.toString('utf8', start, end));
      return;
    }
    this.parseRow(b, start, end);
  }

  /** Reads the header line and tells the sink; the parser then knows the columns of every row. */
  private acceptHeader(line: string): void {
    const lineNo = this.lineNo;
    const { header, roles } = parseEmbeddingsHeader(line, (reason) => this.errors.at('header', lineNo, reason));
    this.roles = roles;
    this.errors.columns = header.columns;
    this.values = new Float32Array(header.dim);
    this.header = header;
    this.sink.header?.(header);
  }

  /** Reads a data line, bytes [start, end) without the line end, and hands its row on. */
  private parseRow(b: Buffer, start: number, end: number): void {
    const fileName = this.readFileName(b, start, end);
    this.checkFileName(fileName);
    const label = this.readFields(b, start, end, this.cursor);
    this.acceptRow(fileName, this.values, label);
  }

  /** Where the last {@link readFileName} stopped. */
  private cursor = 0;

  /** Reads the file name that starts the line, quoted or not; sets {@link cursor} just after it. */
  private readFileName(b: Buffer, start: number, end: number): string {
    if (b[start] !== QUOTE) {
      let p = start;
      while (p < end && b[p] !== COMMA) p++;
      this.cursor = p;
      return b.toString('utf8', start, p);
    }
    const lineNo = this.lineNo;
    // Quotes are ASCII, so the pieces between them never split a UTF-8 sequence.
    let out = '';
    let q = start + 1;
    for (;;) {
      const close = b.indexOf(QUOTE, q);
      if (close === -1 || close >= end) throw this.errors.at('malformed_line', lineNo, 'unterminated quoted file name');
      out += b.toString('utf8', q, close);
      if (close + 1 < end && b[close + 1] === QUOTE) {
        out += '"';
        q = close + 2;
      } else {
        const p = close + 1;
        if (p < end && b[p] !== COMMA) throw this.errors.at('malformed_line', lineNo, 'unexpected text after the quoted file name');
        this.cursor = p;
        return out;
      }
    }
  }

  /** A file name must not be empty, and in an object-level file must be `<file_name>#<index>`. */
  private checkFileName(fileName: string): void {
    const lineNo = this.lineNo;
    if (fileName.length === 0) throw this.errors.at('invalid_value', lineNo, 'empty file name');
    if (this.options.objectLevel && !OBJECT_NAME.test(fileName)) {
      throw this.errors.at('invalid_value', lineNo, `object file name ${JSON.stringify(fileName)} must be "<file_name>#<index>"`);
    }
  }

  /**
   * Reads the fields after the file name, which ends at `p`: the embedding values into {@link values};
   * returns the label. The line [start, end) must have exactly the header's columns.
   */
  private readFields(b: Buffer, start: number, end: number, p: number): number {
    const roles = this.roles;
    const values = this.values;
    const numbers = this.numbers;
    const expected = roles.length + 1;
    let label = 0;
    let dimIndex = 0;
    for (let c = 0; c < roles.length; c++) {
      if (p >= end) throw this.errors.columnCount(b, start, end, expected, this.lineNo);
      p++; // the comma
      const role = roles[c]!;
      if (role === IGNORED) {
        while (p < end && b[p] !== COMMA) p++;
        continue;
      }
      while (p < end && b[p] === SPACE) p++;
      const fieldStart = p;
      const v = numbers.readField(b, p, end, role === EMBEDDING);
      if (v !== v) throw this.errors.badNumber(b, fieldStart, end, c + 2, this.lineNo);
      p = numbers.end;
      while (p < end && b[p] === SPACE) p++;
      if (p < end && b[p] !== COMMA) throw this.errors.trailingText(b, fieldStart, end, c + 2, this.lineNo);
      if (numbers.wide) this.errors.checkRange(role, v, b, fieldStart, p, c + 2, this.lineNo);
      if (role === EMBEDDING) values[dimIndex++] = v;
      else {
        if (!Number.isInteger(v)) throw this.errors.at('invalid_value', this.lineNo, `column ${c + 2} (labels): ${v} is not an integer`);
        label = v + 0; // −0 as 0, as the WebAssembly reader's integer has it
      }
    }
    if (p < end) throw this.errors.columnCount(b, start, end, expected, this.lineNo);
    return label;
  }

  /** Turns a field's digits into its number; one for the whole file. */
  private readonly numbers = new FieldNumberReader();

  /** A parsed row: its file name must be new; then the sink gets it. */
  private acceptRow(fileName: string, values: Float32Array, label: number): void {
    this.register(fileName);
    this.sink.row(fileName, values, label, this.lineNo);
  }

  /** Notes the row of the current line under its file name, which must be new. */
  private register(fileName: string): void {
    const earlier = this.index.add(fileName, this.lineNo);
    if (earlier !== undefined) throw this.errors.at('duplicate_file', this.lineNo, `file name ${JSON.stringify(fileName)} already appeared on line ${earlier}`);
  }
}

const OBJECT_NAME = /^.+#(0|[1-9]\d*)$/;

/** Splits an object-level file name `<file_name>#<i>` into its parts. */
export function splitObjectName(name: string): { fileName: string; index: number } {
  const hash = name.lastIndexOf('#');
  return { fileName: name.slice(0, hash), index: Number(name.slice(hash + 1)) };
}

/** Parses a whole embeddings CSV held in memory. */
export function parseEmbeddingsCsv(text: string, file: string, options: EmbeddingsCsvOptions = {}): ParsedEmbeddings {
  const sink = new EmbeddingsAccumulator();
  const parser = new EmbeddingsCsvParser(file, sink, options);
  parser.write(text);
  parser.end();
  return sink.result(file);
}

/** Parses an embeddings CSV from a stream of text or UTF-8 byte chunks (e.g. a file read stream). */
export async function parseEmbeddingsCsvStream(
  chunks: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>,
  file: string,
  options: EmbeddingsCsvOptions = {},
  sink: EmbeddingsRowSink = new EmbeddingsAccumulator(),
): Promise<{ header: EmbeddingsCsvHeader; rows: number; sink: EmbeddingsRowSink }> {
  const parser = new EmbeddingsCsvParser(file, sink, options);
  for await (const chunk of chunks) parser.write(chunk);
  return { ...parser.end(), sink };
}
