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
 * - Lines end with LF or CRLF; a UTF-8 byte-order mark before the header is skipped; blank lines are skipped
 *   (but still counted for line numbers).
 * - A file name may appear only once.
 * - Object-level files (`embeddings/<task>.csv`) have the same columns; each file name is
 *   `<file_name>#<i>` with `i` a non-negative integer, the index of the object in that file's predictions.
 *
 * The parser is incremental: feed it chunks of text with {@link EmbeddingsCsvParser.write} (chunk
 * boundaries may fall anywhere, even inside a number), and it hands every row to a sink as soon as the
 * row's line is complete, without keeping the file. Numbers are parsed by hand from character codes.
 */
import { EmbeddingsFormatError } from './errors.js';

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
}

export interface EmbeddingsCsvOptions {
  /** Object-level embeddings: file names must be `<file_name>#<i>`. */
  readonly objectLevel?: boolean;
}

const enum Role {
  Embedding = 0,
  Label = 1,
  Ignored = 2,
}

const POW10: number[] = [];
for (let i = 0; i <= 22; i++) POW10.push(10 ** i);

export class EmbeddingsCsvParser {
  private carry = '';
  private lineNo = 0;
  private header: EmbeddingsCsvHeader | undefined;
  private roles: Role[] = [];
  private values = new Float32Array(0);
  private readonly seen = new Map<string, number>();
  private rowCount = 0;
  private first = true;
  // Set by parseNumber: the index just after the parsed number.
  private numEnd = 0;

  constructor(
    readonly file: string,
    private readonly sink: EmbeddingsRowSink,
    private readonly options: EmbeddingsCsvOptions = {},
  ) {}

  /** Feeds the next chunk of the file. */
  write(chunk: string): void {
    if (chunk.length === 0) return;
    let text = this.carry.length > 0 ? this.carry + chunk : chunk;
    if (this.first) {
      this.first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl === -1) break;
      this.line(text, start, nl);
      start = nl + 1;
    }
    this.carry = start === 0 ? text : text.slice(start);
  }

  /** Ends the input; returns the header and the number of rows. */
  end(): { header: EmbeddingsCsvHeader; rows: number } {
    if (this.carry.length > 0) {
      const text = this.carry;
      this.carry = '';
      this.line(text, 0, text.length);
    }
    if (!this.header) throw this.error('empty_file', undefined, 'is empty: expected a header line "filenames,embedding_0,…,labels"');
    return { header: this.header, rows: this.rowCount };
  }

  private error(code: 'header' | 'column_count' | 'malformed_line' | 'not_a_number' | 'not_finite' | 'duplicate_file' | 'empty_file' | 'invalid_value', line: number | undefined, reason: string) {
    return line === undefined
      ? new EmbeddingsFormatError(code, { file: this.file }, reason)
      : new EmbeddingsFormatError(code, { file: this.file, line }, reason);
  }

  private line(text: string, start: number, end: number): void {
    this.lineNo++;
    if (end > start && text.charCodeAt(end - 1) === 13) end--;
    // Blank line?
    let p = start;
    while (p < end && (text.charCodeAt(p) === 32 || text.charCodeAt(p) === 9)) p++;
    if (p === end) return;
    if (!this.header) {
      this.parseHeader(text.slice(start, end));
      return;
    }
    this.parseRow(text, start, end);
  }

  private parseHeader(line: string): void {
    const columns = line.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
    const lineNo = this.lineNo;
    if (columns[0] !== 'filenames') {
      throw this.error('header', lineNo, `the first column must be "filenames", found ${JSON.stringify(columns[0])}`);
    }
    let dim = 0;
    while (columns[1 + dim] === `embedding_${dim}`) dim++;
    if (dim === 0) throw this.error('header', lineNo, `column 2 must be "embedding_0", found ${JSON.stringify(columns[1] ?? '')}`);
    const roles: Role[] = [];
    const seen = new Set<string>();
    let hasLabels = false;
    for (let c = 1; c < columns.length; c++) {
      const name = columns[c]!;
      if (seen.has(name)) throw this.error('header', lineNo, `column "${name}" appears twice`);
      seen.add(name);
      if (c <= dim) roles.push(Role.Embedding);
      else if (name === 'labels') {
        roles.push(Role.Label);
        hasLabels = true;
      } else if (name === 'masked' || name === 'selected') roles.push(Role.Ignored);
      else if (/^embedding_\d+$/.test(name)) {
        throw this.error('header', lineNo, `embedding columns must be embedding_0…embedding_{D-1} in order; "${name}" is out of place after embedding_${dim - 1}`);
      } else {
        throw this.error('header', lineNo, `unknown column "${name}" (expected filenames, embedding_0…, labels, and optionally masked, selected)`);
      }
    }
    if (!hasLabels) throw this.error('header', lineNo, 'missing the "labels" column');
    this.roles = roles;
    this.values = new Float32Array(dim);
    this.header = { dim, columns };
    this.sink.header?.(this.header);
  }

  private parseRow(text: string, start: number, end: number): void {
    const lineNo = this.lineNo;
    // File name.
    let fileName: string;
    let p: number;
    if (text.charCodeAt(start) === 34 /* " */) {
      let out = '';
      let q = start + 1;
      for (;;) {
        const close = text.indexOf('"', q);
        if (close === -1 || close >= end) throw this.error('malformed_line', lineNo, 'unterminated quoted file name');
        out += text.slice(q, close);
        if (text.charCodeAt(close + 1) === 34 && close + 1 < end) {
          out += '"';
          q = close + 2;
        } else {
          p = close + 1;
          break;
        }
      }
      fileName = out;
      if (p < end && text.charCodeAt(p) !== 44) throw this.error('malformed_line', lineNo, 'unexpected text after the quoted file name');
    } else {
      const comma = text.indexOf(',', start);
      p = comma === -1 || comma > end ? end : comma;
      fileName = text.slice(start, p);
    }
    if (fileName.length === 0) throw this.error('invalid_value', lineNo, 'empty file name');
    if (this.options.objectLevel && !OBJECT_NAME.test(fileName)) {
      throw this.error('invalid_value', lineNo, `object file name ${JSON.stringify(fileName)} must be "<file_name>#<index>"`);
    }
    const roles = this.roles;
    const values = this.values;
    const expected = roles.length + 1;
    let label = 0;
    let dimIndex = 0;
    for (let c = 0; c < roles.length; c++) {
      if (p >= end) throw this.columnCount(text, start, end, expected);
      p++; // the comma
      const role = roles[c]!;
      if (role === Role.Ignored) {
        const comma = text.indexOf(',', p);
        p = comma === -1 || comma > end ? end : comma;
        continue;
      }
      const v = this.parseNumber(text, p, end, c + 2);
      p = this.numEnd;
      if (p < end && text.charCodeAt(p) !== 44) {
        // Trailing garbage in the field.
        const comma = text.indexOf(',', p);
        const fieldEnd = comma === -1 || comma > end ? end : comma;
        throw this.error('not_a_number', lineNo, `column ${c + 2} (${this.header!.columns[c + 1]}): ${JSON.stringify(text.slice(this.fieldStart, fieldEnd))} is not a number`);
      }
      if (role === Role.Embedding) values[dimIndex++] = v;
      else {
        if (!Number.isInteger(v)) throw this.error('invalid_value', lineNo, `column ${c + 2} (labels): ${v} is not an integer`);
        label = v;
      }
    }
    if (p < end) throw this.columnCount(text, start, end, expected);
    const previous = this.seen.get(fileName);
    if (previous !== undefined) throw this.error('duplicate_file', lineNo, `file name ${JSON.stringify(fileName)} already appeared on line ${previous}`);
    this.seen.set(fileName, lineNo);
    this.rowCount++;
    this.sink.row(fileName, values, label, lineNo);
  }

  private columnCount(text: string, start: number, end: number, expected: number) {
    let found = 1;
    for (let i = text.indexOf(',', start); i !== -1 && i < end; i = text.indexOf(',', i + 1)) found++;
    return this.error('column_count', this.lineNo, `expected ${expected} columns, found ${found}`);
  }

  private fieldStart = 0;

  /** Parses a finite decimal number at `p`; sets `numEnd`. */
  private parseNumber(s: string, p: number, end: number, column: number): number {
    while (p < end && s.charCodeAt(p) === 32) p++;
    this.fieldStart = p;
    let i = p;
    let neg = false;
    let c = s.charCodeAt(i);
    if (c === 45) {
      neg = true;
      c = s.charCodeAt(++i);
    } else if (c === 43) c = s.charCodeAt(++i);
    let mant = 0;
    let digits = 0;
    let exp10 = 0;
    let any = false;
    while (i < end && c >= 48 && c <= 57) {
      if (digits < 19) {
        mant = mant * 10 + (c - 48);
        if (mant !== 0) digits++;
      } else exp10++;
      any = true;
      c = s.charCodeAt(++i);
    }
    if (i < end && c === 46) {
      c = s.charCodeAt(++i);
      while (i < end && c >= 48 && c <= 57) {
        if (digits < 19) {
          mant = mant * 10 + (c - 48);
          if (mant !== 0) digits++;
          exp10--;
        }
        any = true;
        c = s.charCodeAt(++i);
      }
    }
    if (!any) throw this.badNumber(s, p, end, column);
    if (i < end && (c === 101 || c === 69)) {
      c = s.charCodeAt(++i);
      let eneg = false;
      if (c === 45) {
        eneg = true;
        c = s.charCodeAt(++i);
      } else if (c === 43) c = s.charCodeAt(++i);
      let e = 0;
      let edigits = 0;
      while (i < end && c >= 48 && c <= 57) {
        if (e < 100000) e = e * 10 + (c - 48);
        edigits++;
        c = s.charCodeAt(++i);
      }
      if (edigits === 0) throw this.badNumber(s, p, end, column);
      exp10 += eneg ? -e : e;
    }
    let value: number;
    if (mant === 0) value = 0;
    else if (exp10 === 0) value = mant;
    else if (exp10 > 0 && exp10 <= 22) value = mant * POW10[exp10]!;
    else if (exp10 < 0 && exp10 >= -22) value = mant / POW10[-exp10]!;
    else value = Math.abs(Number(s.slice(p, i)));
    if (neg) value = -value;
    if (!Number.isFinite(value)) {
      throw this.error('not_finite', this.lineNo, `column ${column} (${this.header!.columns[column - 1]}): ${s.slice(p, i)} is out of range`);
    }
    while (i < end && s.charCodeAt(i) === 32) i++;
    this.numEnd = i;
    return value;
  }

  private badNumber(s: string, p: number, end: number, column: number) {
    const comma = s.indexOf(',', p);
    const field = s.slice(p, comma === -1 || comma > end ? end : comma).trim();
    const name = this.header!.columns[column - 1];
    if (/^[+-]?(nan|inf|infinity)$/i.test(field)) {
      return this.error('not_finite', this.lineNo, `column ${column} (${name}): ${field} is not a finite number`);
    }
    return this.error('not_a_number', this.lineNo, `column ${column} (${name}): ${JSON.stringify(field)} is not a number`);
  }
}

const OBJECT_NAME = /^.+#(0|[1-9]\d*)$/;

/** Splits an object-level file name `<file_name>#<i>` into its parts. */
export function splitObjectName(name: string): { fileName: string; index: number } {
  const hash = name.lastIndexOf('#');
  return { fileName: name.slice(0, hash), index: Number(name.slice(hash + 1)) };
}

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
  const decoder = new TextDecoder('utf-8', { fatal: false });
  for await (const chunk of chunks) {
    parser.write(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
  }
  parser.write(decoder.decode());
  return { ...parser.end(), sink };
}
